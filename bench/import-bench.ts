import * as fs from 'fs';
import * as path from 'path';
import { DIRS, ROOT, run, runNodeJson } from './exec';
import { ProfileSummary, profilesIn, summarizeProfile } from './profile';
import { median } from './stats';

/** The compiled library, as `require('cdk-efa')` loads it. */
export const LIB_INDEX = path.join(ROOT, 'lib', 'index.js');

/**
 * The baseline of issue 11: what every EFA app loads anyway. (aws-cdk-lib's module indexes are lazy, so this loads
 * aws-cdk-lib's root and the aws-ec2 index, not the aws-ec2 classes.)
 */
export const BASELINE = "require('aws-cdk-lib'); require('aws-cdk-lib/aws-ec2');";

const REQUIRE_CDK_EFA = `require(${JSON.stringify(LIB_INDEX)})`;

/** The two targets of the import target, as code for `node -e`: the baseline, and the baseline plus cdk-efa. */
export const IMPORT_TARGETS = {
  baseline: { label: "baseline: require('aws-cdk-lib'); require('aws-cdk-lib/aws-ec2')", code: BASELINE },
  cdkEfa: { label: "baseline, then require('cdk-efa')", code: `${BASELINE} ${REQUIRE_CDK_EFA};` },
} as const;

/**
 * Times `code` after `setUp` in a fresh node process and prints the milliseconds of `code` as JSON. The time is taken
 * before `process.stdout` is first read, since creating that stream costs a few milliseconds.
 */
function timedScript(code: string, setUp = ''): string {
  return `const { performance } = require('perf_hooks'); ${setUp} const t = performance.now(); ${code} `
    + 'const ms = performance.now() - t; process.stdout.write(JSON.stringify(ms) + "\\n");';
}

/** Import times of one target: in-process time of the timed code and whole-process wall time, per repetition. */
export interface ImportSamples {
  readonly requireMs: number[];
  readonly processMs: number[];
}

/** Runs each of `scripts` (name → `node -e` code) `repetitions` times in fresh processes, rotating the order every repetition. */
function interleaved(scripts: Record<string, string>, repetitions: number): Record<string, ImportSamples> {
  const names = Object.keys(scripts);
  const samples: Record<string, ImportSamples> = Object.fromEntries(names.map((n) => [n, { requireMs: [], processMs: [] }]));
  for (let rep = 0; rep < repetitions; rep++) {
    for (const name of names.map((_, i) => names[(i + rep) % names.length])) {
      const { value, wallMs } = runNodeJson<number>(['-e', scripts[name]]);
      samples[name].requireMs.push(value);
      samples[name].processMs.push(wallMs);
    }
  }
  return samples;
}

/** The baseline and the baseline plus `require('cdk-efa')`, `repetitions` times each, interleaved (keyed by label). */
export function measureImports(repetitions: number): Record<string, ImportSamples> {
  return interleaved(Object.fromEntries(Object.values(IMPORT_TARGETS).map((t) => [t.label, timedScript(t.code)])), repetitions);
}

/** The median of the per-repetition differences between two targets (paired, since they ran back to back). */
export function medianOverhead(samples: Record<string, ImportSamples>, target: string, baseline: string, key: keyof ImportSamples): number {
  const base = samples[baseline][key];
  return median(samples[target][key].map((ms, i) => ms - base[i]));
}

