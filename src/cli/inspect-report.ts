import { LayoutSummaryFigures, layoutSummaryText, layoutTableLines, plural } from './layout-table';
import {
  INTERFACE_TYPES, JsonObject, LAUNCH_TEMPLATE, NODEGROUP, TemplateResource, literalString, objectOf, readConsumer,
  readLaunchTemplate, refTarget,
} from '../checks/template-reader';
import { efaOnlyLaunchTemplateIds, Severity, templateFindings } from '../checks/template-rules';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { InterfaceType, NetworkInterfaceSpec } from '../core/network-interface';
import { echo, efaError } from '../core/private/errors';
import { summarize } from '../core/private/layout-rules';

/**
 * What `cdk-efa inspect` finds in synthesized CloudFormation templates, and how it prints it. Pure: the CLI reads the
 * files and the cloud assembly's metadata and hands them in. The findings come from the rules `EfaChecks` applies
 * (`checks/template-rules.ts`, reading resources with `checks/template-reader.ts`), so inspect sees what EfaChecks
 * sees: the instance types, public IPs and security groups of the resources that launch from each launch template.
 */

/** A CloudFormation template, as far as inspect reads it. */
export interface CloudFormationTemplate {
  readonly Resources?: Record<string, CloudFormationResource>;
}

export interface CloudFormationResource {
  readonly Type?: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, unknown>;
}

/**
 * An error or warning the cloud assembly records for a construct of the stack (`aws:cdk:error`, `aws:cdk:warning`),
 * with the logical ID of that construct when it is a CloudFormation resource.
 */
export interface AssemblyMessage {
  readonly level: Severity;
  readonly text: string;
  readonly logicalId?: string;
}

/** An `EfaChecks.acknowledge` the cloud assembly records: the rule, and the construct path it holds for and below. */
export interface AssemblyAcknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason?: string;
}

/** One finding of inspect's own rules on a resource. */
export interface InspectFinding {
  readonly logicalId: string;
  readonly id: string;
  readonly level: Severity;
  readonly message: string;
}

/** One interface as the table prints it; its type is as written (`?` for an intrinsic function). */
type TableInterface = NetworkInterfaceSpec;

/** One launch template. */
export interface InspectedLaunchTemplate {
  readonly logicalId: string;
  /** The template's own `InstanceType` and those of every resource of the template that launches from it. */
  readonly instanceTypes: string[];
  /** The interfaces whose card and device indexes are literals, as the table prints them. */
  readonly interfaces: TableInterface[];
  /** Whether an entry, a card index, a device index or an interface type is an intrinsic function. */
  readonly unresolved: boolean;
  readonly figures: LayoutSummaryFigures;
  /** Whether cdk-efa knows an instance type it runs on, so that every layout rule was checked. */
  readonly checked: boolean;
  /** The findings of the rules on this launch template. */
  readonly findings: InspectFinding[];
}

/** One `AWS::EKS::Nodegroup`. */
export interface InspectedNodegroup {
  readonly logicalId: string;
  readonly instanceTypes: string[];
  readonly capacityType?: string;
  readonly launchTemplate?: string;
  /** Where the nodes launch, from the `Subnets` value as the template states it. */
  readonly subnets: string;
  readonly findings: InspectFinding[];
}

/** Any other resource with findings (an Auto Scaling group, a Batch compute environment, an instance, an add-on). */
export interface InspectedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly findings: InspectFinding[];
}

/** One EFA Helm chart: the device plugin or the DRA driver. */
export interface InspectedChart {
  readonly logicalId: string;
  readonly chart: string;
  readonly version?: string;
}

/**
 * How often one finding ID occurs at one level: found by inspect's rules, or only recorded in the cloud assembly
 * (construct warnings, and `EfaChecks` findings inspect did not find again).
 */
export interface FindingCount {
  readonly id: string;
  readonly level: Severity;
  readonly source: 'inspect' | 'assembly';
  readonly count: number;
}

