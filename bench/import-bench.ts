import * as fs from 'fs';
import * as path from 'path';
import { DIRS, ROOT, run, runNodeJson } from './exec';
import { ProfileSummary, profilesIn, summarizeProfile } from './profile';
import { median } from './stats';

/** The compiled library, as `require('cdk-efa')` loads it. */
export const LIB_INDEX = path.join(ROOT, 'lib', 'index.js');

/**
 * What cdk-efa's modules make aws-cdk-lib load when they are loaded: the classes cdk-efa extends and the enums its
 * capability table reads at load time, and the module indexes it imports.
 */
const CDK_MODULES_CDK_EFA_LOADS = [
  "const ec2 = require('aws-cdk-lib/aws-ec2');",
  'ec2.InstanceArchitecture; ec2.PlacementGroupStrategy; ec2.SecurityGroup; ec2.LaunchTemplate;',
  "require('aws-cdk-lib/aws-lambda').Function;",
  "['aws-eks', 'aws-eks-v2', 'aws-iam', 'custom-resources'].forEach((m) => require('aws-cdk-lib/' + m));",
  "require('constructs').Construct;",
].join(' ');

/** The import targets, as code for `node -e`. */
export const IMPORT_TARGETS: Record<string, string> = {
  'aws-cdk-lib': "require('aws-cdk-lib');",
  'aws-cdk-lib + what cdk-efa loads of it': `require('aws-cdk-lib'); ${CDK_MODULES_CDK_EFA_LOADS}`,
  'cdk-efa': `require(${JSON.stringify(LIB_INDEX)});`,
};

/** Times `code` in a fresh node process and prints the milliseconds as JSON. */
function timedScript(code: string): string {
  return `const { performance } = require('perf_hooks'); const t = performance.now(); ${code} `
    + 'process.stdout.write(JSON.stringify(performance.now() - t) + "\\n");';
}

/** Import times of one target: in-process `require` time and whole-process wall time, per repetition. */
export interface ImportSamples {
  readonly requireMs: number[];
  readonly processMs: number[];
}

/** Runs each target `repetitions` times in fresh processes, rotating the order every repetition. */
export function measureImports(repetitions: number): Record<string, ImportSamples> {
  const names = Object.keys(IMPORT_TARGETS);
  const samples: Record<string, ImportSamples> = Object.fromEntries(names.map((n) => [n, { requireMs: [], processMs: [] }]));
  for (let rep = 0; rep < repetitions; rep++) {
    const order = names.map((_, i) => names[(i + rep) % names.length]);
    for (const name of order) {
      const { value, wallMs } = runNodeJson<number>(['-e', timedScript(IMPORT_TARGETS[name])]);
      samples[name].requireMs.push(value);
      samples[name].processMs.push(wallMs);
    }
  }
  return samples;
}

/** The median of the per-repetition differences between two targets (paired, since they ran back to back). */
export function medianOverhead(samples: Record<string, ImportSamples>, target: string, baseline: string, key: keyof ImportSamples): number {
  const base = samples[baseline][key];
  return median(samples[target][key].map((ms, i) => ms - base[i]));
}

/** The steps of `require('cdk-efa')`, loaded one after another so each step's time is its own. */
const BREAKDOWN_STEPS: ReadonlyArray<[string, string]> = [
  ['aws-cdk-lib (root)', "require('aws-cdk-lib')"],
  ['constructs', "require('constructs').Construct"],
  ['aws-ec2 module index', "require('aws-cdk-lib/aws-ec2')"],
  ['aws-ec2 SecurityGroup, LaunchTemplate (base classes of cdk-efa constructs)', "const e = require('aws-cdk-lib/aws-ec2'); e.SecurityGroup; e.LaunchTemplate"],
  ['aws-ec2 InstanceArchitecture, PlacementGroupStrategy (read by the capability table)', "const e = require('aws-cdk-lib/aws-ec2'); e.InstanceArchitecture; e.PlacementGroupStrategy"],
  ['aws-lambda Function (base class of OfferingCheckFunction)', "require('aws-cdk-lib/aws-lambda').Function"],
  ['aws-eks, aws-eks-v2, aws-iam, custom-resources module indexes', "['aws-eks', 'aws-eks-v2', 'aws-iam', 'custom-resources'].forEach((m) => require('aws-cdk-lib/' + m))"],
  ["cdk-efa's own modules (lib/**.js)", `require(${JSON.stringify(LIB_INDEX)})`],
];

function breakdownScript(): string {
  const steps = BREAKDOWN_STEPS.map(([, code]) => `(() => { ${code}; })`).join(', ');
  return `const { performance } = require('perf_hooks'); const out = [];
for (const step of [${steps}]) { const t = performance.now(); step(); out.push(performance.now() - t); }
process.stdout.write(JSON.stringify(out) + "\\n");`;
}

/** Median milliseconds of each step of `require('cdk-efa')`, over `repetitions` fresh processes. */
export function requireBreakdown(repetitions: number): Array<{ step: string; ms: number }> {
  const runs = Array.from({ length: repetitions }, () => runNodeJson<number[]>(['-e', breakdownScript()]).value);
  return BREAKDOWN_STEPS.map(([step], i) => ({ step, ms: median(runs.map((r) => r[i])) }));
}

/** Self time of each of cdk-efa's own files while `require('cdk-efa')` runs: compile, run and resolve its requires. */
function ownFilesScript(): string {
  return `const Module = require('module'); const { performance } = require('perf_hooks');
const compile = Module.prototype._compile; const stack = []; const rows = [];
Module.prototype._compile = function (content, filename) {
  const t = performance.now(); stack.push(0);
  try { return compile.call(this, content, filename); } finally {
    const nested = stack.pop(); const ms = performance.now() - t;
    if (stack.length > 0) { stack[stack.length - 1] += ms; }
    rows.push({ file: filename, selfMs: ms - nested, bytes: Buffer.byteLength(content) });
  }
};
require(${JSON.stringify(LIB_INDEX)});
process.stdout.write(JSON.stringify(rows) + "\\n");`;
}

/** One file's share of `require('cdk-efa')`. */
export interface FileCost {
  readonly file: string;
  readonly selfMs: number;
  readonly bytes: number;
}

/** The median self time of each of cdk-efa's own files, heaviest first. */
export function ownFileCosts(repetitions: number): FileCost[] {
  const runs = Array.from({ length: repetitions }, () => runNodeJson<FileCost[]>(['-e', ownFilesScript()]).value);
  const libDir = path.join(ROOT, 'lib') + path.sep;
  return runs[0]
    .filter((row) => row.file.startsWith(libDir))
    .map((row) => ({
      file: path.relative(ROOT, row.file),
      bytes: row.bytes,
      selfMs: median(runs.map((r) => r.find((x) => x.file === row.file)?.selfMs ?? 0)),
    }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

/** CPU profile of `node <args>` (for example `-e <code>`, or a script), summarised. */
export function profileNode(name: string, args: string[]): ProfileSummary {
  const dir = path.join(DIRS.profiles, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  run(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100', ...args]);
  return summarizeProfile(profilesIn(dir)[0], ROOT, 15);
}

/** Whether lib/ was compiled after the last change to src/ (otherwise the import numbers describe old code). */
export function libIsFresh(): boolean {
  const newestSource = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? newestSource(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs))
    .reduce((a, b) => Math.max(a, b), 0);
  return fs.existsSync(LIB_INDEX) && fs.statSync(LIB_INDEX).mtimeMs >= newestSource(path.join(ROOT, 'src'));
}
