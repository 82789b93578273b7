import { performance } from 'perf_hooks';
import { App } from 'aws-cdk-lib';
import { cpuMs } from './cpu';

/** Builds the app of one variant: `groups` groups, written to `outdir`. */
export type AppBuilder = (outdir: string, groups: number) => App;

/** What one child process measured, printed as one JSON line on stdout. */
export interface SynthSample {
  /** Milliseconds from process start to the start of construction: Node.js start-up plus module loading. */
  readonly startupMs: number;
  /** Milliseconds to construct the app (every construct, no synthesis). */
  readonly constructMs: number;
  /** Milliseconds of `app.synth()`, including aws-cdk-lib's template validation when it is on. */
  readonly synthMs: number;
  /** CPU milliseconds (user + system, all threads) of construction: unlike wall time, not inflated by other jobs. */
  readonly constructCpuMs: number;
  /** CPU milliseconds (user + system, all threads) of `app.synth()`. */
  readonly synthCpuMs: number;
  /** Resident set size before construction, in MiB. */
  readonly rssBeforeMiB: number;
  /** Peak resident set size of the process (`process.resourceUsage().maxRSS`), in MiB. */
  readonly maxRssMiB: number;
}

/**
 * Runs one measurement: `node <child>.js <variant> <groups> <outdir>`. The variant names one of `builders`.
 */
export function runSynthChild(builders: Record<string, AppBuilder>): void {
  const [variant, groupsArg, outdir] = process.argv.slice(2);
  const builder = builders[variant];
  const groups = Number(groupsArg);
  if (builder === undefined || !Number.isInteger(groups) || groups < 1 || outdir === undefined) {
    throw new Error(`usage: <child> ${Object.keys(builders).join('|')} <groups> <outdir>`);
  }
  const startupMs = performance.now();
  const rssBeforeMiB = process.memoryUsage().rss / 2 ** 20;
  const cpuStart = process.cpuUsage();
  const app = builder(outdir, groups);
  const constructed = performance.now();
  const cpuConstructed = process.cpuUsage();
  app.synth();
  const synthesized = performance.now();
  const cpuSynthesized = process.cpuUsage();
  const sample: SynthSample = {
    startupMs,
    constructMs: constructed - startupMs,
    synthMs: synthesized - constructed,
    constructCpuMs: cpuMs(cpuStart, cpuConstructed),
    synthCpuMs: cpuMs(cpuConstructed, cpuSynthesized),
    rssBeforeMiB,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(sample) + '\n');
}
