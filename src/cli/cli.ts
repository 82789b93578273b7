import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { AssemblyAcknowledgement, AssemblyMessage, TemplateInput } from './inspect-report';
import type { LayoutFigures, LayoutReport, LayoutReportSummary } from './layout-report';
import { columnWidths, layoutSummaryText, layoutTableLines, plural, textTable } from './layout-table';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaLayout, EfaLayoutOptions, LayoutProfile, PrimaryInterface } from '../core/layout';
import { NetworkInterfaceSpec } from '../core/network-interface';
import { efaError } from '../core/private/errors';

/*
 * The `cdk-efa` command: package.json's `bin` runs lib/cli/cdk-efa.js, this module's `main` bundled into one file with
 * everything it loads from the core and commander (build-tools/bundle-cli.js; loading ~22 files cost half the start-up).
 *
 * Only `inspect` runs the checks' rules on templates, only `report` compares layouts, and only `layout --format
 * karpenter` writes YAML: their modules are loaded on first use, so that `layout` and `instance-types` start with the
 * core alone (the capability table and the layout engine), `report` with the core and its report, and the `yaml`
 * package loads for the karpenter format only. No command loads an aws-cdk-lib construct module.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const karpenterYaml = (): typeof import('./karpenter-yaml') => require('./karpenter-yaml');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const layoutReports = (): typeof import('./layout-report') => require('./layout-report');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const inspectReport = (): typeof import('./inspect-report') => require('./inspect-report');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const templateRules = (): typeof import('../checks/template-rules') => require('../checks/template-rules');

/** Where the CLI writes; tests pass their own. */
export interface CliOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const STDIO: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

interface LayoutCommandOptions {
  readonly efaCount?: number;
  readonly primary?: string;
  readonly profile?: string;
  readonly enaCards?: number[];
  readonly format: string;
  readonly verbose?: boolean;
}

/** The CloudFormation `NetworkInterfaces` entry of one interface: exactly the three layout keys. */
function toCloudFormation(iface: NetworkInterfaceSpec): Record<string, unknown> {
  return { NetworkCardIndex: iface.networkCardIndex, DeviceIndex: iface.deviceIndex, InterfaceType: iface.interfaceType };
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`'${value}' is not a whole number.`);
  }
  return n;
}

function parseCardList(value: string): number[] {
  return value.split(',').map((part) => parseCount(part));
}

function profileFrom(options: LayoutCommandOptions): LayoutProfile | undefined {
  if (options.enaCards !== undefined) {
    if (options.profile !== undefined) {
      throw new Error('--profile and --ena-cards both choose the extra ENA interfaces; give one of them.');
    }
    return LayoutProfile.enaOnCards(options.enaCards);
  }
  if (options.profile === undefined) {
    return undefined;
  }
  return options.profile === 'max-bandwidth' ? LayoutProfile.MAX_BANDWIDTH : LayoutProfile.SINGLE_IP;
}

/** A plain text table with a line break after every line. */
function table(header: string[], rows: string[][], widths: number[] = columnWidths(header, rows)): string {
  return textTable(header, rows, widths).join('\n') + '\n';
}

function summaryLine(layout: EfaLayout): string {
  return `${layout.instanceType}: ${layoutSummaryText(layout.summary)}`;
}

function describeAccelerators(caps: InstanceTypeCapabilities): string {
  return (caps.accelerators ?? []).map((a) => `${a.count}x ${a.name}`).join(', ') || '-';
}

function defaultEfaGbps(caps: InstanceTypeCapabilities): string {
  return String(EfaLayout.recommended(caps).summary.efaBandwidthInGbps);
}

/** Why a file system call failed, in words: the error code's meaning, else the error's own message. */
function fsReason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const reasons: Record<string, string> = {
    ENOENT: 'it does not exist',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder, not a file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
  };
  return (typeof code === 'string' ? reasons[code] : undefined) ?? (e instanceof Error ? e.message : String(e));
}

/** Runs a file system call on `file`; a failure becomes `cdk-efa:unreadable-file`, naming the file. */
function onFile<T>(file: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    throw efaError('unreadable-file', `${file}: cannot read it: ${fsReason(e)}; give a cloud assembly folder (cdk.out) or a template file (*.template.json).`);
  }
}

