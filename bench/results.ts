import type { CliCost } from './cli-bench';
import type { AppStartCost, ExportGroupCost, FileCost, ImportSamples } from './import-bench';
import type { LayoutResult } from './layout-bench';
import type { PackResult } from './pack-bench';
import type { ProfileSummary } from './profile';
import { fixed, median } from './stats';
import type { Comparison, FairnessCheck, Growth, SynthProfiles, SynthRun } from './synth-bench';

/** Everything one bench run measured. */
export interface BenchResults {
  readonly facts: Record<string, string>;
  readonly runs: SynthRun[];
  readonly fairness: FairnessCheck[];
  readonly comparisons: Comparison[];
  readonly growth: Growth[];
  readonly layouts: LayoutResult;
  readonly cli: CliCost[];
  readonly imports: Record<string, ImportSamples>;
  /** Median of paired differences of the timed require, cdk-efa after the baseline minus the baseline. */
  readonly importOverheadMs: number;
  /** The same for whole-process wall time. */
  readonly importProcessOverheadMs: number;
  readonly exportGroups: ExportGroupCost[];
  readonly appStart: AppStartCost;
  readonly ownFiles: FileCost[];
  readonly libFresh: boolean;
  readonly pack: PackResult;
  readonly profiles: Record<string, ProfileSummary>;
  readonly synthProfiles: SynthProfiles[];
  readonly targets: Target[];
  readonly findings: string;
}

