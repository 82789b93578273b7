#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InstanceTypeCapabilities } from './capabilities';
import { EfaInstanceTypes } from './instance-types';
import { EfaLayout, LayoutProfile, PrimaryInterface } from './layout';
import { InterfaceType, NetworkInterfaceSpec } from './network-interface';

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

/** A plain text table: left-aligned columns, two spaces apart. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
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
