import type { DeviceMapping } from '../core/private/efa-container-rules';

/**
 * The one reader of EFA-relevant CloudFormation, used by `EfaChecks` and by `cdk-efa inspect`.
 *
 * It reads the resolved CloudFormation JSON of a resource (property names as a template spells them:
 * `LaunchTemplateData`, `NetworkInterfaces`, `VPCZoneIdentifier` …) into what the EFA rules need: interfaces, instance
 * types, security groups, public-IP flags, placement groups and subnets. `EfaChecks` hands it the resolved properties
 * of L1 constructs, `inspect` the `Resources` of template files; both then apply the same rules
 * (`template-rules.ts`).
 *
 * Pure, and loads nothing: no aws-cdk-lib, no file system. Any JSON value is accepted without a crash. A value that is
 * an intrinsic function (`Ref`, `Fn::If`, `Fn::GetAtt` …) is read as unknown (`undefined`), never guessed; a numeric
 * string (`"NetworkCardIndex": "1"`, which CloudFormation accepts) is read as its number.
 */

/** A JSON object, as a template holds it. */
export type JsonObject = Record<string, unknown>;

/** One resource of a template: its logical ID, type and properties (`{}` when it has none). */
export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: JsonObject;
}

export const LAUNCH_TEMPLATE = 'AWS::EC2::LaunchTemplate';
export const INSTANCE = 'AWS::EC2::Instance';
export const NODEGROUP = 'AWS::EKS::Nodegroup';
export const AUTO_SCALING_GROUP = 'AWS::AutoScaling::AutoScalingGroup';
export const BATCH_COMPUTE_ENVIRONMENT = 'AWS::Batch::ComputeEnvironment';
export const BATCH_JOB_DEFINITION = 'AWS::Batch::JobDefinition';
export const SECURITY_GROUP = 'AWS::EC2::SecurityGroup';
export const SECURITY_GROUP_INGRESS = 'AWS::EC2::SecurityGroupIngress';
export const SECURITY_GROUP_EGRESS = 'AWS::EC2::SecurityGroupEgress';
export const PLACEMENT_GROUP = 'AWS::EC2::PlacementGroup';
export const EKS_ADDON = 'AWS::EKS::Addon';

/**
 * The property names the rules read, per resource type: what `EfaChecks` takes from an L1 construct. Other
 * properties are never read.
 */
export const READ_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  [LAUNCH_TEMPLATE]: ['LaunchTemplateData', 'LaunchTemplateName'],
  [INSTANCE]: ['InstanceType', 'NetworkInterfaces', 'SecurityGroupIds', 'SecurityGroups', 'LaunchTemplate', 'PlacementGroupName'],
  [NODEGROUP]: ['LaunchTemplate', 'InstanceTypes', 'Subnets'],
  [AUTO_SCALING_GROUP]: ['LaunchTemplate', 'MixedInstancesPolicy', 'VPCZoneIdentifier', 'PlacementGroup'],
  [BATCH_COMPUTE_ENVIRONMENT]: ['ComputeResources'],
  [BATCH_JOB_DEFINITION]: ['ContainerProperties', 'NodeProperties'],
  [SECURITY_GROUP]: ['SecurityGroupIngress', 'SecurityGroupEgress'],
  [SECURITY_GROUP_INGRESS]: ['GroupId', 'SourceSecurityGroupId', 'IpProtocol'],
  [SECURITY_GROUP_EGRESS]: ['GroupId', 'DestinationSecurityGroupId', 'IpProtocol'],
  [PLACEMENT_GROUP]: ['Strategy'],
  [EKS_ADDON]: ['AddonName', 'AddonVersion'],
};

/** Whether a value is an intrinsic function or a reference: an object with the one key `Ref`, `Condition` or `Fn::…`. */
export function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

/** A plain JSON object, or undefined for anything else (absent, a literal, a list, an intrinsic function). */
export function objectOf(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isIntrinsic(value) ? value as JsonObject : undefined;
}

/** A literal list, or undefined when absent or an intrinsic function (`Fn::Split` …). */
export function listOf(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** The logical ID a `{ Ref }` or `{ Fn::GetAtt }` points at; undefined for literals and other intrinsics. */
export function refTarget(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as JsonObject;
  if (typeof v.Ref === 'string') {
    return v.Ref;
  }
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt)) {
    return typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
  }
  // The string form, `{ "Fn::GetAtt": "Resource.Attribute" }`.
  return typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
}

