#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InstanceTypeCapabilities } from './capabilities';
import { EfaInstanceTypes } from './instance-types';
import { EfaLayout, LayoutProfile, PrimaryInterface } from './layout';
import { InterfaceType, NetworkInterfaceSpec } from './network-interface';
import { LayoutFigures, LayoutReport, LayoutReportSummary, REPORTED_LAYOUTS, layoutReport } from './private/layout-report';

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

/** The width of each column: its longest cell. */
function columnWidths(header: string[], rows: string[][]): number[] {
  return header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
}

/** A plain text table: left-aligned columns, two spaces apart. */
function table(header: string[], rows: string[][], widths: number[] = columnWidths(header, rows)): string {
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function summaryLine(layout: EfaLayout): string {
  const s = layout.summary;
  return `${layout.instanceType}: ${s.networkInterfaceCount} network interfaces, ${s.efaCount} EFA, ${s.enaCount} ENA, `
    + `${s.ipv4AddressesPerNode} IPv4 address(es) per node, ${s.efaBandwidthInGbps} Gbps EFA bandwidth`;
}

function layoutTable(interfaces: NetworkInterfaceSpec[]): string {
  return table(['CARD', 'DEVICE', 'TYPE'], interfaces.map((i) => [String(i.networkCardIndex), String(i.deviceIndex), i.interfaceType]));
}

function describeAccelerators(caps: InstanceTypeCapabilities): string {
  return (caps.accelerators ?? []).map((a) => `${a.count}x ${a.name}`).join(', ') || '-';
}

function defaultEfaGbps(caps: InstanceTypeCapabilities): string {
  return String(EfaLayout.recommended(caps).summary.efaBandwidthInGbps);
}

/** Every `*.template.json` below `target`, or `target` itself when it is a file. */
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
        return templateFiles(full);
      }
      return entry.name.endsWith('.template.json') ? [full] : [];
    });
}

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: {
    readonly LaunchTemplateData?: {
      readonly InstanceType?: unknown;
      readonly NetworkInterfaces?: Array<Record<string, unknown>>;
    };
  };
}

const INTERFACE_TYPES: string[] = Object.values(InterfaceType);

function specFromTemplate(entry: Record<string, unknown>): NetworkInterfaceSpec {
  const type = entry.InterfaceType ?? InterfaceType.INTERFACE;
  return {
    networkCardIndex: typeof entry.NetworkCardIndex === 'number' ? entry.NetworkCardIndex : 0,
    deviceIndex: typeof entry.DeviceIndex === 'number' ? entry.DeviceIndex : 0,
    interfaceType: (INTERFACE_TYPES.includes(String(type)) ? type : InterfaceType.INTERFACE) as InterfaceType,
  };
}

/** Prints the layout of every launch template in the templates; returns how many layouts break a rule. */
function inspect(target: string, io: CliOutput): number {
  let invalid = 0;
  let found = 0;
  for (const file of templateFiles(target)) {
    const template = JSON.parse(fs.readFileSync(file, 'utf-8')) as { Resources?: Record<string, TemplateResource> };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::EC2::LaunchTemplate') {
        continue;
      }
      found++;
      const data = resource.Properties?.LaunchTemplateData ?? {};
      const instanceType = typeof data.InstanceType === 'string' ? data.InstanceType : undefined;
      const interfaces = (data.NetworkInterfaces ?? []).map(specFromTemplate);
      io.out(`${path.basename(file)} ${logicalId} (${instanceType ?? 'instance type not set'})\n`);
      const caps = instanceType === undefined ? undefined : EfaInstanceTypes.tryLookup(instanceType);
      if (caps === undefined) {
        io.out(layoutTable(interfaces));
      } else {
        const problems = EfaLayout.validate(caps, interfaces);
        if (problems.length === 0) {
          const layout = EfaLayout.fromInterfaces(caps, interfaces);
          io.out(`${summaryLine(layout)}\n${layoutTable(layout.interfaces)}`);
        } else {
          invalid++;
          io.out(`${layoutTable(interfaces)}INVALID:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
        }
      }
      io.out('\n');
    }
  }
  io.out(`${found} launch template(s), ${invalid} with an invalid EFA layout\n`);
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
    .action((instanceType: string, options: LayoutCommandOptions) => {
      const layout = EfaLayout.forInstanceType(instanceType, {
        efaCount: options.efaCount,
        primaryInterface: options.primary === undefined ? undefined : options.primary as PrimaryInterface,
        profile: profileFrom(options),
      });
      if (options.format === 'json') {
        io.out(JSON.stringify(layout.interfaces.map(toCloudFormation), undefined, 2) + '\n');
      } else {
        io.out(`${summaryLine(layout)}\n${layoutTable(layout.interfaces)}`);
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
    .description('print and check the EFA layout of every launch template in a cloud assembly (cdk.out) or template')
    .argument('<path>', 'a cdk.out folder or a *.template.json file')
    .action((target: string) => {
      if (inspect(target, io) > 0) {
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
