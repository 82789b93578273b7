#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AssemblyMessage, CloudFormationTemplate, inspectTemplate, stackInspectionLines } from './inspect-report';
import { LayoutFigures, LayoutReport, LayoutReportSummary, REPORTED_LAYOUTS, layoutReport } from './layout-report';
import { columnWidths, layoutSummaryText, layoutTableLines, plural, textTable } from './layout-table';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaLayout, LayoutProfile, PrimaryInterface } from '../core/layout';
import { NetworkInterfaceSpec } from '../core/network-interface';

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

/** Every `*.template.json` below `target` (asset folders aside), or `target` itself when it is a file. */
function templateFiles(target: string): string[] {
  if (!fs.existsSync(target)) {
    throw new Error(`${target} does not exist; give a cloud assembly folder (cdk.out) or a template file.`);
  }
  if (fs.statSync(target).isFile()) {
    return [target];
  }
  return fs.readdirSync(target, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(target, entry.name);
      if (entry.isDirectory()) {
        return entry.name.startsWith('asset.') ? [] : templateFiles(full);
      }
      return entry.name.endsWith('.template.json') ? [full] : [];
    });
}

interface ManifestEntry {
  readonly type?: string;
  readonly data?: unknown;
}

interface StackArtifact {
  readonly type?: string;
  readonly displayName?: string;
  readonly properties?: { readonly templateFile?: string };
  readonly metadata?: Record<string, ManifestEntry[]>;
  readonly additionalMetadataFile?: string;
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf-8'));
}

/**
 * The stack a template belongs to, from the cloud assembly's manifest.json beside it: its display name and the errors
 * and warnings recorded for its constructs. A template outside a cloud assembly has neither.
 */
function stackOf(file: string): { readonly title: string; readonly messages: AssemblyMessage[] } {
  const dir = path.dirname(file);
  const manifestFile = path.join(dir, 'manifest.json');
  const artifacts: Record<string, StackArtifact> = fs.existsSync(manifestFile) ? readJson(manifestFile).artifacts ?? {} : {};
  const found = Object.entries(artifacts)
    .find(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile === path.basename(file));
  if (found === undefined) {
    return { title: path.basename(file), messages: [] };
  }
  const [id, artifact] = found;
  // Recent aws-cdk-lib versions write a stack's metadata to a file of its own.
  const metadataFile = artifact.additionalMetadataFile === undefined ? undefined : path.join(dir, artifact.additionalMetadataFile);
  const extra: Record<string, ManifestEntry[]> = metadataFile !== undefined && fs.existsSync(metadataFile) ? readJson(metadataFile) : {};
  const messages = [...Object.values(artifact.metadata ?? {}), ...Object.values(extra)].flat()
    .flatMap((entry): AssemblyMessage[] => {
      const level = entry.type === 'aws:cdk:error' ? 'error' : (entry.type === 'aws:cdk:warning' ? 'warning' : undefined);
      return level !== undefined && typeof entry.data === 'string' ? [{ level, text: entry.data }] : [];
    });
  return { title: `${artifact.displayName ?? id} (${path.basename(file)})`, messages };
}

/**
 * Prints every stack's launch templates (compact layout tables unless `verbose`), EKS node groups, EFA Kubernetes
 * plugin and findings; returns how many launch templates have an invalid layout.
 */
function inspect(target: string, verbose: boolean, io: CliOutput): number {
  const stacks = templateFiles(target).map((file) => {
    const { title, messages } = stackOf(file);
    return inspectTemplate(title, readJson(file) as CloudFormationTemplate, messages);
  });
  io.out(stacks.map((stack) => stackInspectionLines(stack, verbose).join('\n') + '\n').join('\n'));
  const launchTemplates = stacks.flatMap((s) => s.launchTemplates);
  const invalid = launchTemplates.filter((lt) => lt.problems.length > 0).length;
  io.out(`${stacks.length > 0 ? '\n' : ''}${plural(stacks.length, 'stack')}, ${plural(launchTemplates.length, 'launch template')}, `
    + `${invalid} with an invalid EFA layout\n`);
  return invalid;
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
  return report.rows.map((row) => [row.instanceType, ...REPORTED_LAYOUTS.flatMap(({ layout }) => reportCells(row.layouts[layout]))]);
}

/** The plain text report table: a line of layout titles over each layout's four columns. */
function reportTable(report: LayoutReport): string {
  const header = ['INSTANCE TYPE', ...REPORTED_LAYOUTS.flatMap(() => REPORT_COLUMNS)];
  const rows = reportRows(report);
  const widths = columnWidths(header, rows);
  const span = REPORT_COLUMNS.length;
  const titles = REPORTED_LAYOUTS.map(({ short }, group) => {
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
  const header = ['Instance type', ...REPORTED_LAYOUTS.map(({ title }) => `${title}: EFA / Gbps / IPs / valid`)];
  const rows = report.rows.map((row) => [`\`${row.instanceType}\``, ...REPORTED_LAYOUTS.map(({ layout }) => markdownCell(row.layouts[layout]))]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/** The first problem of every invalid layout, one line each. */
function invalidLayoutLines(report: LayoutReport): string[] {
  return report.rows.flatMap((row) => REPORTED_LAYOUTS
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
  const parts = REPORTED_LAYOUTS.map(({ layout, title }) => {
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
    .description("print AWS's recommended EFA layout of an instance type, as CloudFormation NetworkInterfaces entries")
    .argument('<instance-type>', 'for example p5.48xlarge')
    .option('--efa-count <n>', 'number of EFA interfaces (default: the most the type allows)', parseCount)
    .addOption(new Option('--primary <primary>', 'primary interface: ENA (recommended) or EFA with ENA').choices(['ena', 'efa']))
    .addOption(new Option('--profile <profile>', 'single-ip (AWS use case 1) or max-bandwidth (use case 2)').choices(['single-ip', 'max-bandwidth']))
    .option('--ena-cards <cards>', 'comma-separated network cards that get an extra ENA, for example 4,8', parseCardList)
    .addOption(format())
    .option('--verbose', 'with --format table: one row per network interface instead of one per run of cards')
    .action((instanceType: string, options: LayoutCommandOptions) => {
      const layout = EfaLayout.forInstanceType(instanceType, {
        efaCount: options.efaCount,
        primaryInterface: options.primary === undefined ? undefined : options.primary as PrimaryInterface,
        profile: profileFrom(options),
      });
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
      printReport(layoutReport(options.instanceType), options.format, io);
    });

  program.command('inspect')
    .description('print and check the EFA layout of every launch template in a cloud assembly (cdk.out) or template, and summarize each stack: EKS node groups and their subnets, the EFA Kubernetes plugin, cdk-efa findings')
    .argument('<path>', 'a cdk.out folder or a *.template.json file')
    .option('--verbose', 'one layout table row per network interface instead of one per run of cards')
    .action((target: string, options: { verbose?: boolean }) => {
      if (inspect(target, options.verbose ?? false, io) > 0) {
        throw new Error('some launch templates have an invalid EFA layout (see above).');
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

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