/** A literal string, or undefined (absent, an intrinsic function, another JSON type). */
export function literalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The literal strings of a list; intrinsics and other values in it are left out. */
export function literalStrings(value: unknown): string[] {
  return (listOf(value) ?? []).filter((v): v is string => typeof v === 'string');
}

const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * A literal number: a JSON number, or a numeric string (`"1"`). Undefined when absent (or `null`) or an intrinsic
 * function; `NaN` for a literal that is no number (`"one"`, `true`), which the rules report as invalid.
 */
export function literalNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || isIntrinsic(value)) {
    return undefined;
  }
  if (typeof value === 'number') {
    return value;
  }
  return typeof value === 'string' && NUMERIC.test(value) ? Number(value) : NaN;
}

/** A literal boolean: `true`/`false` or the strings `"true"`/`"false"`; undefined otherwise. */
export function literalBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 'true') {
    return true;
  }
  return value === false || value === 'false' ? false : undefined;
}

/** A property of a JSON object, or undefined when the object is not one. */
function prop(value: unknown, key: string): unknown {
  return objectOf(value)?.[key];
}

/** The interface types EC2 accepts in a launch's `NetworkInterfaces`. */
export const INTERFACE_TYPES: readonly string[] = ['interface', 'efa', 'efa-only'];

/**
 * The fields of a `NetworkInterfaces` entry that ask for an IP address, each with how a value asks: `value` (any
 * literal value but an empty string), `list` (a non-empty literal list), `count` (a literal number above 0) or
 * `flag` (literally true). EC2 refuses all of them on an `efa-only` interface (InvalidParameterValue).
 */
const ADDRESS_FIELDS: ReadonlyArray<[string, 'value' | 'list' | 'count' | 'flag']> = [
  ['PrivateIpAddress', 'value'],
  ['PrivateIpAddresses', 'list'],
  ['SecondaryPrivateIpAddressCount', 'count'],
  ['Ipv4Prefixes', 'list'],
  ['Ipv4PrefixCount', 'count'],
  ['Ipv6Addresses', 'list'],
  ['Ipv6AddressCount', 'count'],
  ['Ipv6Prefixes', 'list'],
  ['Ipv6PrefixCount', 'count'],
  ['PrimaryIpv6', 'flag'],
  ['AssociatePublicIpAddress', 'flag'],
  ['AssociateCarrierIpAddress', 'flag'],
];

/** One `NetworkInterfaces` entry, as far as the rules read it. */
export interface TemplateInterface {
  /** `NetworkCardIndex` (0 when absent); undefined when it is an intrinsic function; NaN when no number. */
  readonly networkCardIndex?: number;
  /** `DeviceIndex` (0 when absent); undefined when it is an intrinsic function; NaN when no number. */
  readonly deviceIndex?: number;
  /** `InterfaceType` as written (`interface` when absent), valid or not; undefined when it is an intrinsic function. */
  readonly interfaceType?: string;
  /**
   * The security groups (`Groups`, or `GroupSet` on `AWS::EC2::Instance`): the logical ID of each group of the
   * template, undefined for a group from elsewhere (an ID, an import). Undefined when none are listed; `[undefined]`
   * when the list is an intrinsic function.
   */
  readonly groups?: Array<string | undefined>;
  /** Whether `AssociatePublicIpAddress` is literally true. */
  readonly associatePublicIpAddress: boolean;
  /** The IP-address fields set to ask for an address (see `ADDRESS_FIELDS`); intrinsic values are not counted. */
  readonly addressFields: string[];
}

function groupsOf(value: unknown): Array<string | undefined> | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const list = listOf(value);
  return list === undefined ? [undefined] : list.map(refTarget);
}

function asksForAddress(value: unknown, how: 'value' | 'list' | 'count' | 'flag'): boolean {
  switch (how) {
    case 'value':
      return value !== undefined && value !== null && value !== '' && !isIntrinsic(value);
    case 'list':
      return (listOf(value)?.length ?? 0) > 0;
    case 'count': {
      const n = literalNumber(value);
      return n !== undefined && !(n <= 0);
    }
    case 'flag':
      return literalBoolean(value) === true;
  }
}

