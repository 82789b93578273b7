import { spawnSync } from 'child_process';
import * as path from 'path';

/**
 * What the CLI loads, measured in a Node.js process of its own (jest's module registry is not Node's): `layout`,
 * `instance-types` and `report` load the core and the CLI's own modules, `yaml` loads only for `--format karpenter`,
 * and no command loads an aws-cdk-lib construct module.
 */

const ROOT = path.join(__dirname, '..', '..');

/** The commands, in the order they run in one process; each stage records what was loaded by then. */
const STAGES: Record<string, string[][]> = {
  'layout': [['layout', 'p5.48xlarge'], ['layout', 'p5.48xlarge', '--format', 'json', '--profile', 'max-bandwidth']],
  'instance-types': [['instance-types', '--min-efa', '16']],
  'report': [['report', '--instance-type', 'p5.48xlarge', 'hpc6id.32xlarge']],
  'layout --format karpenter': [['layout', 'p6-b200.48xlarge', '--format', 'karpenter', '--efa-count', '4']],
};

/** Runs the stages with ts-node (no type check) and returns, per stage, the exit codes and the loaded files. */
function loadedByStage(): Record<string, { codes: number[]; files: string[] }> {
  const script = `
    const before = new Set(Object.keys(require.cache));
    const { main } = require('./src/cli/cli');
    const io = { out: () => {}, err: (t) => process.stderr.write(t) };
    const result = {};
    for (const [stage, runs] of Object.entries(${JSON.stringify(STAGES)})) {
      const codes = runs.map((argv) => main(argv, io));
      result[stage] = { codes, files: Object.keys(require.cache).filter((f) => !before.has(f)) };
    }
    process.stdout.write(JSON.stringify(result));
  `;
  const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, encoding: 'utf-8' });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout);
}

/** A loaded file as `src/<path>` or `<package>/<path>` (the package name with its scope). */
function shortName(file: string): string {
  const relative = path.relative(ROOT, file).split(path.sep).join('/');
  const inPackage = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(relative);
  return inPackage ? inPackage[1] : relative;
}

const packageOf = (file: string) => file.startsWith('src/') ? undefined : file.split('/').slice(0, file.startsWith('@') ? 2 : 1).join('/');

/** The packages of `files` that are not among `allowed`. */
function packagesOutside(files: string[], allowed: string[]): string[] {
  return [...new Set(files.map(packageOf))].filter((p): p is string => p !== undefined && !allowed.includes(p));
}

/** aws-cdk-lib's construct modules: `aws-*` and the other folders of constructs, not core and its helpers. */
const isConstructModule = (file: string) => /^aws-cdk-lib\/(aws-|alexa-|lambda-layer-|custom-resources\/|pipelines\/|triggers\/|cloudformation-include\/|assertions\/)/.test(file);

describe('cdk-efa start-up', () => {
  let stages: Record<string, { codes: number[]; files: string[] }>;
  beforeAll(() => {
    const raw = loadedByStage();
    stages = Object.fromEntries(Object.entries(raw).map(([stage, { codes, files }]) => [stage, { codes, files: files.map(shortName) }]));
  });

  test('every command ran and succeeded', () => {
    expect(Object.fromEntries(Object.entries(stages).map(([stage, { codes }]) => [stage, codes]))).toEqual({
      'layout': [0, 0], 'instance-types': [0], 'report': [0], 'layout --format karpenter': [0],
    });
  });

  test('layout, instance-types and report load the core and the CLI only: no yaml, no checks, no aws-cdk-lib construct module', () => {
    const { files } = stages.report;
    // A guard on the reader: it sees the CLI, the core and commander.
    expect(files).toEqual(expect.arrayContaining(['src/cli/cli.ts', 'src/core/layout.ts', 'src/cli/layout-report.ts']));
    expect(files.some((f) => f.startsWith('commander/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('src/') && !/^src\/(core|cli)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /^src\/cli\/(karpenter-yaml|inspect-report)\.ts$/.test(f))).toEqual([]);
    // Not even aws-cdk-lib's core: the core's token checks load it only for a value that could be a token.
    expect(packagesOutside(files, ['commander', 'fastest-levenshtein'])).toEqual([]);
    expect(files.filter(isConstructModule)).toEqual([]);
  });

  test('layout --format karpenter loads yaml and the Karpenter layout, and no aws-cdk-lib construct module', () => {
    const { files } = stages['layout --format karpenter'];
    expect(files).toEqual(expect.arrayContaining(['src/cli/karpenter-yaml.ts', 'src/core/karpenter.ts']));
    expect(files.some((f) => f.startsWith('yaml/'))).toBe(true);
    expect(files.filter((f) => f.startsWith('src/') && !/^src\/(core|cli)\//.test(f))).toEqual([]);
    expect(files.filter(isConstructModule)).toEqual([]);
    expect(packagesOutside(files, ['commander', 'fastest-levenshtein', 'yaml'])).toEqual([]);
  });

  test('the reader would see a construct module', () => {
    // The checks above pass when nothing matches; this shows what does.
    expect(['aws-cdk-lib/aws-ec2/lib/index.js', 'aws-cdk-lib/custom-resources/index.js', 'aws-cdk-lib/core/lib/index.js'].filter(isConstructModule))
      .toEqual(['aws-cdk-lib/aws-ec2/lib/index.js', 'aws-cdk-lib/custom-resources/index.js']);
    expect(shortName(path.join(ROOT, 'node_modules', 'aws-cdk-lib', 'aws-ec2', 'index.js'))).toBe('aws-cdk-lib/aws-ec2/index.js');
    expect(packageOf('@aws-cdk/asset-awscli-v1/index.js')).toBe('@aws-cdk/asset-awscli-v1');
  });
});