/** Everything inspect reports about one stack's template. */
export interface StackInspection {
  /** The stack's display name, or the template file name. */
  readonly title: string;
  readonly launchTemplates: InspectedLaunchTemplate[];
  readonly nodegroups: InspectedNodegroup[];
  readonly otherResources: InspectedResource[];
  readonly charts: InspectedChart[];
  readonly findings: FindingCount[];
  /** The errors counted in `findings`. */
  readonly errors: number;
  /** The warnings counted in `findings`. */
  readonly warnings: number;
}

/** One template to inspect, with what the cloud assembly records about its stack. */
export interface TemplateInput {
  /** The stack's display name, or the template file name. */
  readonly title: string;
  /** How other stacks' messages name this stack (its artifact ID, or the file name). */
  readonly name: string;
  /** The template, as parsed from JSON: checked by `templateResources`. */
  readonly template: unknown;
  /** The file it was read from, for error messages. */
  readonly file: string;
  readonly messages?: AssemblyMessage[];
  readonly acknowledgements?: AssemblyAcknowledgement[];
  /** The construct path of each logical ID, from the assembly (`aws:cdk:logicalId`); else the template's metadata. */
  readonly paths?: Record<string, string>;
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

/**
 * The resources of a parsed template, checked for the shape CloudFormation requires: an object whose `Resources`, if
 * present, is an object of resources, each an object with a string `Type` and, if present, an object `Properties`.
 *
 * @throws `cdk-efa:malformed-template`, naming the file and the first resource that is not a resource
 */
export function templateResources(template: unknown, file: string): TemplateResource[] {
  const fail = (what: string) => efaError('malformed-template', `${file}: ${what}, so it is not a CloudFormation template; give a template synthesized by cdk (a *.template.json file) or a cloud assembly folder (cdk.out).`);
  if (typeof template !== 'object' || template === null || Array.isArray(template)) {
    throw fail(`the file holds ${echo(template)} rather than a JSON object`);
  }
  const resources = (template as JsonObject).Resources;
  if (resources === undefined) {
    return [];
  }
  if (objectOf(resources) === undefined) {
    throw fail(`its Resources is ${echo(resources)} rather than an object of resources`);
  }
  return Object.entries(resources as JsonObject).map(([logicalId, resource]) => {
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
      throw fail(`resource ${echo(logicalId)} is ${echo(resource)} rather than an object`);
    }
    const { Type: type, Properties: properties } = resource as JsonObject;
    if (typeof type !== 'string') {
      throw fail(`resource ${echo(logicalId)} has Type ${type === undefined ? 'missing' : echo(type)} rather than a string`);
    }
    if (properties !== undefined && (typeof properties !== 'object' || properties === null || Array.isArray(properties))) {
      throw fail(`resource ${echo(logicalId)} has Properties ${echo(properties)} rather than an object`);
    }
    return { logicalId, type, properties: (properties ?? {}) as JsonObject };
  });
}

/**
 * Where a node group launches, from its `Subnets` value as the template states it: a literal subnet ID, a subnet of
 * the template, or the offering check that chooses the subnet at deploy time.
 */
export function describeSubnets(subnets: unknown, resources: Record<string, CloudFormationResource>): string {
  if (subnets === undefined) {
    return 'no subnets set';
  }
  if (!Array.isArray(subnets)) {
    return `subnets ${echo(subnets)}`;
  }
  const one = (value: unknown): string => {
    if (typeof value === 'string') {
      return `subnet ${value}`;
    }
    const target = refTarget(value);
    const resource = target === undefined ? undefined : resources[target];
    const props = objectOf(resource?.Properties) ?? {};
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
    return target === undefined ? `subnet ${echo(value)}` : `subnet from ${target}`;
  };
  const described = subnets.map(one);
  return described.length === 1 ? described[0] : `${plural(described.length, 'subnet')}: ${described.join('; ')}`;
}

