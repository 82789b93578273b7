import { LayoutSummaryFigures, layoutSummaryText, layoutTableLines, plural } from './layout-table';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { InterfaceType, NetworkInterfaceSpec } from '../core/network-interface';
import { Problem, describeProblem } from '../core/private/errors';
import { isEfa, layoutProblems, summarize } from '../core/private/layout-rules';

/**
 * What `cdk-efa inspect` finds in one synthesized CloudFormation template, and how it prints it. Pure: the CLI reads
 * the files and the cloud assembly's annotations and hands them in.
 */

/** A CloudFormation template, as far as inspect reads it. */
export interface CloudFormationTemplate {
  readonly Resources?: Record<string, CloudFormationResource>;
}

export interface CloudFormationResource {
  readonly Type?: string;
  readonly Properties?: Record<string, any>;
}

/** An error or warning the cloud assembly records for a construct of the stack (`aws:cdk:error`, `aws:cdk:warning`). */
export interface AssemblyMessage {
  readonly level: 'error' | 'warning';
  readonly text: string;
}

/** One launch template. */
export interface InspectedLaunchTemplate {
  readonly logicalId: string;
  /** The template's `InstanceType`, or else the literal instance types of the EKS node groups launching from it. */
  readonly instanceTypes: string[];
  readonly interfaces: NetworkInterfaceSpec[];
  /** Whether a card index, device index or interface type is an intrinsic function: then the layout is not checked. */
  readonly unresolved: boolean;
  readonly figures: LayoutSummaryFigures;
  /** Whether the layout was checked: its values are literals and cdk-efa knows an instance type it runs on. */
  readonly checked: boolean;
  /** The layout rules broken, for every instance type cdk-efa knows. */
  readonly problems: Problem[];
}

/** One `AWS::EKS::Nodegroup`. */
export interface InspectedNodegroup {
  readonly logicalId: string;
  readonly instanceTypes: string[];
  readonly capacityType?: string;
  readonly launchTemplate?: string;
  /** Where the nodes launch, from the `Subnets` value as the template states it. */
  readonly subnets: string;
}

/** One EFA Helm chart: the device plugin or the DRA driver. */
export interface InspectedChart {
  readonly logicalId: string;
  readonly chart: string;
  readonly version?: string;
}

/** How often one finding ID occurs; `inspect` for layout problems inspect found itself, else the annotation's level. */
export interface FindingCount {
  readonly id: string;
  readonly source: 'inspect' | 'error' | 'warning';
  readonly count: number;
}

/** Everything inspect reports about one stack's template. */
export interface StackInspection {
  /** The stack's display name, or the template file name. */
  readonly title: string;
  readonly launchTemplates: InspectedLaunchTemplate[];
  readonly nodegroups: InspectedNodegroup[];
  readonly charts: InspectedChart[];
  readonly findings: FindingCount[];
}

/** The resource type of the node groups' offering check (`EfaNodeGroup`). */
export const OFFERING_CHECK_TYPE = 'Custom::CdkEfaOfferingCheck';

/** The resource type of Helm charts from aws-eks and aws-eks-v2 (`HelmChart.RESOURCE_TYPE`). */
export const HELM_CHART_TYPE = 'Custom::AWSCDK-EKS-HelmChart';

/**
 * The EFA plugins' chart names, as `EfaKubernetesPlugin.DEVICE_PLUGIN.chart` and `DRA_DRIVER.chart` spell them
 * (a test keeps them equal; importing efa-node-group here would load aws-eks into every CLI run).
 */
export const EFA_CHARTS = ['aws-efa-k8s-device-plugin', 'aws-dranet'];

type Resources = Record<string, CloudFormationResource>;

