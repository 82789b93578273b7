import * as fs from 'fs';
import * as path from 'path';

/** The parts of a V8 `.cpuprofile` this summary reads. */
interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one function (or of one file, for `byFile`), in milliseconds. */
export interface SelfTime {
  readonly name: string;
  readonly ms: number;
}

/** A profile's total sampled time and its heaviest functions and files by self time. */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly byFunction: SelfTime[];
  readonly byFile: SelfTime[];
}

/** Shortens a script URL to a path inside the repository or a package. */
function shortUrl(url: string, root: string): string {
  const plain = url.replace(/^file:\/\//, '');
  const inModules = plain.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    return plain.substring(inModules + 'node_modules/'.length);
  }
  return plain.startsWith(root) ? path.relative(root, plain) : plain || '(native)';
}

function top(totals: Map<string, number>, count: number): SelfTime[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, ms: us / 1000 }));
}

/** Self time in microseconds per function and per file, and in total. */
export interface SelfTimes {
  readonly byFunction: Map<string, number>;
  readonly byFile: Map<string, number>;
  readonly totalUs: number;
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

/** Reads a `.cpuprofile` written by `node --cpu-prof` and sums self time per function and per file. */
export function readSelfTimes(file: string, root: string): SelfTimes {
  const profile = JSON.parse(fs.readFileSync(file, 'utf-8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const times: SelfTimes = { byFunction: new Map(), byFile: new Map(), totalUs: 0 };
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (frame === undefined) {
      return;
    }
    const where = shortUrl(frame.url, root);
    add(times.byFunction, `${frame.functionName || '(anonymous)'} ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`, us);
    add(times.byFile, where, us);
    totalUs += us;
  });
  return { ...times, totalUs };
}

/** The sum of several profiles' self times. */
export function mergeSelfTimes(all: readonly SelfTimes[]): SelfTimes {
  const merged: SelfTimes = { byFunction: new Map(), byFile: new Map(), totalUs: 0 };
  for (const times of all) {
    times.byFunction.forEach((us, key) => add(merged.byFunction, key, us));
    times.byFile.forEach((us, key) => add(merged.byFile, key, us));
  }
  return { ...merged, totalUs: all.reduce((sum, t) => sum + t.totalUs, 0) };
}

/** The heaviest functions and files of `times`, divided by `runs` to give per-run milliseconds. */
export function summarize(times: SelfTimes, count = 12, runs = 1): ProfileSummary {
  const perRun = (list: SelfTime[]) => list.map((t) => ({ name: t.name, ms: t.ms / runs }));
  return { totalMs: times.totalUs / 1000 / runs, byFunction: perRun(top(times.byFunction, count)), byFile: perRun(top(times.byFile, count)) };
}

/** The functions with the most self time in `a` beyond `b` (per run), largest difference first. */
export function diffSelfTimes(a: SelfTimes, b: SelfTimes, count = 12, runs = 1): SelfTime[] {
  const difference = new Map<string, number>();
  a.byFunction.forEach((us, key) => difference.set(key, us - (b.byFunction.get(key) ?? 0)));
  b.byFunction.forEach((us, key) => difference.has(key) || difference.set(key, -us));
  return top(difference, count).map((t) => ({ name: t.name, ms: t.ms / runs }));
}

/** Reads a `.cpuprofile` and summarises its heaviest functions and files. */
export function summarizeProfile(file: string, root: string, count = 12): ProfileSummary {
  return summarize(readSelfTimes(file, root), count);
}

/** Every `.cpuprofile` in `dir`. */
export function profilesIn(dir: string): string[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
  if (files.length === 0) {
    throw new Error(`no .cpuprofile was written to ${dir}; node --cpu-prof did not run to completion.`);
  }
  return files;
}