/** The finding ID an annotation ends with: `… [cdk-efa:<id>]` (errors) or `… [ack: cdk-efa:<id>]` (warnings). */
export function findingIdOf(text: string): string | undefined {
  return /\[(?:ack: )?cdk-efa:([\w.-]+)\]\s*$/.exec(text)?.[1];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** `Stack/Lt/Resource` is at or below `Stack/Lt`; paths compare without a leading slash. */
function isAtOrBelow(path: string, scope: string): boolean {
  const p = path.replace(/^\//, '');
  const s = scope.replace(/^\//, '');
  return s === '' || p === s || p.startsWith(`${s}/`);
}

/** The construct path of each resource: the assembly's, else the template's `aws:cdk:path` metadata. */
function pathsOf(input: TemplateInput): Map<string, string> {
  const paths = new Map<string, string>();
  const resources = objectOf(objectOf(input.template)?.Resources) ?? {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    const path = literalString(objectOf(objectOf(resource)?.Metadata)?.['aws:cdk:path']);
    if (path !== undefined) {
      paths.set(logicalId, path);
    }
  }
  for (const [logicalId, path] of Object.entries(input.paths ?? {})) {
    paths.set(logicalId, path);
  }
  return paths;
}

const SOURCE_ORDER: Array<FindingCount['source']> = ['inspect', 'assembly'];
const LEVEL_ORDER: Severity[] = ['error', 'warning'];

/**
 * The findings counted per ID and level: inspect's own, then the assembly's that inspect did not find again on the
 * same resource (construct warnings; `EfaChecks` findings on values only the L1 construct knew).
 */
function countFindings(findings: InspectFinding[], messages: AssemblyMessage[]): FindingCount[] {
  const counts = new Map<string, FindingCount>();
  const add = (id: string, level: Severity, source: FindingCount['source']) => {
    const key = `${source}|${level}|${id}`;
    counts.set(key, { id, level, source, count: (counts.get(key)?.count ?? 0) + 1 });
  };
  findings.forEach((f) => add(f.id, f.level, 'inspect'));
  const found = new Set(findings.map((f) => `${f.logicalId}|${f.id}`));
  for (const message of messages) {
    const id = findingIdOf(message.text);
    if (id !== undefined && !(message.logicalId !== undefined && found.has(`${message.logicalId}|${id}`))) {
      add(id, message.level, 'assembly');
    }
  }
  return [...counts.values()].sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source)
    || LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level) || a.id.localeCompare(b.id));
}

function countedFigures(interfaces: TableInterface[]): LayoutSummaryFigures {
  const ena = interfaces.filter((i) => i.interfaceType !== InterfaceType.EFA_ONLY).length;
  return {
    networkInterfaceCount: interfaces.length,
    efaCount: interfaces.filter((i) => i.interfaceType === InterfaceType.EFA || i.interfaceType === InterfaceType.EFA_ONLY).length,
    enaCount: ena,
    ipv4AddressesPerNode: ena,
  };
}

/**
 * Reads stacks' templates: each launch template (layout, figures, findings), EKS node group, other resource with
 * findings and EFA Helm chart, and the findings counted by ID, from inspect's own rules (the rules of `EfaChecks`) and
 * from the annotations the cloud assembly recorded. Findings acknowledged with `EfaChecks.acknowledge` (recorded in the
 * assembly) are left out. The `vpc-cni-too-old` rule sees the `efa-only` interfaces of every template given.
 *
 * @throws `cdk-efa:malformed-template` when a template is not a CloudFormation template (see `templateResources`)
 */
export function inspectTemplates(inputs: TemplateInput[]): StackInspection[] {
  const read = inputs.map((input) => ({ input, resources: templateResources(input.template, input.file) }));
  const efaOnly = read.flatMap(({ input, resources }) => efaOnlyLaunchTemplateIds(resources).map((id) => `${input.name}/${id}`));
  return read.map(({ input, resources }) => inspectResources(input, resources, efaOnly));
}

/** One template without a cloud assembly around it, or with its messages. */
export function inspectTemplate(title: string, template: unknown, messages: AssemblyMessage[] = []): StackInspection {
  return inspectTemplates([{ title, name: title, template, file: title, messages }])[0];
}