/** Every `*.template.json` below `target` (asset folders aside), or `target` itself when it is a file. */
function templateFiles(target: string): string[] {
  if (onFile(target, () => fs.statSync(target)).isFile()) {
    return [target];
  }
  return onFile(target, () => fs.readdirSync(target, { withFileTypes: true }))
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(target, entry.name);
      if (entry.isDirectory()) {
        return entry.name.startsWith('asset.') ? [] : templateFiles(full);
      }
      return entry.name.endsWith('.template.json') ? [full] : [];
    });
}

/** A JSON file, parsed; a file that cannot be read or is no JSON is `cdk-efa:unreadable-file`, naming the file. */
function readJson(file: string): unknown {
  const text = onFile(file, () => fs.readFileSync(file, 'utf-8'));
  try {
    return JSON.parse(text);
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).substring(0, 200);
    throw efaError('unreadable-file', `${file}: cannot read it: it is not valid JSON (${reason}); give a cloud assembly folder (cdk.out) or a template file (*.template.json).`);
  }
}

/** A JSON object's entries, or none when the value is no object (a manifest field cdk-efa cannot use is ignored). */
function entriesOf(value: unknown): Array<[string, unknown]> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

/** What the cloud assembly records about the stack of one template. */
interface StackRecord {
  readonly title: string;
  readonly name: string;
  readonly messages: AssemblyMessage[];
  readonly acknowledgements: AssemblyAcknowledgement[];
  readonly paths: Record<string, string>;
}

/** The construct metadata of a stack artifact, by construct path: in manifest.json, or in a file of its own. */
function stackMetadata(dir: string, artifact: unknown): Array<[string, unknown[]]> {
  // Recent aws-cdk-lib versions write a stack's metadata to a file of its own.
  const extraFile = field(artifact, 'additionalMetadataFile');
  const extra = typeof extraFile === 'string' && fs.existsSync(path.join(dir, extraFile)) ? readJson(path.join(dir, extraFile)) : {};
  return [...entriesOf(field(artifact, 'metadata')), ...entriesOf(extra)]
    .map(([constructPath, entries]): [string, unknown[]] => [constructPath, Array.isArray(entries) ? entries : []]);
}

/**
 * The stack a template belongs to, from the cloud assembly's manifest.json beside it: its display name, the errors and
 * warnings recorded for its constructs (with their logical IDs), the `EfaChecks.acknowledge` records (`cdk_efa`), and
 * each resource's construct path. A template outside a cloud assembly has none of them.
 */
function stackOf(file: string): StackRecord {
  const dir = path.dirname(file);
  const manifestFile = path.join(dir, 'manifest.json');
  const artifacts = fs.existsSync(manifestFile) ? entriesOf(field(readJson(manifestFile), 'artifacts')) : [];
  const found = artifacts.find(([, a]) => field(a, 'type') === 'aws:cloudformation:stack'
    && field(field(a, 'properties'), 'templateFile') === path.basename(file));
  if (found === undefined) {
    return { title: path.basename(file), name: path.basename(file), messages: [], acknowledgements: [], paths: {} };
  }
  const [id, artifact] = found;
  const messages: AssemblyMessage[] = [];
  const acknowledgements: AssemblyAcknowledgement[] = [];
  const paths: Record<string, string> = {};
  const { ACKNOWLEDGEMENT_METADATA } = templateRules();
  for (const [constructPath, entries] of stackMetadata(dir, artifact)) {
    const logicalId = entries.map((e) => field(e, 'type') === 'aws:cdk:logicalId' ? field(e, 'data') : undefined)
      .find((data): data is string => typeof data === 'string');
    if (logicalId !== undefined) {
      paths[logicalId] = constructPath;
    }
    for (const entry of entries) {
      const type = field(entry, 'type');
      const data = field(entry, 'data');
      const level = type === 'aws:cdk:error' ? 'error' : (type === 'aws:cdk:warning' ? 'warning' : undefined);
      if (level !== undefined && typeof data === 'string') {
        messages.push({ level, text: data, logicalId });
      }
      if (type === ACKNOWLEDGEMENT_METADATA) {
        const rules = field(data, 'rules_to_acknowledge');
        for (const rule of Array.isArray(rules) ? rules : []) {
          const ruleId = field(rule, 'id');
          const reason = field(rule, 'reason');
          if (typeof ruleId === 'string') {
            acknowledgements.push({ path: constructPath, id: ruleId, reason: typeof reason === 'string' ? reason : undefined });
          }
        }
      }
    }
  }
  const displayName = field(artifact, 'displayName');
  return { title: `${typeof displayName === 'string' ? displayName : id} (${path.basename(file)})`, name: id, messages, acknowledgements, paths };
}

