import * as fs from 'fs';
import * as path from 'path';
import { DIRS, ROOT, childEnv, run } from './exec';
import { median } from './stats';

/** The CLI as `npx cdk-efa` runs it: package.json's `bin` (lib/cli/cdk-efa.js, bundled by build-tools/bundle-cli.js). */
export const CLI = path.join(ROOT, JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8')).bin['cdk-efa']);

/** The command of issue 11's CLI target. */
export const CLI_TARGET = 'layout p5.48xlarge --format json';

/** The CLI commands measured: the target, and the other commands that load only the core (for information). */
export const CLI_COMMANDS: readonly string[] = [CLI_TARGET, 'instance-types', 'report'];

/** One CLI command against `node -e 0`. */
export interface CliCost {
  readonly command: string;
  /** Whole-process wall time of the command, per repetition. */
  readonly processMs: number[];
  /** Whole-process wall time of `node -e 0` run just before or after it, per repetition. */
  readonly floorMs: number[];
  /** Whole-process CPU time (user + system, all threads) of the command, per repetition. */
  readonly cpuMs: number[];
  /** The same for `node -e 0`. */
  readonly floorCpuMs: number[];
  /** Median of the paired differences of wall time. */
  readonly overheadMs: number;
  /** Median of the paired differences of CPU time. */
  readonly overheadCpuMs: number;
  /** Modules the command loads, in all and from aws-cdk-lib. */
  readonly modules: number;
  readonly awsCdkLibModules: number;
}

/** What the preload script reports at exit. */
interface ExitReport {
  /** CPU milliseconds of the whole process since it started (user + system, all threads). */
  readonly cpuMs: number;
  readonly modules: number;
  readonly awsCdkLibModules: number;
}

const REPORT_PREFIX = 'cdk-efa-bench-exit ';

/**
 * A preload script (`node -r`) that prints, at exit, the process's CPU time and how many modules it loaded (in all,
 * and from aws-cdk-lib). Both the command and `node -e 0` run with it, so its own small cost cancels out.
 */
function exitReporter(): string {
  const file = path.join(DIRS.dist, 'report-at-exit.js');
  fs.writeFileSync(file, `process.on('exit', () => {
  const cpu = process.cpuUsage();
  const files = Object.keys(require.cache);
  process.stderr.write(${JSON.stringify(REPORT_PREFIX)} + JSON.stringify({
    cpuMs: (cpu.user + cpu.system) / 1000,
    modules: files.length,
    awsCdkLibModules: files.filter((f) => f.includes('/node_modules/aws-cdk-lib/')).length,
  }) + '\\n');
});
`);
  return file;
}

/** Runs `node -r <reporter> <args>`: wall time from spawn to exit, and what the process reported at exit. */
function runReported(reporter: string, args: string[]): ExitReport & { readonly wallMs: number } {
  const { stderr, wallMs } = run(process.execPath, ['-r', reporter, ...args], { env: childEnv(false) });
  const line = stderr.split('\n').find((l) => l.startsWith(REPORT_PREFIX));
  if (line === undefined) {
    throw new Error(`node ${args.join(' ')}: the exit report was not printed; stderr: ${stderr.substring(0, 300)}`);
  }
  return { ...(JSON.parse(line.substring(REPORT_PREFIX.length)) as ExitReport), wallMs };
}

/**
 * Runs each CLI command and `node -e 0` back to back, `repetitions` times, alternating which goes first, and takes
 * the medians of the paired differences of whole-process wall time (spawn to exit, as a user sees it) and CPU time.
 */
export function measureCli(repetitions: number): CliCost[] {
  const reporter = exitReporter();
  const samples = CLI_COMMANDS.map((command) => ({
    command, processMs: [] as number[], floorMs: [] as number[], cpuMs: [] as number[], floorCpuMs: [] as number[], modules: 0, awsCdkLibModules: 0,
  }));
  for (let rep = 0; rep < repetitions; rep++) {
    for (const s of samples) {
      const command = () => {
        const r = runReported(reporter, [CLI, ...s.command.split(' ')]);
        s.processMs.push(r.wallMs);
        s.cpuMs.push(r.cpuMs);
        s.modules = r.modules;
        s.awsCdkLibModules = r.awsCdkLibModules;
      };
      const floor = () => {
        const r = runReported(reporter, ['-e', '0']);
        s.floorMs.push(r.wallMs);
        s.floorCpuMs.push(r.cpuMs);
      };
      (rep % 2 === 0 ? [command, floor] : [floor, command]).forEach((f) => f());
    }
  }
  return samples.map((s) => ({
    ...s,
    overheadMs: median(s.processMs.map((ms, i) => ms - s.floorMs[i])),
    overheadCpuMs: median(s.cpuMs.map((ms, i) => ms - s.floorCpuMs[i])),
  }));
}