/** The logical ID a `{ Ref }` or `{ Fn::GetAtt }` points at. */
function refTarget(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    return v.Ref;
  }
  const getAtt = v['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

function literals(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

const INTERFACE_TYPES: string[] = Object.values(InterfaceType);

/** An interface from its template entry; `undefined` when an index or the type is not a literal. */
function interfaceOf(entry: Record<string, unknown>): NetworkInterfaceSpec | undefined {
  const index = (value: unknown) => (value === undefined ? 0 : value);
  const card = index(entry.NetworkCardIndex);
  const device = index(entry.DeviceIndex);
  const type = entry.InterfaceType ?? InterfaceType.INTERFACE;
  if (typeof card !== 'number' || typeof device !== 'number' || typeof type !== 'string' || !INTERFACE_TYPES.includes(type)) {
    return undefined;
  }
  return { networkCardIndex: card, deviceIndex: device, interfaceType: type as InterfaceType };
}

function countedFigures(interfaces: NetworkInterfaceSpec[]): LayoutSummaryFigures {
  const ena = interfaces.filter((i) => i.interfaceType !== InterfaceType.EFA_ONLY).length;
  return {
    networkInterfaceCount: interfaces.length,
    efaCount: interfaces.filter((i) => isEfa(i.interfaceType)).length,
    enaCount: ena,
    ipv4AddressesPerNode: ena,
  };
}

function inspectLaunchTemplate(logicalId: string, resource: CloudFormationResource, nodegroups: InspectedNodegroup[]): InspectedLaunchTemplate {
  const data: Record<string, any> = resource.Properties?.LaunchTemplateData ?? {};
  const own = typeof data.InstanceType === 'string' ? [data.InstanceType] : [];
  const instanceTypes = own.length > 0 ? own : unique(nodegroups.filter((ng) => ng.launchTemplate === logicalId).flatMap((ng) => ng.instanceTypes));
  const entries: unknown[] = Array.isArray(data.NetworkInterfaces) ? data.NetworkInterfaces : [];
  const specs = entries.map((e) => (typeof e === 'object' && e !== null ? interfaceOf(e as Record<string, unknown>) : undefined));
  const interfaces = specs.filter((s): s is NetworkInterfaceSpec => s !== undefined);
  const unresolved = interfaces.length < entries.length;
  const known = instanceTypes.map((t) => EfaInstanceTypes.tryLookup(t)).filter((c): c is InstanceTypeCapabilities => c !== undefined);
  // Several node group types can break the same rule with the same message: report it once.
  const problems = new Map<string, Problem>();
  for (const problem of unresolved ? [] : known.flatMap((caps) => layoutProblems(caps, interfaces))) {
    problems.set(problem.message, problem);
  }
  return {
    logicalId,
    instanceTypes,
    interfaces,
    unresolved,
    figures: known.length > 0 ? summarize(known[0], interfaces) : countedFigures(interfaces),
    checked: !unresolved && known.length > 0,
    problems: [...problems.values()],
  };
}

/**
 * Where a node group launches, from its `Subnets` value as the template states it: a literal subnet ID, a subnet of
 * the template, or the offering check that chooses the subnet at deploy time.
 */
export function describeSubnets(subnets: unknown, resources: Resources): string {
  if (subnets === undefined) {
    return 'no subnets set';
  }
  if (!Array.isArray(subnets)) {
    return `subnets ${JSON.stringify(subnets)}`;
  }
  const one = (value: unknown): string => {
    if (typeof value === 'string') {
      return `subnet ${value}`;
    }
    const target = refTarget(value);
    const resource = target === undefined ? undefined : resources[target];
    const props = resource?.Properties ?? {};
    if (resource?.Type === OFFERING_CHECK_TYPE) {
      const zone = typeof props.AvailabilityZoneId === 'string' ? ` in availability zone ID ${props.AvailabilityZoneId}` : '';
      const candidates = Array.isArray(props.SubnetIds) ? ` from ${plural(props.SubnetIds.length, 'subnet')}` : '';
      return `subnet chosen at deploy time by ${target}${zone}${candidates}`;
    }
    if (resource?.Type === 'AWS::EC2::Subnet') {
      const zone = typeof props.AvailabilityZoneId === 'string' ? props.AvailabilityZoneId
        : (typeof props.AvailabilityZone === 'string' ? props.AvailabilityZone : undefined);
      return `subnet ${target}${zone === undefined ? '' : ` in ${zone}`}`;
    }
    return target === undefined ? `subnet ${JSON.stringify(value)}` : `subnet from ${target}`;
  };
  const described = subnets.map(one);
  return described.length === 1 ? described[0] : `${plural(described.length, 'subnet')}: ${described.join('; ')}`;
}

/** The finding ID an annotation ends with: `… [cdk-efa:<id>]` (errors) or `… [ack: cdk-efa:<id>]` (warnings). */
export function findingIdOf(text: string): string | undefined {
  return /\[(?:ack: )?cdk-efa:([\w.-]+)\]\s*$/.exec(text)?.[1];
}

const SOURCE_ORDER: Array<FindingCount['source']> = ['inspect', 'error', 'warning'];

function countFindings(problems: Problem[], messages: AssemblyMessage[]): FindingCount[] {
  const counts = new Map<string, FindingCount>();
  const add = (id: string, source: FindingCount['source']) => {
    const key = `${source}|${id}`;
    counts.set(key, { id, source, count: (counts.get(key)?.count ?? 0) + 1 });
  };
  problems.forEach((p) => add(p.id, 'inspect'));
  for (const message of messages) {
    const id = findingIdOf(message.text);
    if (id !== undefined) {
      add(id, message.level);
    }
  }
  return [...counts.values()].sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source) || a.id.localeCompare(b.id));
}

/**
 * Reads one stack's template: its launch templates (layout, figures, broken rules), EKS node groups, EFA Helm charts,
 * and the cdk-efa findings, from inspect's own layout check and from the annotations the cloud assembly recorded
 * (`EfaChecks` and the constructs' warnings).
 */