/** One target of an issue and whether this run met it, or (without `met`) a number shown for information. */
export interface Target {
  /** The issue that set the target, for example `#11 §4`. */
  readonly issue: string;
  readonly name: string;
  readonly goal: string;
  readonly measured: string;
  readonly met?: boolean;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function mib(bytes: number): string {
  return `${fixed(bytes / 2 ** 20, 2)} MiB`;
}

function machine(r: BenchResults): string {
  return ['## Machine', '', ...Object.entries(r.facts).map(([k, v]) => `- ${k}: ${v}`)].join('\n');
}

function targets(r: BenchResults): string {
  const goals = r.targets.filter((t) => t.met !== undefined);
  const information = r.targets.filter((t) => t.met === undefined);
  return [
    '## Targets',
    '',
    table(['Issue', 'Target', 'Goal', 'Measured', 'Met'], goals.map((t) => [t.issue, t.name, t.goal, t.measured, t.met ? 'yes' : '**no**'])),
    '',
    'For information (no target):',
    '',
    table(['Issue', 'What', 'Measured'], information.map((t) => [t.issue, t.name, t.measured])),
  ].join('\n');
}

function fairness(r: BenchResults): string {
  const rows = r.fairness.map((f) => [f.family, f.variant, String(f.groups), String(f.stacks), Object.entries(f.resourceTypes).map(([t, n]) => `${t} ×${n}`).join(', '), f.identical ? 'identical' : 'differ']);
  return [
    '### Fairness check',
    '',
    'The hand-written app (bench/apps/hand-written.ts) builds the same resources from L1 constructs. In the target cell, a third app (bench/apps/aws-cdk-l2.ts) builds them from the aws-cdk-lib L2 classes that cdk-efa\'s constructs extend (`ec2.SecurityGroup`, `ec2.LaunchTemplate`, `ec2.PlacementGroup`), with the EFA rules and interfaces written by hand. The bench asserts that each app has the same stacks and resource types and counts as cdk-efa\'s, and that every resource (logical ID and properties) is identical.',
    '',
    table(['Family', 'Compared with cdk-efa', 'N', 'Stacks', 'Resources (each app)', 'Templates'], rows),
  ].join('\n');
}

function comparisonTable(rows: readonly Comparison[]): string {
  return table(
    ['N', 'Reps', 'Construct ms cdk-efa / L1', 'ratio', 'synth() ms cdk-efa / L1', 'ratio', 'Construct + synth ratio', 'CPU ratio: synth() / construct + synth', 'Peak RSS MiB cdk-efa / L1', 'ratio', 'RSS growth ratio'],
    rows.map((c) => [
      String(c.cell.groups), String(c.cell.repetitions),
      `${fixed(c.efa.constructMs, 0)} / ${fixed(c.hand.constructMs, 0)}`, fixed(c.ratio.constructMs, 2),
      `${fixed(c.efa.synthMs, 0)} / ${fixed(c.hand.synthMs, 0)}`, fixed(c.ratio.synthMs, 2),
      `**${fixed(c.ratio.totalMs, 2)}**`, `${fixed(c.ratio.synthCpuMs, 2)} / ${fixed(c.ratio.totalCpuMs, 2)}`,
      `${fixed(c.efa.maxRssMiB, 0)} / ${fixed(c.hand.maxRssMiB, 0)}`, fixed(c.ratio.maxRssMiB, 2), fixed(c.ratio.rssGrowthMiB, 2),
    ]),
  );
}

function floorTable(rows: readonly Comparison[]): string {
  return table(
    ['N', 'Reps', 'Construct + synth ms: L1 / aws-cdk-lib L2 / cdk-efa', 'L2 / L1', 'CPU', 'cdk-efa / L2', 'CPU', 'cdk-efa / L1', 'CPU'],
    rows.flatMap((c) => (c.floor === undefined ? [] : [[
      String(c.cell.groups), String(c.cell.repetitions),
      `${fixed(c.hand.totalMs, 0)} / ${fixed(c.floor.medians.totalMs, 0)} / ${fixed(c.efa.totalMs, 0)}`,
      `**${fixed(c.floor.againstHand.totalMs, 2)}**`, fixed(c.floor.againstHand.totalCpuMs, 2),
      `**${fixed(c.floor.efaAgainstFloor.totalMs, 2)}**`, fixed(c.floor.efaAgainstFloor.totalCpuMs, 2),
      fixed(c.ratio.totalMs, 2), fixed(c.ratio.totalCpuMs, 2),
    ]])),
  );
}

function synthesis(r: BenchResults): string {
  const parts = ['## A. Synthesis cost: cdk-efa against hand-written L1', fairness(r)];
  for (const family of ['launch-template', 'node-group']) {
    for (const validation of [false, true]) {
      const rows = r.comparisons.filter((c) => c.cell.family === family && c.cell.validation === validation);
      if (rows.length > 0) {
        parts.push(`### ${family === 'launch-template' ? 'EfaSecurityGroup + EfaLaunchTemplate (p5.48xlarge)' : 'EfaNodeGroup (p5.48xlarge)'}, template validation ${validation ? 'on' : 'off (CDK_VALIDATION=false)'}`, comparisonTable(rows));
      }
      if (rows.some((c) => c.floor !== undefined)) {
        parts.push('The floor: the same resources built from the aws-cdk-lib L2 classes that cdk-efa\'s constructs extend, run in the same rounds as the other two (the order rotating each round); ratios are medians of the per-round ratios.', floorTable(rows));
      }
    }
  }
  parts.push('Times are wall-clock medians over the repetitions; ratios are medians of the per-repetition ratios of the two variants, which ran back to back. The CPU ratios use the CPU time (user + system, all threads) of the same phases, which other jobs on the machine do not inflate the way they inflate wall time. "RSS growth" is peak RSS minus the RSS before construction (module loading excluded).');
  return parts.join('\n\n');
}

/** The marginal costs with their ranges: `1→10: 18.5; 10→100: 9.5; 100→500: 6.1`. */
export function marginalText(g: Growth): string {
  return g.marginalMsPerGroup.map((m, i) => `${g.groups[i]}→${g.groups[i + 1]}: ${fixed(m, 2)}`).join('; ');
}

function growthSection(r: BenchResults): string {
  const rows = r.growth.map((g) => [
    g.family, g.variant, g.validation ? 'on' : 'off',
    fixed(g.fit.a, 0), fixed(g.fit.b, 2), fixed(g.fit.r2, 4),
    g.groups.map((n, i) => `N=${n}: ${fixed(g.fit.residuals[i], 0)} (${fixed((100 * g.fit.residuals[i]) / g.totalMs[i], 1)}%)`).join('; '),
    marginalText(g),
    g.linear ? 'yes' : '**no**',
  ]);
  return [
    '## Growth with N',
    '',
    'Least-squares fit of construct + synth time (medians) against the number of groups: time = a + b·N. Residuals are measured minus fitted. Marginal cost is the added milliseconds per added group between consecutive N (1→10, 10→100, 100→500). "Linear" means the last marginal cost (100→500, or 10→100 where N stops at 100) is at most 1.25× the one before: no superlinear growth. The first groups cost more than later ones (JIT warm-up, lazily loaded aws-cdk-lib modules), which makes the growth slightly concave and pulls R² below 1.',
    '',
    table(['Family', 'Variant', 'Validation', 'a (ms)', 'b (ms/group)', 'R²', 'Residuals ms (% of measured)', 'Marginal ms/group', 'Linear'], rows),
  ].join('\n');
}

function layoutSection(r: BenchResults): string {
  const s = r.layouts.samples[0];
  const rejected = Object.entries(s.rejected).map(([id, n]) => `${n} × ${id}`).join(', ');
  return [
    '## Layout computation',
    '',
    `Every type in the table (${s.instanceTypes}), each with the default options, every efaCount from 1 to the default's count, PrimaryInterface.EFA and LayoutProfile.MAX_BANDWIDTH: ${s.attempts} attempts per pass, ${s.layouts} valid layouts, ${rejected} rejected by design (an error, as documented: MAX_BANDWIDTH is documented only for p5, p5e, p6-b200 and p6-b300; an efa primary is impossible where card 0 is ENA-only). Each attempt computes the layout (which validates it) and runs \`EfaLayout.validate\` on its interfaces again.`,
    '',
    table(['Process', 'First pass (cold) ms', 'First pass CPU ms', 'Warm pass ms (median of 20)', 'Slowest single attempt (cold)'],
      r.layouts.samples.map((x, i) => [
        String(i + 1), fixed(x.coldMs, 1), fixed(x.coldCpuMs, 1), fixed(x.warmMs, 1), `${x.slowest.instanceType} ${x.slowest.options}: ${fixed(x.slowest.ms, 2)} ms`,
      ])),
    '',
    `Over ${r.layouts.samples.length} fresh processes: **${fixed(r.layouts.coldMs, 1)} ms cold** (median wall time; fastest ${fixed(r.layouts.coldMinMs, 1)} ms), `
      + `**${fixed(r.layouts.coldCpuMs, 1)} ms of CPU** (median), ${fixed(r.layouts.warmMs, 1)} ms warm; module loading excluded. A single attempt over 1 ms is a pause (garbage collection, or the process losing its core to another job), not the layout.`,
  ].join('\n');
}

function cliSection(r: BenchResults): string {
  return [
    '## CLI start-up',
    '',
    'Each command ran as `node lib/cli/cdk-efa.js <command>` (package.json\'s `bin`: the CLI bundled into one file by build-tools/bundle-cli.js) next to `node -e 0` (the floor: Node.js start-up alone), back to back in alternating order; the overhead is the median of the paired differences of whole-process wall time (spawn to exit), which is what the target measures. Both ran with a preload script that reports, at exit, the process\'s CPU time (user + system, all threads, from process start) and the modules in `require.cache`; CPU time is not inflated by other jobs the way wall time is.',
    '',
    table(['Command', 'Pairs', 'Command ms (median)', '`node -e 0` ms (median)', 'Wall overhead ms (median of paired differences)', 'CPU overhead ms (median of paired differences)', 'Modules loaded', 'of them aws-cdk-lib'],
      r.cli.map((c) => [
        `\`cdk-efa ${c.command}\``, String(c.processMs.length), fixed(median(c.processMs), 1), fixed(median(c.floorMs), 1), `**${fixed(c.overheadMs, 1)}**`, fixed(c.overheadCpuMs, 1),
        String(c.modules), String(c.awsCdkLibModules),
      ])),
  ].join('\n');
}

function appStartSection(r: BenchResults): string {
  const a = r.appStart;
  const labels = Object.keys(a.constructs);
  const [efa, l2] = labels;
  const difference = median(a.constructs[efa].map((ms, i) => ms - a.constructs[l2][i]));
  const processDifference = median(a.processMs[efa].map((ms, i) => ms - a.processMs[l2][i]));
  return [
    '### A realistic app: what the first constructs cost (for information)',
    '',
    'Each fresh process loads aws-cdk-lib and aws-ec2 and builds `App`, `Stack` and a default `ec2.Vpc` (phase 1), then (phase 2) either loads cdk-efa and builds an `EfaSecurityGroup` and an `EfaLaunchTemplate` for p5.48xlarge, or builds aws-cdk-lib\'s own `ec2.SecurityGroup` and `ec2.LaunchTemplate` with the same instance type. No synthesis. The two do not do the same work, and the row is not a target: it shows what an app pays once it uses cdk-efa\'s constructs. Both variants load aws-ec2\'s SecurityGroup and LaunchTemplate modules in phase 2; cdk-efa\'s also loads its own ec2 and core modules, the capability table and aws-ec2\'s placement-group and volume modules, computes and validates the 33-interface layout, and creates three more resources (the two EFA self rules and the placement group).',
    '',
    table(['Variant', 'Reps', 'Phase 1: aws-cdk-lib + App + Stack + Vpc ms', 'Phase 2: security group + launch template ms', 'Whole process ms'],
      labels.map((l) => [
        l, String(a.constructs[l].length), fixed(median(a.vpc[l]), 1), fixed(median(a.constructs[l]), 1), fixed(median(a.processMs[l]), 1),
      ])),
    '',
    `Phase 2, cdk-efa minus the L2s: **${fixed(difference, 1)} ms** (median of paired differences); whole process: ${fixed(processDifference, 1)} ms.`,
  ].join('\n');
}

function importSection(r: BenchResults): string {
  const rows = Object.entries(r.imports)
    .map(([name, s]) => [name, String(s.requireMs.length), fixed(median(s.requireMs), 1), fixed(median(s.processMs), 1)]);
  const own = r.ownFiles.slice(0, 8).map((f) => [f.file, fixed(f.selfMs, 2), String(f.bytes)]);
  const groups = r.exportGroups.map((g) => [
    g.group, g.exports.join(', '), fixed(g.readMs, 1), fixed(g.dependencyMs, 1), fixed(g.readMs - g.dependencyMs, 1),
    String(g.ownFiles), String(g.dependencyFiles), g.dependencyModules.join(', ') || '-',
  ]);
  return [
    '## Import cost',
    '',
    r.libFresh ? 'lib/ was compiled after the last change to src/.' : '**lib/ is older than src/: these numbers describe the last compiled code; run `npx projen compile` first.**',
    '',
    table(['Target (fresh node process each)', 'Reps', 'Timed code ms (median)', 'Whole process ms (median)'], rows),
    '',
    `\`require('cdk-efa')\` costs **${fixed(r.importOverheadMs, 1)} ms** over the baseline \`require('aws-cdk-lib'); require('aws-cdk-lib/aws-ec2')\` (median of paired differences of the timed code; whole process: ${fixed(r.importProcessOverheadMs, 1)} ms). lib/index.js is lazy (build-tools/lazy-index.js): it defines one getter per export and loads no module until an export is read.`,
    '',
    '### What reading each group of exports costs the first time (median ms)',
    '',
    "Each row is its own fresh process: the baseline, `require('cdk-efa')`, then the timed first read of the group's exports. Interleaved with it, a process that requires, after the baseline, only the dependency files (aws-cdk-lib, constructs) that the read loaded; the difference is cdk-efa's own code. The groups are src/'s folders.",
    '',
    table(['Group', 'Exports', 'First read ms', 'of it: dependencies ms', 'cdk-efa\'s own ms', 'cdk-efa files', 'Dependency files', 'Dependency modules'], groups),
    '',
    "### cdk-efa's own files by self time when every export is read (compile, run and resolution of their requires; median ms)",
    '',
    table(['File', 'Self ms', 'Bytes'], own),
  ].join('\n');
}

function packSection(r: BenchResults): string {
  const p = r.pack;
  return [
    '## Package size',
    '',
    `\`npm pack\` of a clean checkout after a build (tracked files, bench/, lib/, assets/, .jsii and the bundled dependencies, staged in .tmp/bench/pack): **${mib(p.sizeBytes)} packed**, ${mib(p.unpackedBytes)} unpacked, ${p.entryCount} files.`,
    '',
    table(['Entry', 'Files', 'Unpacked'], p.byEntry.slice(0, 14).map((e) => [e.entry, String(e.files), mib(e.bytes)])),
  ].join('\n');
}

function profileTables(name: string, p: ProfileSummary): string[] {
  return [
    `### ${name} (${fixed(p.totalMs, 0)} ms sampled)`,
    table(['Function', 'Self ms'], p.byFunction.map((f) => [`\`${f.name}\``, fixed(f.ms, 1)])),
    table(['File', 'Self ms'], p.byFile.map((f) => [`\`${f.name}\``, fixed(f.ms, 1)])),
  ];
}

function synthProfileTables(s: SynthProfiles): string[] {
  const cell = `${s.family === 'launch-template' ? 'launch templates' : 'node groups'}, N=${s.groups}, validation off, mean of ${s.runs} runs`;
  return [
    `### What the cdk-efa synth child spends beyond the hand-written one (${cell}; ${fixed(s.efa.totalMs - s.hand.totalMs, 0)} ms in total)`,
    table(['Function', 'Extra self ms'], s.extra.map((f) => [`\`${f.name}\``, fixed(f.ms, 1)])),
    ...profileTables(`synth child, cdk-efa, ${cell}`, s.efa),
    ...profileTables(`synth child, hand-written L1, ${cell}`, s.hand),
  ];
}

function profileSection(r: BenchResults): string {
  const imports = Object.entries(r.profiles).flatMap(([name, p]) => profileTables(name, p));
  return ['## CPU profiles', 'Self time from `node --cpu-prof` (100 µs sampling), top functions and files.', ...r.synthProfiles.flatMap(synthProfileTables), ...imports]
    .join('\n\n');
}

function raw(r: BenchResults): string {
  const runs = r.runs.map((x) => [x.family, x.variant, String(x.groups), x.validation ? 'on' : 'off', String(x.repetition), fixed(x.startupMs, 0), fixed(x.constructMs, 1), fixed(x.synthMs, 1), fixed(x.processMs, 0), fixed(x.rssBeforeMiB, 1), fixed(x.maxRssMiB, 1)]);
  const imports = Object.entries(r.imports).map(([name, s]) => `- ${name}: timed ms ${s.requireMs.map((v) => fixed(v, 1)).join(', ')}`);
  const cli = r.cli.map((c) => `- \`cdk-efa ${c.command}\` / \`node -e 0\`, process ms: ${c.processMs.map((v, i) => `${fixed(v, 0)}/${fixed(c.floorMs[i], 0)}`).join(', ')}`);
  return [
    '## Raw numbers',
    '',
    '### Synth runs (one child process each, in run order)',
    '',
    table(['Family', 'Variant', 'N', 'Validation', 'Rep', 'Start-up ms', 'Construct ms', 'synth() ms', 'Process ms', 'RSS before MiB', 'Peak RSS MiB'], runs),
    '',
    '### Import samples',
    '',
    ...imports,
    '',
    '### CLI samples (command / floor, per pair)',
    '',
    ...cli,
  ].join('\n');
}

/** RESULTS.md. */
export function renderResults(r: BenchResults): string {
  return [
    '# cdk-efa benchmarks',
    `Generated by \`bench/run.ts\` (\`npx projen bench\`) on ${r.facts.Date}; do not edit by hand. Absolute times on this machine are noisy; compare the ratios, which were measured side by side.`,
    machine(r), targets(r), synthesis(r), growthSection(r), layoutSection(r), cliSection(r), importSection(r), appStartSection(r), packSection(r),
    '## Findings and proposed fixes', r.findings, profileSection(r), raw(r),
  ].join('\n\n') + '\n';
}
