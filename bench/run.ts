// The benchmark of issue 6 ("Benchmarks: synth cost against hand-written CloudFormation, …") with the start-up targets
// of issue 11 §4 (CLI, import, synthesis ratio with validation off). Run with `ts-node --project tsconfig.dev.json bench/run.ts`; writes bench/RESULTS.md.
// --quick: a one-minute smoke run into .tmp/bench/RESULTS.quick.md. --render: re-render RESULTS.md from the last
// run's .tmp/bench/results.json, after editing bench/FINDINGS.md.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { CLI, CLI_TARGET, measureCli } from './cli-bench';
import { DIRS, ROOT, WORK, buildChildren, resetWorkDir, run } from './exec';
import { APP_VARIANTS, BASELINE, IMPORT_TARGETS, READ_EVERY_EXPORT, libIsFresh, measureAppStart, measureExportGroups, measureImports, medianOverhead, ownFileCosts, profileNode } from './import-bench';
import { measureLayouts } from './layout-bench';
import { measurePack } from './pack-bench';
import { ProfileSummary } from './profile';
import { BenchResults, Target, marginalText, renderResults } from './results';
import { fixed, median } from './stats';
import { Cell, Comparison, Family, Growth, compare, growth, profileSynth, runMatrix } from './synth-bench';

interface Plan {
  readonly cells: Cell[];
  readonly importRepetitions: number;
  readonly layoutRepetitions: number;
  /** Fresh processes per export group (and per set of its dependency files), and for the per-file costs. */
  readonly breakdownRepetitions: number;
  /** Pairs of (CLI command, `node -e 0`) per command. */
  readonly cliRepetitions: number;
  /** Fresh processes per variant of the realistic app. */
  readonly appRepetitions: number;
  /** Profiled child processes per variant for the synth profile. */
  readonly profileRuns: number;
}

function cells(family: Family, groups: number[], validation: boolean, repetitions: number): Cell[] {
  return groups.map((n) => ({ family, groups: n, validation, repetitions }));
}

/** The target cell (launch templates, N = 100, validation off), with the aws-cdk-lib L2 app as a third variant. */
function targetCell(repetitions: number): Cell {
  return { family: 'launch-template', groups: SYNTH_TARGET_GROUPS, validation: false, repetitions, floor: true };
}

/** The N of the synthesis target. */
const SYNTH_TARGET_GROUPS = 100;

/**
 * The full plan takes 15–20 minutes on 2 cores shared with other jobs. Template validation costs seconds per app, so
 * the validated N = 500 cell gets 3 repetitions and the validated node-group app stops at N = 100; N = 500 without
 * validation gets 3 as well. The target cell (launch templates, N = 100, validation off) gets 25, since its per-pair
 * ratios spread from 0.93 to 1.55 under load (11 pairs gave medians of 1.09 and 1.16 in two runs of the same code),
 * and runs the aws-cdk-lib L2 app beside the two others, so that each run shows the floor of an L2 subclass.
 */
const FULL: Plan = {
  cells: [
    ...cells('launch-template', [1, 10], false, 5),
    targetCell(25),
    ...cells('launch-template', [500], false, 3),
    ...cells('node-group', [1, 10, 100], false, 5),
    ...cells('node-group', [500], false, 3),
    ...cells('launch-template', [1, 10, 100], true, 5),
    ...cells('launch-template', [500], true, 3),
    ...cells('node-group', [1, 10, 100], true, 3),
  ],
  importRepetitions: 30,
  layoutRepetitions: 9,
  breakdownRepetitions: 15,
  cliRepetitions: 30,
  appRepetitions: 15,
  profileRuns: 3,
};

/** A smoke run of a minute, to check the bench itself. */
const QUICK: Plan = {
  cells: [
    ...cells('launch-template', [1, 10], false, 1),
    targetCell(1),
    ...cells('node-group', [1, 10], false, 1),
    ...cells('launch-template', [1], true, 1),
  ],
  importRepetitions: 3,
  layoutRepetitions: 1,
  breakdownRepetitions: 1,
  cliRepetitions: 3,
  appRepetitions: 2,
  profileRuns: 1,
};