/** A value that is no string, as text for a message: its JSON, or its `String()` when it has none. */
function textOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? 'a list' : typeof value;
  }
}

/** Reads one `NetworkInterfaces` entry; an entry that is an intrinsic function is read as entirely unknown. */
export function readInterface(entry: unknown): TemplateInterface {
  const e = objectOf(entry);
  if (e === undefined) {
    return { associatePublicIpAddress: false, addressFields: [] };
  }
  const index = (value: unknown) => (value === undefined || value === null ? 0 : literalNumber(value));
  const type = e.InterfaceType === undefined || e.InterfaceType === null ? 'interface' : e.InterfaceType;
  return {
    networkCardIndex: index(e.NetworkCardIndex),
    deviceIndex: index(e.DeviceIndex),
    interfaceType: isIntrinsic(type) ? undefined : (typeof type === 'string' ? type : textOf(type)),
    groups: groupsOf(e.Groups ?? e.GroupSet),
    associatePublicIpAddress: literalBoolean(e.AssociatePublicIpAddress) === true,
    addressFields: ADDRESS_FIELDS.filter(([field, how]) => asksForAddress(e[field], how)).map(([field]) => field),
  };
}

/** How a resource names the launch template it launches from. */
export interface LaunchTemplateReference {
  /** The logical ID of a launch template of this template (`Ref` or `Fn::GetAtt`). */
  readonly logicalId?: string;
  /** A literal launch template name, matched against the templates' `LaunchTemplateName`. */
  readonly name?: string;
}

function launchTemplateReference(id: unknown, name: unknown): LaunchTemplateReference | undefined {
  const logicalId = refTarget(id) ?? refTarget(name);
  const literalName = literalString(name);
  return logicalId === undefined && literalName === undefined ? undefined : { logicalId, name: literalName };
}