function inspectResources(input: TemplateInput, resources: TemplateResource[], efaOnly: string[]): StackInspection {
  const paths = pathsOf(input);
  const acknowledged = (f: InspectFinding) => (input.acknowledgements ?? [])
    .some((ack) => ack.id === f.id && paths.has(f.logicalId) && isAtOrBelow(paths.get(f.logicalId)!, ack.path));
  const findings: InspectFinding[] = templateFindings(resources, { efaOnlyLaunchTemplates: () => efaOnly })
    .map((f) => ({ logicalId: f.logicalId, id: f.id, level: f.severity, message: f.message }))
    .filter((f) => !acknowledged(f));
  const findingsOf = (logicalId: string) => findings.filter((f) => f.logicalId === logicalId);

  const rawResources = (objectOf(input.template)?.Resources ?? {}) as Record<string, CloudFormationResource>;
  const consumers = resources.flatMap((r) => {
    const consumer = readConsumer(r);
    return consumer === undefined ? [] : [{ resource: r, consumer }];
  });
  const launchTemplateNames = new Map(resources.filter((r) => r.type === LAUNCH_TEMPLATE)
    .map((r) => [r.logicalId, readLaunchTemplate(r.properties)] as const));
  const launchTemplateOf = (ref: { logicalId?: string; name?: string } | undefined) => ref?.logicalId
    ?? [...launchTemplateNames.entries()].find(([, lt]) => ref?.name !== undefined && lt.name === ref.name)?.[0];

  const launchTemplates = [...launchTemplateNames.entries()].map(([logicalId, launch]): InspectedLaunchTemplate => {
    const users = consumers.filter((c) => launchTemplateOf(c.consumer.launchTemplate) === logicalId);
    const own = launch.instanceType === undefined ? [] : [launch.instanceType];
    const instanceTypes = unique([...own, ...users.flatMap((u) => u.consumer.instanceTypes)]);
    const entries = launch.networkInterfaces;
    const interfaces = entries
      .filter((i) => i.networkCardIndex !== undefined && i.deviceIndex !== undefined)
      .map((i) => ({ networkCardIndex: i.networkCardIndex!, deviceIndex: i.deviceIndex!, interfaceType: (i.interfaceType ?? '?') as InterfaceType }));
    const unresolved = launch.networkInterfacesUnknown || interfaces.length < entries.length || entries.some((i) => i.interfaceType === undefined);
    const known = instanceTypes.map((t) => EfaInstanceTypes.tryLookup(t)).filter((c): c is InstanceTypeCapabilities => c !== undefined);
    const valid = interfaces.every((i) => INTERFACE_TYPES.includes(i.interfaceType));
    return {
      logicalId,
      instanceTypes,
      interfaces,
      unresolved,
      figures: known.length > 0 && valid ? summarize(known[0], interfaces) : countedFigures(interfaces),
      checked: known.length > 0,
      findings: findingsOf(logicalId),
    };
  });

  const nodegroups = consumers.filter((c) => c.resource.type === NODEGROUP).map(({ resource, consumer }): InspectedNodegroup => {
    const launchTemplate = launchTemplateOf(consumer.launchTemplate);
    const templateType = launchTemplate === undefined ? undefined : launchTemplateNames.get(launchTemplate)?.instanceType;
    return {
      logicalId: resource.logicalId,
      instanceTypes: consumer.instanceTypes.length > 0 ? consumer.instanceTypes : (templateType === undefined ? [] : [templateType]),
      capacityType: literalString(resource.properties.CapacityType),
      launchTemplate,
      subnets: describeSubnets(resource.properties.Subnets, rawResources),
      findings: findingsOf(resource.logicalId),
    };
  });

  const shownElsewhere = new Set([...launchTemplates.map((lt) => lt.logicalId), ...nodegroups.map((ng) => ng.logicalId)]);
  const otherResources = resources
    .filter((r) => !shownElsewhere.has(r.logicalId) && findingsOf(r.logicalId).length > 0)
    .map((r) => ({ logicalId: r.logicalId, type: r.type, findings: findingsOf(r.logicalId) }));

  const charts = resources
    .filter((r) => r.type === HELM_CHART_TYPE && typeof r.properties.Chart === 'string'
      && EFA_CHARTS.some((name) => r.properties.Chart === name || (r.properties.Chart as string).endsWith(`/${name}`)))
    .map((r): InspectedChart => ({ logicalId: r.logicalId, chart: r.properties.Chart as string, version: literalString(r.properties.Version) }));

  const counts = countFindings(findings, input.messages ?? []);
  const total = (level: Severity) => counts.filter((c) => c.level === level).reduce((sum, c) => sum + c.count, 0);
  return {
    title: input.title,
    launchTemplates,
    nodegroups,
    otherResources,
    charts,
    findings: counts,
    errors: total('error'),
    warnings: total('warning'),
  };
}