/**
 * Prints every stack's launch templates (compact layout tables unless `verbose`), EKS node groups, EFA Kubernetes
 * plugin, other resources with findings, and findings; returns how many errors were found.
 */
function inspect(target: string, verbose: boolean, io: CliOutput): number {
  const { inspectTemplates, stackInspectionLines } = inspectReport();
  const inputs = templateFiles(target).map((file): TemplateInput => ({ ...stackOf(file), file, template: readJson(file) }));
  const stacks = inspectTemplates(inputs);
  io.out(stacks.map((stack) => stackInspectionLines(stack, verbose).join('\n') + '\n').join('\n'));
  const launchTemplates = stacks.reduce((sum, s) => sum + s.launchTemplates.length, 0);
  const errors = stacks.reduce((sum, s) => sum + s.errors, 0);
  const warnings = stacks.reduce((sum, s) => sum + s.warnings, 0);
  io.out(`${stacks.length > 0 ? '\n' : ''}${plural(stacks.length, 'stack')}, ${plural(launchTemplates, 'launch template')}: `
    + `${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  return errors;
}

interface ReportCommandOptions {
  readonly format: string;
  readonly instanceType?: string[];
}

const REPORT_COLUMNS = ['EFA', 'GBPS', 'IPS', 'VALID'];

function reportCells(figures: LayoutFigures): string[] {
  return [String(figures.efaInterfaces), String(figures.efaBandwidthInGbps), String(figures.ipv4AddressesPerNode), figures.valid ? 'yes' : 'no'];
}

function reportRows(report: LayoutReport): string[][] {
  const { REPORTED_LAYOUTS } = layoutReports();
  return report.rows.map((row) => [row.instanceType, ...REPORTED_LAYOUTS.flatMap(({ layout }) => reportCells(row.layouts[layout]))]);
}

/** The plain text report table: a line of layout titles over each layout's four columns. */
function reportTable(report: LayoutReport): string {
  const header = ['INSTANCE TYPE', ...layoutReports().REPORTED_LAYOUTS.flatMap(() => REPORT_COLUMNS)];
  const rows = reportRows(report);
  const widths = columnWidths(header, rows);
  const span = REPORT_COLUMNS.length;
  const titles = layoutReports().REPORTED_LAYOUTS.map(({ short }, group) => {
    const columns = widths.slice(1 + group * span, 1 + (group + 1) * span);
    const width = columns.reduce((sum, w) => sum + w, 0) + 2 * (span - 1);
    return short.padEnd(width);
  });
  const titleLine = [''.padEnd(widths[0]), ...titles].join('  ').trimEnd();
  return `${titleLine}\n${table(header, rows, widths)}`;
}

function markdownCell(figures: LayoutFigures): string {
  return `${figures.efaInterfaces} / ${figures.efaBandwidthInGbps} / ${figures.ipv4AddressesPerNode} / ${figures.valid ? 'valid' : '**invalid**'}`;
}

function reportMarkdown(report: LayoutReport): string {
  const { REPORTED_LAYOUTS } = layoutReports();
  const header = ['Instance type', ...REPORTED_LAYOUTS.map(({ title }) => `${title}: EFA / Gbps / IPs / valid`)];
  const rows = report.rows.map((row) => [`\`${row.instanceType}\``, ...REPORTED_LAYOUTS.map(({ layout }) => markdownCell(row.layouts[layout]))]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/** The first problem of every invalid layout, one line each. */
function invalidLayoutLines(report: LayoutReport): string[] {
  return report.rows.flatMap((row) => layoutReports().REPORTED_LAYOUTS
    .filter(({ layout }) => !row.layouts[layout].valid)
    .map(({ layout, title }) => `${row.instanceType}, ${title}: ${row.layouts[layout].firstProblem}`));
}

function types(n: number): string {
  return `${n} type${n === 1 ? '' : 's'}`;
}

function count(part: number, whole: number): string {
  return `${part} of ${types(whole)}`;
}

/** The target check of cdk-efa's default, in one sentence. */
function targetLine(summary: LayoutReportSummary): string {
  const n = summary.instanceTypes;
  const fewer = summary.awsRecommendedFewer.length > 0
    ? ` (${summary.awsRecommendedFewer.join(', ')}, the count AWS recommends: documented, not a shortfall)`
    : '';
  const shortfall = summary.efaShortfall.length > 0 ? `; fewer EFA than the type supports on ${summary.efaShortfall.join(', ')}` : '';
  const ips = summary.moreThanOneIp.length > 0 ? `; more than one IPv4 address on ${summary.moreThanOneIp.join(', ')}` : '';
  const invalid = summary.invalid.length > 0 ? `; invalid on ${summary.invalid.join(', ')}` : '';
  return `Target ${summary.targetMet ? 'met' : 'NOT met'}: cdk-efa's default exposes every EFA interface the type supports on `
    + `${count(summary.allEfaExposed, n)}${fewer}, `
    + `uses 1 IPv4 address per node on ${count(n - summary.moreThanOneIp.length, n)} and is valid on ${count(n - summary.invalid.length, n)}`
    + `${shortfall}${ips}${invalid}.`;
}

/** Each layout's totals over the reported types, in one sentence. */
function totalsLine(summary: LayoutReportSummary): string {
  const parts = layoutReports().REPORTED_LAYOUTS.map(({ layout, title }) => {
    const t = summary.totals[layout];
    const invalid = t.invalid.length === 0 ? 'valid on every type' : `invalid on ${t.invalid.length} (${t.invalid.join(', ')})`;
    return `${title}: ${t.efaInterfaces} EFA interfaces, ${t.ipv4AddressesPerNode} IPv4 addresses, ${invalid}`;
  });
  return `Totals over ${types(summary.instanceTypes)}, one node of each: ${parts.join('; ')}.`;
}

function printReport(report: LayoutReport, format: string, io: CliOutput): void {
  if (format === 'json') {
    io.out(JSON.stringify(report, undefined, 2) + '\n');
    return;
  }
  const invalid = invalidLayoutLines(report);
  if (format === 'markdown') {
    const notes = invalid.map((line) => `- ${line}`).join('\n');
    io.out(`${reportMarkdown(report)}\n${invalid.length > 0 ? `Invalid layouts, first problem:\n\n${notes}\n\n` : ''}`
      + `${targetLine(report.summary)}\n\n${totalsLine(report.summary)}\n`);
    return;
  }
  const notes = invalid.map((line) => `  - ${line}`).join('\n');
  io.out(`${reportTable(report)}\n${invalid.length > 0 ? `Invalid layouts, first problem:\n${notes}\n\n` : ''}`
    + `${targetLine(report.summary)}\n${totalsLine(report.summary)}\n`);
}

function buildProgram(io: CliOutput): Command {
  const program = new Command('cdk-efa')
    .description('EFA network-interface layouts for EC2 instance types, as cdk-efa computes them.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  const format = () => new Option('--format <format>', 'output format').choices(['table', 'json']).default('table');

  program.command('layout')
    .description("print AWS's recommended EFA layout of an instance type: a table, CloudFormation NetworkInterfaces entries "
      + '(--format json), or the networkInterfaces list of a Karpenter EC2NodeClass (--format karpenter)')
    .argument('<instance-type>', 'for example p5.48xlarge')
    .option('--efa-count <n>', 'number of EFA interfaces (default: the most the type allows)', parseCount)
    .addOption(new Option('--primary <primary>', 'primary interface: ENA (recommended) or EFA with ENA').choices(['ena', 'efa']))
    .addOption(new Option('--profile <profile>', 'single-ip (AWS use case 1) or max-bandwidth (use case 2)').choices(['single-ip', 'max-bandwidth']))
    .option('--ena-cards <cards>', 'comma-separated network cards that get an extra ENA, for example 4,8', parseCardList)
    .addOption(new Option('--format <format>', 'output format: table, json (CloudFormation NetworkInterfaces entries) '
      + 'or karpenter (networkInterfaces YAML for a Karpenter EC2NodeClass spec, Karpenter v1.11 or later)')
      .choices(['table', 'json', 'karpenter']).default('table'))
    .option('--verbose', 'with --format table: one row per network interface instead of one per run of cards')
    .action((instanceType: string, options: LayoutCommandOptions) => {
      const layoutOptions: EfaLayoutOptions = {
        efaCount: options.efaCount,
        primaryInterface: options.primary === undefined ? undefined : options.primary as PrimaryInterface,
        profile: profileFrom(options),
      };
      if (options.format === 'karpenter') {
        io.out(karpenterYaml().karpenterLayoutYaml(instanceType, layoutOptions));
        return;
      }
      const layout = EfaLayout.forInstanceType(instanceType, layoutOptions);
      if (options.format === 'json') {
        io.out(JSON.stringify(layout.interfaces.map(toCloudFormation), undefined, 2) + '\n');
      } else {
        io.out(`${summaryLine(layout)}\n${layoutTableLines(layout.interfaces, options.verbose).join('\n')}\n`);
      }
    });

  program.command('instance-types')
    .description('list the EFA-capable instance types in the capability table')
    .option('--min-efa <n>', 'only types with at least this many EFA interfaces', parseCount)
    .addOption(format())
    .action((options: { minEfa?: number; format: string }) => {
      const rows = EfaInstanceTypes.all()
        .map((name) => EfaInstanceTypes.lookup(name))
        .filter((caps) => caps.maximumEfaInterfaces >= (options.minEfa ?? 0));
      if (options.format === 'json') {
        io.out(JSON.stringify(rows, undefined, 2) + '\n');
        return;
      }
      io.out(table(
        ['INSTANCE TYPE', 'CARDS', 'MAX EFA', 'EFA GBPS', 'ARCH', 'ACCELERATORS'],
        rows.map((caps) => [
          caps.instanceType + (caps.verified === false ? ' (unverified)' : ''),
          String(caps.networkCards.length),
          String(caps.maximumEfaInterfaces),
          defaultEfaGbps(caps),
          caps.architecture,
          describeAccelerators(caps),
        ]),
      ));
    });

  program.command('report')
    .description("compare cdk-efa's default layout with eksctl's and terraform-aws-eks's: EFA interfaces, EFA Gbps, IPv4 addresses per node, validity")
    .option('--instance-type <type...>', 'only these instance types (default: every type in the capability table)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table'))
    .action((options: ReportCommandOptions) => {
      printReport(layoutReports().layoutReport(options.instanceType), options.format, io);
    });

  program.command('inspect')
    .description('check a cloud assembly (cdk.out) or template with the rules EfaChecks applies: print the EFA layout and findings of every launch template, and summarize each stack (EKS node groups and their subnets, the EFA Kubernetes plugin, cdk-efa findings)')
    .argument('<path>', 'a cdk.out folder or a *.template.json file')
    .option('--verbose', 'one layout table row per network interface instead of one per run of cards')
    .action((target: string, options: { verbose?: boolean }) => {
      const errors = inspect(target, options.verbose ?? false, io);
      if (errors > 0) {
        throw new Error(`inspect found ${plural(errors, 'error')} (see above).`);
      }
    });

  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script names) and returns the exit code.
 *
 * Errors print one line on stderr, never a stack trace.
 */
export function main(argv: string[], io: CliOutput = STDIO): number {
  try {
    buildProgram(io).parse(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has already printed its own one-line message (or the help text).
      return e.exitCode;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.err(`cdk-efa: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}
