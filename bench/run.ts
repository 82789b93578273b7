// The benchmark of issue "Benchmarks: synth cost against hand-written CloudFormation, and the bandwidth and IPs each
// layout delivers". Run with `ts-node --project tsconfig.dev.json bench/run.ts`; writes bench/RESULTS.md.
// --quick: a one-minute smoke run into .tmp/bench/RESULTS.quick.md. --render: re-render RESULTS.md from the last
// run's .tmp/bench/results.json, after editing bench/FINDINGS.md.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { DIRS, ROOT, WORK, buildChildren, resetWorkDir, run } from './exec';
import { IMPORT_TARGETS, LIB_INDEX, libIsFresh, measureImports, medianOverhead, ownFileCosts, profileNode, requireBreakdown } from './import-bench';
import { measureLayouts } from './layout-bench';
import { measurePack } from './pack-bench';
import { ProfileSummary } from './profile';
import { BenchResults, Target, marginalText, renderResults } from './results';
import { fixed } from './stats';
import { Cell, Comparison, Family, Growth, compare, growth, profileSynth, runMatrix } from './synth-bench';

interface Plan {
  readonly cells: Cell[];
  readonly importRepetitions: number;
  readonly layoutRepetitions: number;
  readonly breakdownRepetitions: number;
  /** Profiled child processes per variant for the synth profile. */
  readonly profileRuns: number;
}

function cells(family: Family, groups: number[], validation: boolean, repetitions: number): Cell[] {
  return groups.map((n) => ({ family, groups: n, validation, repetitions }));
}

/**
 * The full plan takes 10–15 minutes on 2 cores (longer when other jobs share them). Template validation costs seconds
 * per app, so the validated N = 500 cell gets 3 repetitions and the validated node-group app stops at N = 100; N = 500
 * without validation gets 3 as well.
 */
const FULL: Plan = {
  cells: [
    ...cells('launch-template', [1, 10, 100], false, 5),
    ...cells('launch-template', [500], false, 3),
    ...cells('node-group', [1, 10, 100], false, 5),
    ...cells('node-group', [500], false, 3),
    ...cells('launch-template', [1, 10, 100], true, 5),
    ...cells('launch-template', [500], true, 3),
    ...cells('node-group', [1, 10, 100], true, 3),
  ],
  importRepetitions: 30,
  layoutRepetitions: 9,
  breakdownRepetitions: 10,
  profileRuns: 3,
};

/** A smoke run of a minute, to check the bench itself. */
const QUICK: Plan = {
  cells: [
    ...cells('launch-template', [1, 10, 100], false, 1),
    ...cells('node-group', [1, 10], false, 1),
    ...cells('launch-template', [1], true, 1),
  ],
  importRepetitions: 3,
  layoutRepetitions: 1,
  breakdownRepetitions: 1,
  profileRuns: 1,
};

const SYNTH_TARGET_GROUPS = 100;

function log(line: string): void {
  process.stdout.write(line + '\n');
}