/** The 1-minute load average, sampled at every progress line. */
const loadSamples: number[] = [];

function log(line: string): void {
  loadSamples.push(os.loadavg()[0]);
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

const ISSUE_11 = '#11 §4';
const ISSUE_6 = '#6';

function synthTargets(comparisons: Comparison[], growths: Growth[]): Target[] {
  const at = comparisons.filter((c) => c.cell.family === 'launch-template' && c.cell.groups === SYNTH_TARGET_GROUPS);
  const out: Target[] = at.flatMap((c): Target[] => {
    const validation = c.cell.validation ? 'validation on' : 'validation off';
    const total = `${fixed(c.ratio.totalMs, 2)} (CPU ${fixed(c.ratio.totalCpuMs, 2)})`;
    const synthOnly: Target = {
      issue: ISSUE_11, name: `synth() ratio alone, N=100, ${validation}`, goal: 'information', measured: `${fixed(c.ratio.synthMs, 2)} (CPU ${fixed(c.ratio.synthCpuMs, 2)})`,
    };
    if (c.cell.validation) {
      return [{ issue: ISSUE_11, name: `construct + synth ratio against hand-written L1, N=100, ${validation}`, goal: 'information', measured: total }, synthOnly];
    }
    const floor = c.floor === undefined ? [] : [
      {
        issue: ISSUE_11,
        name: `floor: the same resources from aws-cdk-lib's L2 classes, against hand-written L1, N=100, ${validation}`,
        goal: 'information',
        measured: `${fixed(c.floor.againstHand.totalMs, 2)} (CPU ${fixed(c.floor.againstHand.totalCpuMs, 2)})`,
      },
      {
        issue: ISSUE_11,
        name: `cdk-efa against that L2 app, N=100, ${validation}`,
        goal: 'information',
        measured: `${fixed(c.floor.efaAgainstFloor.totalMs, 2)} (CPU ${fixed(c.floor.efaAgainstFloor.totalCpuMs, 2)})`,
      },
    ];
    return [
      { issue: ISSUE_11, name: `construct + synth ratio against hand-written L1, N=100, ${validation}`, goal: '≤ 1.10', measured: total, met: c.ratio.totalMs <= 1.1 },
      synthOnly,
      ...floor,
    ];
  });
  for (const g of growths.filter((x) => x.variant === 'efa')) {
    out.push({
      issue: ISSUE_6,
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
  readonly importProcessOverheadMs: number;
  readonly exportGroups: BenchResults['exportGroups'];
  readonly appStart: BenchResults['appStart'];
  readonly ownFiles: BenchResults['ownFiles'];
}

function measureImportCost(plan: Plan): ImportCost {
  const libFresh = libIsFresh();
  const imports = measureImports(plan.importRepetitions);
  const { baseline, cdkEfa } = IMPORT_TARGETS;
  return {
    libFresh,
    imports,
    importOverheadMs: medianOverhead(imports, cdkEfa.label, baseline.label, 'requireMs'),
    importProcessOverheadMs: medianOverhead(imports, cdkEfa.label, baseline.label, 'processMs'),
    exportGroups: measureExportGroups(plan.breakdownRepetitions),
    appStart: measureAppStart(plan.appRepetitions),
    ownFiles: ownFileCosts(plan.breakdownRepetitions),
  };
}

function importTargets(cli: BenchResults['cli'], importCost: ImportCost): Target[] {
  const target = cli.find((c) => c.command === CLI_TARGET);
  const app = importCost.appStart.constructs;
  const appDifference = median(app[APP_VARIANTS.cdkEfa.label].map((ms, i) => ms - app[APP_VARIANTS.l2.label][i]));
  return [
    {
      issue: ISSUE_11,
      name: `CLI: \`cdk-efa ${CLI_TARGET}\`, whole process, over \`node -e 0\``,
      goal: '≤ 40 ms',
      measured: target === undefined ? '-' : `${fixed(target.overheadMs, 1)} ms (CPU ${fixed(target.overheadCpuMs, 1)} ms; ${target.awsCdkLibModules} aws-cdk-lib modules loaded)`,
      met: target !== undefined && target.overheadMs <= 40,
    },
    {
      issue: ISSUE_11,
      name: "import: `require('cdk-efa')` over `require('aws-cdk-lib'); require('aws-cdk-lib/aws-ec2')`",
      goal: '≤ 15 ms',
      measured: `${fixed(importCost.importOverheadMs, 1)} ms (whole process: ${fixed(importCost.importProcessOverheadMs, 1)} ms)`,
      met: importCost.importOverheadMs <= 15,
    },
    {
      issue: ISSUE_11,
      name: 'realistic app: after App + Stack + ec2.Vpc, load and construct EfaSecurityGroup + EfaLaunchTemplate, over ec2.SecurityGroup + ec2.LaunchTemplate',
      goal: 'information',
      measured: `+${fixed(appDifference, 1)} ms (${fixed(median(app[APP_VARIANTS.cdkEfa.label]), 1)} against ${fixed(median(app[APP_VARIANTS.l2.label]), 1)} ms)`,
    },
  ];
}

function otherProfiles(): Record<string, ProfileSummary> {
  return {
    'layout child (the cold pass and 20 warm passes)': profileNode('layouts', [path.join(DIRS.dist, 'layouts.js')]),
    [`cdk-efa ${CLI_TARGET} (the CLI target's process)`]: profileNode('cli-layout', [CLI, ...CLI_TARGET.split(' ')]),
    "baseline, then require('cdk-efa') and read every export": profileNode('import-cdk-efa-every-export', ['-e', READ_EVERY_EXPORT]),
    "baseline: require('aws-cdk-lib'); require('aws-cdk-lib/aws-ec2')": profileNode('import-baseline', ['-e', BASELINE]),
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

  log('Synthesis: cdk-efa against hand-written L1 (and, in the target cell, the aws-cdk-lib L2 app), interleaved');
  const { runs, fairness } = runMatrix(plan.cells, log);
  const comparisons = compare(plan.cells, runs);
  const growths = growth(comparisons);
  log('Layouts');
  const layouts = measureLayouts(plan.layoutRepetitions);
  log('CLI start-up');
  const cli = measureCli(plan.cliRepetitions);
  log('Import cost');
  const importCost = measureImportCost(plan);
  log('Package size');
  const pack = measurePack();
  log('CPU profiles');
  const profiles = otherProfiles();
  const synthProfiles = (['launch-template', 'node-group'] as Family[]).map((family) => profileSynth(family, SYNTH_TARGET_GROUPS, plan.profileRuns));

  const targets: Target[] = [
    ...importTargets(cli, importCost),
    ...synthTargets(comparisons, growths),
    {
      issue: ISSUE_6,
      name: 'all layouts (cold, fresh process)',
      goal: '< 50 ms of CPU (wall time, which other jobs inflate, shown too)',
      measured: `${fixed(layouts.coldMs, 1)} ms wall (median; fastest ${fixed(layouts.coldMinMs, 1)}), ${fixed(layouts.coldCpuMs, 1)} ms CPU`,
      met: layouts.coldCpuMs < 50,
    },
  ];
  facts['Load average at end (1, 5, 15 min)'] = loadAverage();
  facts['1-min load average during the run (sampled at each progress line: min, median, max)'] = [Math.min(...loadSamples), median(loadSamples), Math.max(...loadSamples)]
    .map((l) => fixed(l, 2)).join(', ');
  facts['Bench duration'] = `${fixed((performance.now() - started) / 60000, 1)} min${quick ? ' (--quick: a smoke run, not results)' : ''}`;
  const findings = readFindings();
  const results: BenchResults = {
    ...importCost, cli, facts, runs, fairness, comparisons, growth: growths, layouts, pack, profiles, synthProfiles, targets, findings,
  };
  fs.writeFileSync(path.join(WORK, 'results.json'), JSON.stringify(results, undefined, 2));
  const output = quick ? path.join(WORK, 'RESULTS.quick.md') : path.join(__dirname, 'RESULTS.md');
  fs.writeFileSync(output, renderResults(results));
  targets.forEach((t) => log(`${t.met === undefined ? 'info  ' : t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (goal ${t.goal})`));
  log(`Wrote ${path.relative(ROOT, output)} in ${facts['Bench duration']}`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
