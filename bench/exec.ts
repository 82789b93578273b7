import { SpawnSyncOptions, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..');

/** Everything the bench writes except RESULTS.md: `.tmp/bench`. */
export const WORK = path.join(ROOT, '.tmp', 'bench');

/** Folders under `WORK`. */
export const DIRS = {
  /** Compiled child processes. */
  dist: path.join(WORK, 'dist'),
  /** cdk.out folders of the synth runs. */
  out: path.join(WORK, 'out'),
  /** TMPDIR of every child. */
  tmp: path.join(WORK, 'tmp'),
  /** CPU profiles. */
  profiles: path.join(WORK, 'profiles'),
} as const;

/** What a finished child process printed, and how long it ran. */
export interface ChildRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

/** Runs a command to completion; throws with the last lines of stderr when it fails. */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): ChildRun {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf-8', maxBuffer: 256 * 2 ** 20, ...options });
  const wallMs = performance.now() - started;
  if (result.error !== undefined || result.status !== 0) {
    const stderr = String(result.stderr ?? '').trim().split('\n').slice(-5).join(' | ');
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}): ${result.error?.message ?? stderr}`);
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr), wallMs };
}

/** The environment of a child: TMPDIR under `.tmp/bench`, and aws-cdk-lib's template validation on or off. */
export function childEnv(validation: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: DIRS.tmp };
  if (validation) {
    delete env.CDK_VALIDATION;
  } else {
    env.CDK_VALIDATION = 'false';
  }
  return env;
}

/** Runs `node <args>` and parses the last line of its stdout as JSON. */
export function runNodeJson<T>(args: string[], env: NodeJS.ProcessEnv = childEnv(false)): { readonly value: T; readonly wallMs: number } {
  const { stdout, wallMs } = run(process.execPath, args, { env });
  const lines = stdout.trim().split('\n');
  return { value: JSON.parse(lines[lines.length - 1]) as T, wallMs };
}

/** Data files the library reads beside its modules at run time; a bundled child reads them beside itself. */
const RUNTIME_DATA = [path.join('src', 'core', 'private', 'instance-types.generated.json')];

/**
 * Compiles the child processes (bench/children/*.ts, with the library's source bundled in) into `DIRS.dist`, and
 * copies the data files the library reads at run time next to them.
 */
export function buildChildren(): void {
  for (const file of RUNTIME_DATA) {
    fs.copyFileSync(path.join(ROOT, file), path.join(DIRS.dist, path.basename(file)));
  }
  const entries = ['synth-efa', 'synth-hand-written', 'synth-aws-cdk-l2', 'layouts'].map((name) => path.join('bench', 'children', `${name}.ts`));
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  run(esbuild, [
    ...entries, '--bundle', '--platform=node', '--target=node20', '--format=cjs', '--packages=external',
    `--outdir=${DIRS.dist}`, '--log-level=warning',
  ]);
}

/** Deletes `.tmp/bench` and creates its folders. */
export function resetWorkDir(): void {
  fs.rmSync(WORK, { recursive: true, force: true });
  for (const dir of Object.values(DIRS)) {
    fs.mkdirSync(dir, { recursive: true });
  }
}
