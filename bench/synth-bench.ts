import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import type { SynthSample } from './children/synth-runner';
import { DIRS, ROOT, childEnv, run, runNodeJson } from './exec';
import { ProfileSummary, SelfTime, diffSelfTimes, mergeSelfTimes, profilesIn, readSelfTimes, summarize } from './profile';
import { LinearFit, fitLine, median } from './stats';

/** The two kinds of app: p5 launch-template groups, and EKS node groups. */
export type Family = 'launch-template' | 'node-group';

/**
 * cdk-efa; the same resources written as L1 constructs; or (launch templates only) built from the aws-cdk-lib L2
 * classes that cdk-efa's constructs extend, with the EFA parts written by hand.
 */
export type Variant = 'efa' | 'hand-written' | 'aws-cdk-l2';

/** The variants every cell runs. */
export const VARIANTS: readonly Variant[] = ['efa', 'hand-written'];

/** The variant that a cell with `floor` runs as well: what aws-cdk-lib's L2 base classes cost without cdk-efa. */
export const FLOOR: Variant = 'aws-cdk-l2';

/** One (family, group count, validation) cell of the matrix and how often to repeat it. */
export interface Cell {
  readonly family: Family;
  readonly groups: number;
  readonly validation: boolean;
  readonly repetitions: number;
  /** Whether the cell also runs the aws-cdk-lib L2 app (`FLOOR`; launch-template family only). */
  readonly floor?: boolean;
}

function variantsOf(cell: Cell): Variant[] {
  return cell.floor === true ? [...VARIANTS, FLOOR] : [...VARIANTS];
}

/** One child process's measurement. */
export interface SynthRun extends SynthSample {
  readonly family: Family;
  readonly variant: Variant;
  readonly groups: number;
  readonly validation: boolean;
  readonly repetition: number;
  /** Wall time of the whole child process, from spawn to exit, in milliseconds. */
  readonly processMs: number;
}

/** The result of comparing cdk-efa's templates with another variant's. */
export interface FairnessCheck {
  readonly family: Family;
  /** The variant compared with cdk-efa. */
  readonly variant: Variant;
  readonly groups: number;
  readonly stacks: number;
  /** Resource type → count, the same in both apps. */
  readonly resourceTypes: Record<string, number>;
  /** Whether every resource is identical, logical IDs and properties included. */
  readonly identical: boolean;
}

function outdirOf(family: Family, variant: Variant, groups: number, validation: boolean, repetition: number): string {
  return path.join(DIRS.out, `${family}-${variant}-${groups}-${validation ? 'validated' : 'unvalidated'}-r${repetition}`);
}

function runOnce(cell: Cell, variant: Variant, repetition: number): SynthRun {
  const outdir = outdirOf(cell.family, variant, cell.groups, cell.validation, repetition);
  const child = path.join(DIRS.dist, `synth-${variant}.js`);
  const { value, wallMs } = runNodeJson<SynthSample>([child, cell.family, String(cell.groups), outdir], childEnv(cell.validation));
  return { ...value, family: cell.family, variant, groups: cell.groups, validation: cell.validation, repetition, processMs: wallMs };
}

type Resources = Record<string, { readonly Type: string }>;

