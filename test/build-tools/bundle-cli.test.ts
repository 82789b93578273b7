import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/cli';

/**
 * The `cdk-efa` CLI as package.json's `bin` runs it: one file bundled by build-tools/bundle-cli.js. Here it is bundled
 * from src/ into a folder of its own (the compile task bundles lib/ in place), and run in a Node.js process of its own.
 */

const ROOT = path.join(__dirname, '..', '..');
const BUNDLER = path.join(ROOT, 'build-tools', 'bundle-cli.js');
const TABLE = path.join('core', 'private', 'instance-types.generated.json');

/** Runs the bundler on `rootDir` into `outDir` in a process of its own (esbuild's API dislikes jest's realms). */
function bundle(rootDir: string, outDir: string) {
  return spawnSync(process.execPath, [BUNDLER, rootDir, outDir], { cwd: ROOT, encoding: 'utf-8' });
}

/** Writes `files` (path → content) under a new temporary folder and returns it. */
function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cli-'));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

/** What `main` prints in this process for `argv`, with its exit code. */
function inProcess(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = main(argv, { out: (t) => { stdout += t; }, err: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}

describe('the bundled CLI', () => {
  let out: string;
  let cli: string;
  /** Prints, at exit, every file the process loaded. */
  let reporter: string;

  beforeAll(() => {
    out = folder({ [TABLE]: fs.readFileSync(path.join(ROOT, 'src', TABLE), 'utf-8') });
    const result = bundle(path.join(ROOT, 'src'), out);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    cli = path.join(out, 'cli', 'cdk-efa.js');
    reporter = path.join(out, 'report-loaded.js');
    fs.writeFileSync(reporter, "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));");
  });

  /** Runs the bundle with `argv`; `loaded` lists the files it loaded (the reporter aside), relative to the repository. */
  function run(argv: string[], cwd: string = out) {
    const child = spawnSync(process.execPath, ['-r', reporter, cli, ...argv], { cwd, encoding: 'utf-8' });
    const [stderr, loadedLine] = child.stderr.split(/^LOADED /m);
    const loaded: string[] = JSON.parse(loadedLine).filter((f: string) => f !== reporter).map((f: string) => path.relative(ROOT, f));
    return { status: child.status, stdout: child.stdout, stderr, loaded };
  }

  test('prints what the compiled CLI prints, for every command that needs only the core', () => {
    for (const argv of [
      ['layout', 'p5.48xlarge', '--format', 'json'],
      ['layout', 'p6e-gb200.36xlarge', '--verbose'],
      ['instance-types', '--min-efa', '16'],
      ['report', '--instance-type', 'p5.48xlarge', 'hpc6id.32xlarge'],
    ]) {
      const { status, stdout, stderr } = run(argv);
      expect({ argv, status, stdout, stderr }).toEqual({ argv, ...inProcess(argv) });
    }
  });

  test('layout loads the bundle alone: no other module file, no package', () => {
    const { status, stdout, loaded } = run(['layout', 'p5.48xlarge', '--format', 'json']);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toHaveLength(33); // the primary ENA and one efa-only interface on each of the 32 cards
    expect(loaded).toEqual([path.relative(ROOT, cli)]);
  });

  test('layout --format karpenter loads the yaml package beside the bundle, and prints what the compiled CLI prints', () => {
    const argv = ['layout', 'p6-b200.48xlarge', '--format', 'karpenter', '--efa-count', '4'];
    const { status, stdout, loaded } = run(argv);
    expect({ status, stdout }).toEqual({ status: 0, stdout: inProcess(argv).stdout });
    expect(loaded.filter((f) => f !== path.relative(ROOT, cli)).every((f) => f.startsWith('node_modules/yaml/'))).toBe(true);
    expect(loaded.some((f) => f.startsWith('node_modules/yaml/'))).toBe(true);
  });

  test('fails with the same message and exit code as the compiled CLI', () => {
    for (const argv of [['layout', 'p5.48xlarge', '--efa-count', '99'], ['layout', 'm7i.nope'], ['layout', 'p5.48xlarge', '--format', 'xml']]) {
      const { status, stdout, stderr } = run(argv);
      const expected = inProcess(argv);
      expect(expected.status).not.toBe(0);
      expect({ argv, status, stdout, stderr }).toEqual({ argv, ...expected });
    }
  });

  test('inspect reads a template with aws-cdk-lib from the node_modules the bundle sits in', () => {
    const template = {
      Resources: {
        Nodes: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: {
            LaunchTemplateData: {
              InstanceType: 'p5.48xlarge',
              NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa-only' }],
            },
          },
        },
      },
    };
    const file = path.join(out, 'Hand.template.json');
    fs.writeFileSync(file, JSON.stringify(template));
    const { status, stdout, stderr } = run(['inspect', file]);
    const expected = inProcess(['inspect', file]);
    expect(status).toBe(1);
    expect({ status, stdout, stderr }).toEqual(expected);
    expect(stdout).toMatch(/efa-only/);
  });
});

describe('the CLI bundler', () => {
  test('points each __dirname of the bundled modules at that module\'s own folder', () => {
    const root = folder({
      'cli/cli.js': "exports.main = () => { process.stdout.write(require('../data/reader').read()); return 0; };",
      'data/reader.js': "exports.read = () => require('fs').readFileSync(require('path').join(__dirname, 'table.txt'), 'utf-8');",
    });
    const out = folder({ 'data/table.txt': 'from the data folder' });
    expect(bundle(root, out).status).toBe(0);
    expect(execFileSync(process.execPath, [path.join(out, 'cli', 'cdk-efa.js')], { encoding: 'utf-8' })).toBe('from the data folder');
  });

  test('fails when a bundled package reads __dirname, and not when it only names it in a comment', () => {
    const files = (code: string) => ({
      'cli/cli.js': "exports.main = () => { require('dirname-reader'); return 0; };",
      'cli/node_modules/dirname-reader/package.json': '{"name": "dirname-reader", "main": "index.js"}',
      'cli/node_modules/dirname-reader/index.js': code,
    });
    const reads = folder(files("module.exports = require('path').join(__dirname, 'x');"));
    const result = bundle(reads, reads);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/bundle-cli: .*dirname-reader\/index\.js reads __dirname/);

    const comments = folder(files('/**\n * program.executableDir(__dirname);\n */\nmodule.exports = 1;\n// __dirname\n'));
    expect(bundle(comments, comments).status).toBe(0);
  });
});