/** The value exports of lib/index.js by folder of src/ (core, ec2, eks, checks), read from the lazy index. */
export function exportGroups(): Record<string, string[]> {
  const source = fs.readFileSync(LIB_INDEX, 'utf-8');
  const folderOf = new Map([...source.matchAll(/const (load\d+) = \(\) => require\("\.\/([\w-]+)\//g)].map((m) => [m[1], m[2]]));
  const groups: Record<string, string[]> = {};
  for (const [, name, loader] of source.matchAll(/lazy\("(\w+)", (load\d+)\);/g)) {
    const folder = folderOf.get(loader) ?? 'unknown';
    (groups[folder] ??= []).push(name);
  }
  if (Object.keys(groups).length === 0) {
    throw new Error('lib/index.js is not the lazy index that build-tools/lazy-index.js writes; run `npx projen compile`.');
  }
  return groups;
}

/** Code that reads every export in `names` from cdk-efa. */
function readExports(names: readonly string[]): string {
  return `const efa = ${REQUIRE_CDK_EFA}; ${names.map((n) => `efa.${n};`).join(' ')}`;
}

/** Where an export group's first read goes: cdk-efa's files, and the files of its dependencies it loads. */
export interface ExportGroupCost {
  readonly group: string;
  readonly exports: string[];
  /** cdk-efa files loaded by reading the group's exports. */
  readonly ownFiles: number;
  /** aws-cdk-lib (and constructs) files loaded by it, beyond the baseline. */
  readonly dependencyFiles: number;
  /** aws-cdk-lib module folders those files are in (aws-ec2, aws-iam, …). */
  readonly dependencyModules: string[];
  /** Median ms of reading the group's exports after the baseline and `require('cdk-efa')`. */
  readonly readMs: number;
  /** Median ms of requiring just the dependency files it loads, after the baseline. */
  readonly dependencyMs: number;
}

/** Lists, in load order, the files that `code` loads beyond `setUp`, as JSON. */
function loadedFilesScript(setUp: string, code: string): string {
  return `${setUp} const before = new Set(Object.keys(require.cache)); ${code}
process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => !before.has(f))) + "\\n");`;
}

function dependencyModule(file: string): string {
  const inCdk = /node_modules\/aws-cdk-lib\/([^/]+)\//.exec(file);
  if (inCdk !== null) {
    return inCdk[1];
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  if (pkg === null) {
    return path.relative(ROOT, file);
  }
  return pkg[1] === 'aws-cdk-lib' ? 'aws-cdk-lib (root files)' : pkg[1];
}

/**
 * What reading each export group costs the first time, in its own fresh process after the baseline and
 * `require('cdk-efa')`; and, interleaved with it, what requiring only the dependency files it loads costs after the
 * baseline, so that the difference is cdk-efa's own code. The last group is every export.
 */
export function measureExportGroups(repetitions: number): ExportGroupCost[] {
  const groups = exportGroups();
  const all: Array<[string, string[]]> = [...Object.entries(groups), ['every export', Object.values(groups).flat()]];
  const setUp = `${BASELINE} ${REQUIRE_CDK_EFA};`;
  const libDir = path.join(ROOT, 'lib') + path.sep;
  const scripts: Record<string, string> = {};
  const facts = all.map(([group, names]) => {
    const files = runNodeJson<string[]>(['-e', loadedFilesScript(setUp, readExports(names))]).value;
    const dependencies = files.filter((f) => !f.startsWith(libDir));
    scripts[`read ${group}`] = timedScript(readExports(names), setUp);
    scripts[`dependencies of ${group}`] = timedScript(dependencies.map((f) => `require(${JSON.stringify(f)});`).join(' '), BASELINE);
    return {
      group,
      exports: names,
      ownFiles: files.length - dependencies.length,
      dependencyFiles: dependencies.length,
      dependencyModules: [...new Set(dependencies.map(dependencyModule))].sort(),
    };
  });
  const samples = interleaved(scripts, repetitions);
  return facts.map((f) => ({
    ...f,
    readMs: median(samples[`read ${f.group}`].requireMs),
    dependencyMs: median(samples[`dependencies of ${f.group}`].requireMs),
  }));
}

/** A realistic app's start: App, Stack and `ec2.Vpc`, then an EFA security group and launch template. */
export interface AppStartCost {
  /** Variant label → samples of the first phase (load aws-cdk-lib, App + Stack + Vpc). */
  readonly vpc: Record<string, number[]>;
  /** Variant label → samples of the second phase (load and construct the security group and launch template). */
  readonly constructs: Record<string, number[]>;
  /** Variant label → whole-process wall time. */
  readonly processMs: Record<string, number[]>;
}

/** The two variants of the realistic app's second phase: cdk-efa's constructs, and aws-cdk-lib's L2s. */
export const APP_VARIANTS = {
  cdkEfa: {
    label: 'cdk-efa: EfaSecurityGroup + EfaLaunchTemplate',
    code: `const efa = ${REQUIRE_CDK_EFA}; const sg = new efa.EfaSecurityGroup(stack, 'Sg', { vpc });
new efa.EfaLaunchTemplate(stack, 'Lt', { instanceType: new ec2.InstanceType('p5.48xlarge'), securityGroup: sg });`,
  },
  l2: {
    label: 'aws-cdk-lib L2s: ec2.SecurityGroup + ec2.LaunchTemplate',
    code: `const sg = new ec2.SecurityGroup(stack, 'Sg', { vpc });
new ec2.LaunchTemplate(stack, 'Lt', { instanceType: new ec2.InstanceType('p5.48xlarge'), securityGroup: sg });`,
  },
} as const;

function appScript(second: string): string {
  return `const { performance } = require('perf_hooks'); const t0 = performance.now();
const cdk = require('aws-cdk-lib'); const ec2 = require('aws-cdk-lib/aws-ec2');
const app = new cdk.App(); const stack = new cdk.Stack(app, 'Stack'); const vpc = new ec2.Vpc(stack, 'Vpc');
const t1 = performance.now(); ${second} const t2 = performance.now();
process.stdout.write(JSON.stringify([t1 - t0, t2 - t1]) + "\\n");`;
}

/** Both variants of the realistic app, `repetitions` fresh processes each, interleaved (no synthesis). */
export function measureAppStart(repetitions: number): AppStartCost {
  const variants = Object.values(APP_VARIANTS);
  const out: AppStartCost = { vpc: {}, constructs: {}, processMs: {} };
  variants.forEach((v) => { out.vpc[v.label] = []; out.constructs[v.label] = []; out.processMs[v.label] = []; });
  for (let rep = 0; rep < repetitions; rep++) {
    for (const v of rep % 2 === 0 ? variants : [...variants].reverse()) {
      const { value, wallMs } = runNodeJson<[number, number]>(['-e', appScript(v.code)]);
      out.vpc[v.label].push(value[0]);
      out.constructs[v.label].push(value[1]);
      out.processMs[v.label].push(wallMs);
    }
  }
  return out;
}

/** Self time of each of cdk-efa's own files when every export is read: compile, run and resolve its requires. */
function ownFilesScript(): string {
  return `${BASELINE} const Module = require('module'); const { performance } = require('perf_hooks');
const compile = Module.prototype._compile; const stack = []; const rows = [];
Module.prototype._compile = function (content, filename) {
  const t = performance.now(); stack.push(0);
  try { return compile.call(this, content, filename); } finally {
    const nested = stack.pop(); const ms = performance.now() - t;
    if (stack.length > 0) { stack[stack.length - 1] += ms; }
    rows.push({ file: filename, selfMs: ms - nested, bytes: Buffer.byteLength(content) });
  }
};
const efa = ${REQUIRE_CDK_EFA}; Object.keys(efa).forEach((name) => efa[name]);
process.stdout.write(JSON.stringify(rows) + "\\n");`;
}

/** One file's share of loading cdk-efa. */
export interface FileCost {
  readonly file: string;
  readonly selfMs: number;
  readonly bytes: number;
}

/** The median self time of each of cdk-efa's own files when every export is read, heaviest first. */
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

/** Code for `node -e` that loads cdk-efa after the baseline and reads every export (for a profile). */
export const READ_EVERY_EXPORT = `${BASELINE} const efa = ${REQUIRE_CDK_EFA}; Object.keys(efa).forEach((name) => efa[name]);`;

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