function templates(outdir: string): Map<string, Resources> {
  const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).sort();
  return new Map(files.map((f) => [f, (JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf-8')) as { Resources: Resources }).Resources]));
}

function typeCounts(all: Map<string, Resources>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resources of all.values()) {
    for (const { Type } of Object.values(resources)) {
      counts[Type] = (counts[Type] ?? 0) + 1;
    }
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function firstDifference(efa: Map<string, Resources>, hand: Map<string, Resources>): string | undefined {
  for (const [file, resources] of efa) {
    const other = hand.get(file) ?? {};
    const ids = new Set([...Object.keys(resources), ...Object.keys(other)]);
    for (const id of ids) {
      if (!isDeepStrictEqual(resources[id], other[id])) {
        return `${file} ${id}`;
      }
    }
  }
  return undefined;
}

/**
 * Asserts that the app of `variant` has the same resources as cdk-efa's: the same stacks, resource types and counts,
 * and identical resources, logical IDs and properties included (the bench fails otherwise).
 */
export function checkFairness(family: Family, groups: number, repetition: number, variant: Variant): FairnessCheck {
  const efa = templates(outdirOf(family, 'efa', groups, false, repetition));
  const other = templates(outdirOf(family, variant, groups, false, repetition));
  const resourceTypes = typeCounts(efa);
  const source = `bench/apps/${variant}.ts`;
  if (!isDeepStrictEqual([...efa.keys()], [...other.keys()]) || !isDeepStrictEqual(resourceTypes, typeCounts(other))) {
    throw new Error(`the ${variant} ${family} app (N=${groups}) has other stacks or resource types than cdk-efa's: ${JSON.stringify(typeCounts(other))} against ${JSON.stringify(resourceTypes)}; fix ${source} so the comparison is fair.`);
  }
  const difference = firstDifference(efa, other);
  if (difference !== undefined) {
    throw new Error(`the ${variant} ${family} app (N=${groups}) differs from cdk-efa's at ${difference}; make ${source} produce identical resources.`);
  }
  return { family, variant, groups, stacks: efa.size, resourceTypes, identical: true };
}

function removeOutdirs(cell: Cell, repetition: number): void {
  for (const variant of variantsOf(cell)) {
    fs.rmSync(outdirOf(cell.family, variant, cell.groups, cell.validation, repetition), { recursive: true, force: true });
  }
}

/**
 * Runs every cell, interleaved: repetition by repetition, each cell's variants back to back, their order rotated by
 * one each repetition (so that each variant runs first equally often). The first unvalidated repetition of each cell
 * is also checked for fairness.
 */
export function runMatrix(cells: readonly Cell[], log: (line: string) => void): { runs: SynthRun[]; fairness: FairnessCheck[] } {
  const runs: SynthRun[] = [];
  const fairness: FairnessCheck[] = [];
  const rounds = Math.max(...cells.map((c) => c.repetitions));
  for (let repetition = 0; repetition < rounds; repetition++) {
    for (const cell of cells.filter((c) => repetition < c.repetitions)) {
      const variants = variantsOf(cell);
      const order = variants.map((_, k) => variants[(k + repetition) % variants.length]);
      const group = order.map((variant) => runOnce(cell, variant, repetition));
      runs.push(...group);
      if (repetition === 0 && !cell.validation) {
        fairness.push(...variants.filter((v) => v !== 'efa').map((v) => checkFairness(cell.family, cell.groups, repetition, v)));
      }
      removeOutdirs(cell, repetition);
      log(`  r${repetition} ${cell.family} N=${cell.groups} validation=${cell.validation ? 'on' : 'off'}: `
        + group.map((r) => `${r.variant} ${(r.constructMs + r.synthMs).toFixed(0)} ms`).join(', '));
    }
  }
  return { runs, fairness };
}

/** Medians of one (family, variant, N, validation) over its repetitions. */
export interface Medians {
  readonly constructMs: number;
  readonly synthMs: number;
  readonly totalMs: number;
  /** CPU milliseconds of construct + synth. */
  readonly totalCpuMs: number;
  readonly maxRssMiB: number;
  /** Peak RSS minus the RSS before construction. */
  readonly rssGrowthMiB: number;
  readonly processMs: number;
}

/** cdk-efa against hand-written for one cell: medians of each, and medians of the per-repetition ratios. */
export interface Comparison {
  readonly cell: Cell;
  readonly efa: Medians;
  readonly hand: Medians;
  readonly ratio: Ratios;
  /** For a cell with `floor`: the aws-cdk-lib L2 app, against hand-written and against cdk-efa. */
  readonly floor?: Floor;
}

/** The aws-cdk-lib L2 app of one cell. */
export interface Floor {
  readonly medians: Medians;
  /** The L2 app divided by hand-written L1: what aws-cdk-lib's L2 classes cost. */
  readonly againstHand: Ratios;
  /** cdk-efa divided by the L2 app: what cdk-efa costs on top of the classes it extends. */
  readonly efaAgainstFloor: Ratios;
}

/** cdk-efa divided by hand-written, per measure. */
export interface Ratios {
  readonly constructMs: number;
  readonly synthMs: number;
  readonly totalMs: number;
  readonly synthCpuMs: number;
  readonly totalCpuMs: number;
  readonly maxRssMiB: number;
  readonly rssGrowthMiB: number;
}

function total(sample: SynthRun): number {
  return sample.constructMs + sample.synthMs;
}

function totalCpu(sample: SynthRun): number {
  return sample.constructCpuMs + sample.synthCpuMs;
}

function mediansOf(runs: readonly SynthRun[]): Medians {
  return {
    constructMs: median(runs.map((r) => r.constructMs)),
    synthMs: median(runs.map((r) => r.synthMs)),
    totalMs: median(runs.map(total)),
    totalCpuMs: median(runs.map(totalCpu)),
    maxRssMiB: median(runs.map((r) => r.maxRssMiB)),
    rssGrowthMiB: median(runs.map((r) => r.maxRssMiB - r.rssBeforeMiB)),
    processMs: median(runs.map((r) => r.processMs)),
  };
}

function pairedRatio(efa: readonly SynthRun[], hand: readonly SynthRun[], value: (r: SynthRun) => number): number {
  return median(efa.map((sample, i) => value(sample) / value(hand[i])));
}

/** Medians of the per-repetition ratios of `a` to `b`, per measure. */
function ratios(a: readonly SynthRun[], b: readonly SynthRun[]): Ratios {
  return {
    constructMs: pairedRatio(a, b, (r) => r.constructMs),
    synthMs: pairedRatio(a, b, (r) => r.synthMs),
    totalMs: pairedRatio(a, b, total),
    synthCpuMs: pairedRatio(a, b, (r) => r.synthCpuMs),
    totalCpuMs: pairedRatio(a, b, totalCpu),
    maxRssMiB: pairedRatio(a, b, (r) => r.maxRssMiB),
    rssGrowthMiB: pairedRatio(a, b, (r) => r.maxRssMiB - r.rssBeforeMiB),
  };
}

/** Compares the variants of every cell. */
export function compare(cells: readonly Cell[], runs: readonly SynthRun[]): Comparison[] {
  return cells.map((cell) => {
    const of = (variant: Variant) => runs
      .filter((r) => r.family === cell.family && r.groups === cell.groups && r.validation === cell.validation && r.variant === variant)
      .sort((a, b) => a.repetition - b.repetition);
    const efa = of('efa');
    const hand = of('hand-written');
    const l2 = of(FLOOR);
    const floor: Floor | undefined = cell.floor === true
      ? { medians: mediansOf(l2), againstHand: ratios(l2, hand), efaAgainstFloor: ratios(efa, l2) }
      : undefined;
    return { cell, efa: mediansOf(efa), hand: mediansOf(hand), ratio: ratios(efa, hand), floor };
  });
}

/** How one variant's cost grows with N: a straight-line fit and the marginal cost per group between counts. */
export interface Growth {
  readonly family: Family;
  readonly variant: Variant;
  readonly validation: boolean;
  readonly groups: number[];
  readonly totalMs: number[];
  readonly fit: LinearFit;
  /** Milliseconds per added group between consecutive counts (10 vs 1, 100 vs 10, 500 vs 100). */
  readonly marginalMsPerGroup: number[];
  /**
   * Whether growth is linear in N: the marginal cost per group from 100 to 500 is at most 1.25 × the one from 10 to
   * 100. (Cheaper later groups are fine: the first groups also pay for JIT warm-up and lazily loaded modules.)
   */
  readonly linear: boolean;
}

/** Fits total time against N for every (family, variant, validation) with at least three counts. */
export function growth(comparisons: readonly Comparison[]): Growth[] {
  const out: Growth[] = [];
  for (const family of ['launch-template', 'node-group'] as Family[]) {
    for (const validation of [false, true]) {
      const rows = comparisons.filter((c) => c.cell.family === family && c.cell.validation === validation)
        .sort((a, b) => a.cell.groups - b.cell.groups);
      if (rows.length < 3) {
        continue;
      }
      for (const variant of VARIANTS) {
        const groups = rows.map((r) => r.cell.groups);
        const totalMs = rows.map((r) => (variant === 'efa' ? r.efa : r.hand).totalMs);
        const fit = fitLine(groups, totalMs);
        const marginal = groups.slice(1).map((n, i) => (totalMs[i + 1] - totalMs[i]) / (n - groups[i]));
        const [before, last] = marginal.slice(-2);
        out.push({ family, variant, validation, groups, totalMs, fit, marginalMsPerGroup: marginal, linear: last <= before * 1.25 });
      }
    }
  }
  return out;
}

/** Summed CPU profiles of both variants for one cell, and what cdk-efa spends beyond the hand-written app. */
export interface SynthProfiles {
  readonly family: Family;
  readonly groups: number;
  readonly runs: number;
  readonly efa: ProfileSummary;
  readonly hand: ProfileSummary;
  /** Functions with the most self time in cdk-efa's app beyond the hand-written one, per run. */
  readonly extra: SelfTime[];
}

/** Profiles `runs` child processes of each variant (validation off), interleaved. */
export function profileSynth(family: Family, groups: number, runs: number): SynthProfiles {
  const dirs = Object.fromEntries(VARIANTS.map((v) => [v, path.join(DIRS.profiles, `synth-${family}-${v}-${groups}`)])) as Record<Variant, string>;
  Object.values(dirs).forEach((dir) => fs.mkdirSync(dir, { recursive: true }));
  for (let i = 0; i < runs; i++) {
    for (const variant of i % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
      const outdir = path.join(DIRS.out, `profile-${family}-${variant}-${i}`);
      const child = path.join(DIRS.dist, `synth-${variant}.js`);
      run(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dirs[variant]}`, '--cpu-prof-interval=100', child, family, String(groups), outdir], { env: childEnv(false) });
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }
  const times = (variant: Variant) => mergeSelfTimes(profilesIn(dirs[variant]).map((f) => readSelfTimes(f, ROOT)));
  const efa = times('efa');
  const hand = times('hand-written');
  return { family, groups, runs, efa: summarize(efa, 12, runs), hand: summarize(hand, 12, runs), extra: diffSelfTimes(efa, hand, 15, runs) };
}
