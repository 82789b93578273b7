// Child process: computes and validates the layout of every type in the table with every option set, cold (first
// pass, in a fresh process) and warm; prints one JSON line.
import { performance } from 'perf_hooks';
import { cpuMs } from './cpu';
import { EfaInstanceTypes, EfaLayout, EfaLayoutOptions, InstanceTypeCapabilities, LayoutProfile, PrimaryInterface } from '../../src';

const WARM_PASSES = 20;

/** What the layout child measured. */
export interface LayoutSample {
  readonly instanceTypes: number;
  /** Layouts attempted in one pass. */
  readonly attempts: number;
  /** Attempts that produced a valid layout. */
  readonly layouts: number;
  /** Attempts the library rejected by design, by error ID (for example an `efa` primary where card 0 is ENA-only). */
  readonly rejected: Record<string, number>;
  /** Milliseconds of the first pass, in a fresh process (module loading excluded). */
  readonly coldMs: number;
  /** CPU milliseconds (user + system) of the first pass. */
  readonly coldCpuMs: number;
  /** Median milliseconds of a later pass. */
  readonly warmMs: number;
  /** The slowest single attempt of the first pass. */
  readonly slowest: { readonly instanceType: string; readonly options: string; readonly ms: number };
}

interface Attempt {
  readonly label: string;
  readonly options: EfaLayoutOptions;
}

/** Default, every efaCount from 1 to the default's count, an `efa` primary, and MAX_BANDWIDTH. */
function attemptsFor(caps: InstanceTypeCapabilities): Attempt[] {
  const attempts: Attempt[] = [{ label: 'default', options: {} }];
  const maxEfa = EfaLayout.recommended(caps).summary.efaCount;
  for (let efaCount = 1; efaCount <= maxEfa; efaCount++) {
    attempts.push({ label: `efaCount ${efaCount}`, options: { efaCount } });
  }
  attempts.push({ label: 'primary efa', options: { primaryInterface: PrimaryInterface.EFA } });
  attempts.push({ label: 'max-bandwidth', options: { profile: LayoutProfile.MAX_BANDWIDTH } });
  return attempts;
}

/** Computes (and so validates) the layout, then validates its interfaces again; returns the error ID if rejected. */
function attempt(caps: InstanceTypeCapabilities, options: EfaLayoutOptions): string | undefined {
  try {
    const layout = EfaLayout.recommended(caps, options);
    if (EfaLayout.validate(caps, layout.interfaces).length > 0) {
      throw new Error('a computed layout failed validation [cdk-efa:bench-invalid-layout]');
    }
    return undefined;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return /\[cdk-efa:([a-z0-9-]+)\]/.exec(message)?.[1] ?? 'unexpected-error';
  }
}

interface PassResult {
  readonly ms: number;
  readonly attempts: number;
  readonly rejected: Record<string, number>;
  readonly slowest: LayoutSample['slowest'];
}

function pass(): PassResult {
  const started = performance.now();
  const rejected: Record<string, number> = {};
  let attempts = 0;
  let slowest = { instanceType: '', options: '', ms: -1 };
  for (const instanceType of EfaInstanceTypes.all()) {
    const caps = EfaInstanceTypes.lookup(instanceType);
    for (const { label, options } of attemptsFor(caps)) {
      const t = performance.now();
      const error = attempt(caps, options);
      const ms = performance.now() - t;
      attempts++;
      if (error !== undefined) {
        rejected[error] = (rejected[error] ?? 0) + 1;
      }
      if (ms > slowest.ms) {
        slowest = { instanceType, options: label, ms };
      }
    }
  }
  return { ms: performance.now() - started, attempts, rejected, slowest };
}

function main(): void {
  const cpuBefore = process.cpuUsage();
  const cold = pass();
  const coldCpuMs = cpuMs(cpuBefore, process.cpuUsage());
  const warm = Array.from({ length: WARM_PASSES }, () => pass().ms).sort((a, b) => a - b);
  const rejectedCount = Object.values(cold.rejected).reduce((s, n) => s + n, 0);
  if (cold.rejected['unexpected-error'] !== undefined || cold.rejected['bench-invalid-layout'] !== undefined) {
    throw new Error(`layout bench: ${JSON.stringify(cold.rejected)}; some layouts failed for a reason other than a documented rule.`);
  }
  const sample: LayoutSample = {
    instanceTypes: EfaInstanceTypes.all().length,
    attempts: cold.attempts,
    layouts: cold.attempts - rejectedCount,
    rejected: cold.rejected,
    coldMs: cold.ms,
    coldCpuMs,
    warmMs: warm[Math.floor(warm.length / 2)],
    slowest: cold.slowest,
  };
  process.stdout.write(JSON.stringify(sample) + '\n');
}

main();