/** What a launch asks EC2 for: an `AWS::EC2::LaunchTemplate`'s data, or an `AWS::EC2::Instance`'s own properties. */
export interface LaunchSpec {
  /** The literal `InstanceType`; undefined when absent or an intrinsic function. */
  readonly instanceType?: string;
  /** The `NetworkInterfaces` entries; empty when there are none. */
  readonly networkInterfaces: TemplateInterface[];
  /** Whether `NetworkInterfaces` is an intrinsic function, so its entries are unknown. */
  readonly networkInterfacesUnknown: boolean;
  /** The launch-level security group fields that are set (`SecurityGroupIds`, `SecurityGroups`). */
  readonly securityGroupFields: string[];
  /** The groups of `SecurityGroupIds`, as `TemplateInterface.groups` reads them. */
  readonly securityGroupIds?: Array<string | undefined>;
  /** The logical ID of the placement group (`Placement.GroupName`, or an instance's `PlacementGroupName`). */
  readonly placementGroup?: string;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function readLaunch(data: JsonObject, placementGroup: unknown): LaunchSpec {
  const interfaces = data.NetworkInterfaces;
  return {
    instanceType: literalString(data.InstanceType),
    networkInterfaces: (listOf(interfaces) ?? []).map(readInterface),
    networkInterfacesUnknown: isIntrinsic(interfaces),
    securityGroupFields: ['SecurityGroupIds', 'SecurityGroups'].filter((field) => isSet(data[field])),
    securityGroupIds: groupsOf(data.SecurityGroupIds),
    placementGroup: refTarget(placementGroup),
  };
}

/** An `AWS::EC2::LaunchTemplate`: its `LaunchTemplateData` (an intrinsic `LaunchTemplateData` reads as empty). */
export function readLaunchTemplate(properties: JsonObject): LaunchSpec & { readonly name?: string } {
  const data = objectOf(properties.LaunchTemplateData) ?? {};
  return { ...readLaunch(data, prop(data.Placement, 'GroupName') ?? prop(data.Placement, 'GroupId')), name: literalString(properties.LaunchTemplateName) };
}

/** A resource that launches instances, possibly from a launch template. */
export interface LaunchConsumer {
  /** The launch template it launches from, if any. */
  readonly launchTemplate?: LaunchTemplateReference;
  /** Its literal instance types (an Auto Scaling group's overrides, a Batch compute environment's list …). */
  readonly instanceTypes: string[];
  /** Its subnets as listed; undefined when not set or an intrinsic function. */
  readonly subnets?: unknown[];
  /** The logical ID of its own placement group. */
  readonly placementGroup?: string;
}

/**
 * The launch of an `AWS::EC2::Instance`'s own properties. An instance's `NetworkInterfaces` entries have no
 * `InterfaceType` or `NetworkCardIndex` in CloudFormation, so they read as ENAs on card 0; EFAs come from its launch
 * template.
 */
export function readInstance(properties: JsonObject): LaunchSpec {
  return readLaunch(properties, properties.PlacementGroupName);
}

/**
 * The consumer side of a resource that launches instances: `AWS::EKS::Nodegroup`, `AWS::AutoScaling::AutoScalingGroup`,
 * `AWS::Batch::ComputeEnvironment` or `AWS::EC2::Instance`. Undefined for other types.
 */
export function readConsumer(resource: TemplateResource): LaunchConsumer | undefined {
  const p = resource.properties;
  switch (resource.type) {
    case NODEGROUP:
      return {
        launchTemplate: launchTemplateReference(prop(p.LaunchTemplate, 'Id'), prop(p.LaunchTemplate, 'Name')),
        instanceTypes: literalStrings(p.InstanceTypes),
        subnets: listOf(p.Subnets),
      };
    case AUTO_SCALING_GROUP: {
      const mixed = objectOf(prop(p.MixedInstancesPolicy, 'LaunchTemplate'));
      const spec = objectOf(p.LaunchTemplate) ?? objectOf(mixed?.LaunchTemplateSpecification);
      const overrides = (listOf(mixed?.Overrides) ?? []).map((o) => prop(o, 'InstanceType'));
      return {
        launchTemplate: launchTemplateReference(spec?.LaunchTemplateId, spec?.LaunchTemplateName),
        instanceTypes: literalStrings(overrides),
        subnets: listOf(p.VPCZoneIdentifier),
        placementGroup: refTarget(p.PlacementGroup),
      };
    }
    case BATCH_COMPUTE_ENVIRONMENT: {
      const compute = objectOf(p.ComputeResources) ?? {};
      const lt = objectOf(compute.LaunchTemplate);
      return {
        launchTemplate: launchTemplateReference(lt?.LaunchTemplateId, lt?.LaunchTemplateName),
        instanceTypes: literalStrings(compute.InstanceTypes),
        subnets: listOf(compute.Subnets),
        placementGroup: refTarget(compute.PlacementGroup),
      };
    }
    case INSTANCE: {
      const lt = objectOf(p.LaunchTemplate);
      const type = literalString(p.InstanceType);
      return {
        launchTemplate: launchTemplateReference(lt?.LaunchTemplateId, lt?.LaunchTemplateName),
        instanceTypes: type === undefined ? [] : [type],
        placementGroup: refTarget(p.PlacementGroupName),
      };
    }
    default:
      return undefined;
  }
}

/** Whether a security group of the template allows all traffic from itself (ingress) and to itself (egress). */
export interface SecurityGroupSelfRules {
  readonly selfIngress: boolean;
  readonly selfEgress: boolean;
}

const allTraffic = (protocol: unknown) => String(protocol) === '-1';

/**
 * The self rules of security group `groupId` (a logical ID), from its inline rules and from the template's
 * `AWS::EC2::SecurityGroupIngress`/`Egress` resources; undefined when the template has no such group.
 */
export function readSecurityGroupSelfRules(resources: readonly TemplateResource[], groupId: string): SecurityGroupSelfRules | undefined {
  const group = resources.find((r) => r.type === SECURITY_GROUP && r.logicalId === groupId);
  if (group === undefined) {
    return undefined;
  }
  const inline = (rules: unknown, peerKey: string) => (listOf(rules) ?? [])
    .some((r) => allTraffic(prop(r, 'IpProtocol')) && refTarget(prop(r, peerKey)) === groupId);
  const standalone = (type: string, peerKey: string) => resources
    .some((r) => r.type === type && allTraffic(r.properties.IpProtocol)
      && refTarget(r.properties.GroupId) === groupId && refTarget(r.properties[peerKey]) === groupId);
  return {
    selfIngress: inline(group.properties.SecurityGroupIngress, 'SourceSecurityGroupId') || standalone(SECURITY_GROUP_INGRESS, 'SourceSecurityGroupId'),
    selfEgress: inline(group.properties.SecurityGroupEgress, 'DestinationSecurityGroupId') || standalone(SECURITY_GROUP_EGRESS, 'DestinationSecurityGroupId'),
  };
}

/** The literal `Strategy` of placement group `groupId` (a logical ID); undefined when unknown or not in the template. */
export function readPlacementStrategy(resources: readonly TemplateResource[], groupId: string): string | undefined {
  const group = resources.find((r) => r.type === PLACEMENT_GROUP && r.logicalId === groupId);
  return group === undefined ? undefined : literalString(group.properties.Strategy);
}

/** An `AWS::EKS::Addon`'s literal name and version. */
export function readAddon(properties: JsonObject): { readonly name?: string; readonly version?: string } {
  return { name: literalString(properties.AddonName), version: literalString(properties.AddonVersion) };
}

/** Whether a launch template has an `efa-only` interface. */
export function hasEfaOnlyInterface(launch: LaunchSpec): boolean {
  return launch.networkInterfaces.some((i) => i.interfaceType === 'efa-only');
}

/** Whether a Batch compute environment sets security groups of its own (`ComputeResources.SecurityGroupIds`). */
export function batchSecurityGroupsSet(properties: JsonObject): boolean {
  const groups = prop(properties.ComputeResources, 'SecurityGroupIds');
  return isSet(groups);
}

/** One container of an `AWS::Batch::JobDefinition`, as far as the EFA rules read it. */
export interface JobContainer {
  /** Which nodes run it: a multi-node node range's `TargetNodes` (`0:1`, `?` when unknown), or undefined for a single-node job. */
  readonly targetNodes?: string;
  /** The literal instance types it runs on: the container's `InstanceType` and the node range's `InstanceTypes`. */
  readonly instanceTypes: string[];
  /** `LinuxParameters.Devices`, each field undefined when absent or an intrinsic function. */
  readonly devices: DeviceMapping[];
  /** The literal `Environment` entries, by name. */
  readonly environment: Record<string, string>;
}

function readJobContainer(container: unknown, targetNodes: string | undefined, rangeInstanceTypes: string[]): JobContainer | undefined {
  const c = objectOf(container);
  if (c === undefined) {
    return undefined;
  }
  const devices = (listOf(prop(c.LinuxParameters, 'Devices')) ?? []).map((d): DeviceMapping => {
    const permissions = prop(d, 'Permissions');
    return {
      hostPath: literalString(prop(d, 'HostPath')),
      containerPath: literalString(prop(d, 'ContainerPath')),
      permissions: listOf(permissions) === undefined ? undefined : literalStrings(permissions),
    };
  });
  const environment: Record<string, string> = {};
  for (const entry of listOf(c.Environment) ?? []) {
    const name = literalString(prop(entry, 'Name'));
    const value = literalString(prop(entry, 'Value'));
    if (name !== undefined && value !== undefined) {
      environment[name] = value;
    }
  }
  const own = literalString(c.InstanceType);
  return { targetNodes, instanceTypes: [...(own === undefined ? [] : [own]), ...rangeInstanceTypes], devices, environment };
}

/**
 * The containers of an `AWS::Batch::JobDefinition`: the one of `ContainerProperties` (a single-node job), and one per
 * `NodeProperties.NodeRangeProperties` entry with a `Container` (a multi-node parallel job). Multi-container
 * `EcsProperties` are not read.
 */
export function readJobDefinition(properties: JsonObject): JobContainer[] {
  const single = readJobContainer(properties.ContainerProperties, undefined, []);
  const ranges = (listOf(prop(properties.NodeProperties, 'NodeRangeProperties')) ?? []).map((range) => readJobContainer(
    prop(range, 'Container'),
    literalString(prop(range, 'TargetNodes')) ?? '?',
    literalStrings(prop(range, 'InstanceTypes')),
  ));
  return [single, ...ranges].filter((c): c is JobContainer => c !== undefined);
}