/** A finding as inspect prints it, below its resource. */
function findingLines(findings: InspectFinding[], indent: string): string[] {
  return findings.map((f) => `${indent}${f.level === 'error' ? 'INVALID' : 'warning'}: ${f.message} [cdk-efa:${f.id}]`);
}

function launchTemplateLines(lt: InspectedLaunchTemplate, verbose: boolean): string[] {
  const types = lt.instanceTypes.length === 0 ? 'instance type not set' : lt.instanceTypes.join(', ');
  const head = `  ${lt.logicalId} (${types}): `;
  const invalid = lt.findings.some((f) => f.level === 'error') ? 'INVALID, ' : '';
  if (lt.interfaces.length === 0 && !lt.unresolved) {
    return [`${head}${invalid}no network interfaces`, ...findingLines(lt.findings, '    ')];
  }
  const unknownTypes = lt.instanceTypes.filter((t) => EfaInstanceTypes.tryLookup(t) === undefined);
  const partly = lt.instanceTypes.length === 0
    ? 'no instance type is set'
    : `cdk-efa's capability table has no ${unknownTypes.join(', ')}`;
  const notes = [
    ...(lt.unresolved ? ['    checked in part: an interface, a card index, a device index or an interface type is an intrinsic function'] : []),
    ...(!lt.checked ? [`    checked only against the rules that hold for every instance type: ${partly}`] : []),
  ];
  return [
    `${head}${invalid}${layoutSummaryText(lt.figures)}`,
    ...layoutTableLines(lt.interfaces, verbose).map((line) => `    ${line}`),
    ...notes,
    ...findingLines(lt.findings, '    '),
  ];
}

function nodegroupLines(ng: InspectedNodegroup): string[] {
  const about = [ng.instanceTypes.join(', ') || 'instance types not set', ...(ng.capacityType === undefined ? [] : [ng.capacityType])];
  const launchTemplate = ng.launchTemplate === undefined ? '' : `launch template ${ng.launchTemplate}; `;
  return [`    ${ng.logicalId} (${about.join(', ')}): ${launchTemplate}${ng.subnets}`, ...findingLines(ng.findings, '      ')];
}

function findingsLine(findings: FindingCount[]): string {
  if (findings.length === 0) {
    return '  Findings: none';
  }
  const about = (f: FindingCount) => (f.source === 'inspect' ? f.level : `${f.level}, from the cloud assembly`);
  return `  Findings: ${findings.map((f) => `${f.id} ×${f.count} (${about(f)})`).join(', ')}`;
}

/**
 * One stack as inspect prints it: each launch template's summary line, layout table (compact unless `verbose`) and
 * findings, then the EKS node groups with their subnets, the EFA Kubernetes plugin, the other resources with
 * findings, and the findings counted by ID.
 */
export function stackInspectionLines(stack: StackInspection, verbose: boolean = false): string[] {
  const groups = stack.nodegroups.length === 0 ? 'no node groups' : plural(stack.nodegroups.length, 'node group');
  const plugin = stack.charts.length === 0 ? 'none'
    : stack.charts.map((c) => `${c.chart}${c.version === undefined ? '' : ` ${c.version}`} (${c.logicalId})`).join(', ');
  return [
    stack.title,
    ...stack.launchTemplates.flatMap((lt) => launchTemplateLines(lt, verbose)),
    `  EKS: ${groups}; EFA Kubernetes plugin: ${plugin}`,
    ...stack.nodegroups.flatMap(nodegroupLines),
    ...stack.otherResources.flatMap((r) => [`  ${r.logicalId} (${r.type})`, ...findingLines(r.findings, '    ')]),
    findingsLine(stack.findings),
  ];
}