function machineFacts(startedAt: Date): Record<string, string> {
  const version = (pkg: string) => (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf-8')) as { version: string }).version;
  return {
    'Date': startedAt.toISOString(),
    'nproc': run('nproc', []).stdout.trim(),
    'CPU': os.cpus()[0]?.model ?? 'unknown',
    'Memory': `${fixed(os.totalmem() / 2 ** 30, 1)} GiB`,
    'Node.js': process.version,
    'OS': `${os.type()} ${os.release()} ${os.arch()}`,
    'aws-cdk-lib': version('aws-cdk-lib'),
    'constructs': version('constructs'),
    'Commit': run('git', ['rev-parse', '--short', 'HEAD']).stdout.trim() + ' (plus uncommitted changes, if any)',
    'Load average at start (1, 5, 15 min)': loadAverage(),
  };
}

function synthTargets(comparisons: Comparison[], growths: Growth[]): Target[] {
  const at = comparisons.filter((c) => c.cell.family === 'launch-template' && c.cell.groups === SYNTH_TARGET_GROUPS);
  const out: Target[] = at.flatMap((c) => {
    const validation = c.cell.validation ? 'validation on' : 'validation off';
    return [
      { name: `synth() ratio, N=100, ${validation}`, goal: '≤ 1.10', measured: `${fixed(c.ratio.synthMs, 2)} (CPU ${fixed(c.ratio.synthCpuMs, 2)})`, met: c.ratio.synthMs <= 1.1 },
      {
        name: `construct + synth ratio, N=100, ${validation}`,
        goal: '≤ 1.10',
        measured: `${fixed(c.ratio.totalMs, 2)} (CPU ${fixed(c.ratio.totalCpuMs, 2)})`,
        met: c.ratio.totalMs <= 1.1,
      },
    ];
  });
  for (const g of growths.filter((x) => x.variant === 'efa')) {
    out.push({
      name: `linear growth, ${g.family}, validation ${g.validation ? 'on' : 'off'}`,
      goal: 'last marginal cost per group ≤ 1.25 × the one before',
      measured: `R² ${fixed(g.fit.r2, 4)}; ms per added group ${marginalText(g)}`,
      met: g.linear,
    });
  }
  return out;
}

interface ImportCost {
  readonly libFresh: boolean;
  readonly imports: BenchResults['imports'];
  readonly importOverheadMs: number;
  readonly importOwnMs: number;
  readonly breakdown: BenchResults['breakdown'];
  readonly ownFiles: BenchResults['ownFiles'];
}

function measureImportCost(plan: Plan): ImportCost {
  const libFresh = libIsFresh();
  const imports = measureImports(plan.importRepetitions);
  const [cdkOnly, cdkLoaded, efa] = Object.keys(IMPORT_TARGETS);
  return {
    libFresh,
    imports,
    importOverheadMs: medianOverhead(imports, efa, cdkOnly, 'requireMs'),
    importOwnMs: medianOverhead(imports, efa, cdkLoaded, 'requireMs'),
    breakdown: requireBreakdown(plan.breakdownRepetitions),
    ownFiles: ownFileCosts(plan.breakdownRepetitions),
  };
}

function otherProfiles(): Record<string, ProfileSummary> {
  return {
    'layout child (the cold pass and 20 warm passes)': profileNode('layouts', [path.join(DIRS.dist, 'layouts.js')]),
    "require('cdk-efa')": profileNode('import-cdk-efa', ['-e', `require(${JSON.stringify(LIB_INDEX)});`]),
    "require('aws-cdk-lib')": profileNode('import-aws-cdk-lib', ['-e', "require('aws-cdk-lib');"]),
  };
}

function readFindings(): string {
  const file = path.join(__dirname, 'FINDINGS.md');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf-8').trim() : '(bench/FINDINGS.md is missing.)';
}

function loadAverage(): string {
  return os.loadavg().map((l) => fixed(l, 2)).join(', ');
}

/** Re-renders RESULTS.md from the last run's results.json, with the current bench/FINDINGS.md. */
function renderAgain(): void {
  const file = path.join(WORK, 'results.json');
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(ROOT, file)} does not exist; run the bench (without --render) first.`);
  }
  const results = { ...(JSON.parse(fs.readFileSync(file, 'utf-8')) as BenchResults), findings: readFindings() };
  fs.writeFileSync(path.join(__dirname, 'RESULTS.md'), renderResults(results));
  log('Rendered bench/RESULTS.md again from .tmp/bench/results.json');
}

function main(): void {
  if (process.argv.includes('--render')) {
    renderAgain();
    return;
  }
  const quick = process.argv.includes('--quick');
  const plan = quick ? QUICK : FULL;
  const started = performance.now();
  resetWorkDir();
  const facts = machineFacts(new Date());
  log(`Building the child processes into ${path.relative(ROOT, DIRS.dist)}`);
  buildChildren();

  log('Synthesis: cdk-efa against hand-written L1, interleaved');
  const { runs, fairness } = runMatrix(plan.cells, log);
  const comparisons = compare(plan.cells, runs);
  const growths = growth(comparisons);
  log('Layouts');
  const layouts = measureLayouts(plan.layoutRepetitions);
  log('Import cost');
  const importCost = measureImportCost(plan);
  log('Package size');
  const pack = measurePack();
  log('CPU profiles');
  const profiles = otherProfiles();
  const synthProfiles = (['launch-template', 'node-group'] as Family[]).map((family) => profileSynth(family, SYNTH_TARGET_GROUPS, plan.profileRuns));

  const targets: Target[] = [
    ...synthTargets(comparisons, growths),
    {
      name: 'all layouts (cold, fresh process)',
      goal: '< 50 ms of CPU (wall time, which other jobs inflate, shown too)',
      measured: `${fixed(layouts.coldMs, 1)} ms wall (median; fastest ${fixed(layouts.coldMinMs, 1)}), ${fixed(layouts.coldCpuMs, 1)} ms CPU`,
      met: layouts.coldCpuMs < 50,
    },
    {
      name: "import overhead of require('cdk-efa') over require('aws-cdk-lib')",
      goal: '< 30 ms',
      measured: `${fixed(importCost.importOverheadMs, 1)} ms`,
      met: importCost.importOverheadMs < 30,
    },
  ];
  facts['Load average at end (1, 5, 15 min)'] = loadAverage();
  facts['Bench duration'] = `${fixed((performance.now() - started) / 60000, 1)} min${quick ? ' (--quick: a smoke run, not results)' : ''}`;
  const results: BenchResults = {
    ...importCost, facts, runs, fairness, comparisons, growth: growths, layouts, pack, profiles, synthProfiles, targets, findings: readFindings(),
  };
  fs.writeFileSync(path.join(WORK, 'results.json'), JSON.stringify(results, undefined, 2));
  const output = quick ? path.join(WORK, 'RESULTS.quick.md') : path.join(__dirname, 'RESULTS.md');
  fs.writeFileSync(output, renderResults(results));
  targets.forEach((t) => log(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (goal ${t.goal})`));
  log(`Wrote ${path.relative(ROOT, output)} in ${facts['Bench duration']}`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