export function inspectTemplate(title: string, template: CloudFormationTemplate, messages: AssemblyMessage[] = []): StackInspection {
  const resources: Resources = template.Resources ?? {};
  const entries = Object.entries(resources);
  const nodegroups = entries.filter(([, r]) => r.Type === 'AWS::EKS::Nodegroup').map(([logicalId, r]): InspectedNodegroup => {
    const props = r.Properties ?? {};
    const launchTemplate = refTarget(props.LaunchTemplate?.Id) ?? refTarget(props.LaunchTemplate?.Name)
      ?? (typeof props.LaunchTemplate?.Id === 'string' ? props.LaunchTemplate.Id : undefined);
    const templateType = launchTemplate === undefined ? undefined : resources[launchTemplate]?.Properties?.LaunchTemplateData?.InstanceType;
    const own = literals(props.InstanceTypes);
    return {
      logicalId,
      instanceTypes: own.length > 0 ? own : literals([templateType]),
      capacityType: typeof props.CapacityType === 'string' ? props.CapacityType : undefined,
      launchTemplate,
      subnets: describeSubnets(props.Subnets, resources),
    };
  });
  const launchTemplates = entries.filter(([, r]) => r.Type === 'AWS::EC2::LaunchTemplate')
    .map(([logicalId, r]) => inspectLaunchTemplate(logicalId, r, nodegroups));
  const charts = entries
    .filter(([, r]) => r.Type === HELM_CHART_TYPE && typeof r.Properties?.Chart === 'string'
      && EFA_CHARTS.some((name) => r.Properties!.Chart === name || r.Properties!.Chart.endsWith(`/${name}`)))
    .map(([logicalId, r]): InspectedChart => ({
      logicalId,
      chart: r.Properties!.Chart,
      version: typeof r.Properties!.Version === 'string' ? r.Properties!.Version : undefined,
    }));
  return {
    title,
    launchTemplates,
    nodegroups,
    charts,
    findings: countFindings(launchTemplates.flatMap((lt) => lt.problems), messages),
  };
}

function launchTemplateLines(lt: InspectedLaunchTemplate, verbose: boolean): string[] {
  const types = lt.instanceTypes.length === 0 ? 'instance type not set' : lt.instanceTypes.join(', ');
  const head = `  ${lt.logicalId} (${types}): `;
  if (lt.interfaces.length === 0 && !lt.unresolved) {
    return [`${head}no network interfaces`];
  }
  const notes = [
    ...(lt.unresolved ? ['    not checked: a card index, device index or interface type is an intrinsic function'] : []),
    ...(!lt.unresolved && !lt.checked ? [`    not checked: ${lt.instanceTypes.length === 0 ? 'no instance type is set' : `cdk-efa's capability table has no ${types}`}`] : []),
    ...lt.problems.map((p) => `    INVALID: ${describeProblem(p)}`),
  ];
  return [
    `${head}${lt.problems.length > 0 ? 'INVALID EFA layout, ' : ''}${layoutSummaryText(lt.figures)}`,
    ...layoutTableLines(lt.interfaces, verbose).map((line) => `    ${line}`),
    ...notes,
  ];
}

function nodegroupLine(ng: InspectedNodegroup): string {
  const about = [ng.instanceTypes.join(', ') || 'instance types not set', ...(ng.capacityType === undefined ? [] : [ng.capacityType])];
  const launchTemplate = ng.launchTemplate === undefined ? '' : `launch template ${ng.launchTemplate}; `;
  return `    ${ng.logicalId} (${about.join(', ')}): ${launchTemplate}${ng.subnets}`;
}

function findingsLine(findings: FindingCount[]): string {
  if (findings.length === 0) {
    return '  Findings: none';
  }
  const source = (f: FindingCount) => (f.source === 'inspect' ? 'found by inspect' : f.source);
  return `  Findings: ${findings.map((f) => `${f.id} ×${f.count} (${source(f)})`).join(', ')}`;
}

/**
 * One stack as inspect prints it: each launch template's summary line and layout table (compact unless `verbose`),
 * then the EKS node groups with their subnets, the EFA Kubernetes plugin, and the findings counted by ID.
 */
export function stackInspectionLines(stack: StackInspection, verbose: boolean = false): string[] {
  const groups = stack.nodegroups.length === 0 ? 'no node groups' : plural(stack.nodegroups.length, 'node group');
  const plugin = stack.charts.length === 0 ? 'none'
    : stack.charts.map((c) => `${c.chart}${c.version === undefined ? '' : ` ${c.version}`} (${c.logicalId})`).join(', ');
  return [
    stack.title,
    ...stack.launchTemplates.flatMap((lt) => launchTemplateLines(lt, verbose)),
    `  EKS: ${groups}; EFA Kubernetes plugin: ${plugin}`,
    ...stack.nodegroups.map(nodegroupLine),
    findingsLine(stack.findings),
  ];
}
