import * as path from 'path';
import type { LayoutSample } from './children/layouts';
import { DIRS, runNodeJson } from './exec';
import { median } from './stats';

/** Layout timings over several fresh processes. */
export interface LayoutResult {
  readonly samples: LayoutSample[];
  /** Median of the first-pass times. */
  readonly coldMs: number;
  /** The fastest first pass: the one least disturbed by other jobs. */
  readonly coldMinMs: number;
  /** Median of the first passes' CPU times. */
  readonly coldCpuMs: number;
  /** Median of the warm-pass medians. */
  readonly warmMs: number;
}

/** Runs the layout child `repetitions` times, each in a fresh process. */
export function measureLayouts(repetitions: number): LayoutResult {
  const child = path.join(DIRS.dist, 'layouts.js');
  const samples = Array.from({ length: repetitions }, () => runNodeJson<LayoutSample>([child]).value);
  return {
    samples,
    coldMs: median(samples.map((s) => s.coldMs)),
    coldMinMs: Math.min(...samples.map((s) => s.coldMs)),
    coldCpuMs: median(samples.map((s) => s.coldCpuMs)),
    warmMs: median(samples.map((s) => s.warmMs)),
  };
}
