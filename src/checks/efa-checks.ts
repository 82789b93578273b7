import { Annotations, CfnResource, IAspect, Stack, Token } from 'aws-cdk-lib';
import type { CfnAutoScalingGroupProps } from 'aws-cdk-lib/aws-autoscaling';
import type { CfnComputeEnvironmentProps } from 'aws-cdk-lib/aws-batch';
import type {
  CfnInstanceProps, CfnLaunchTemplateProps, CfnPlacementGroupProps, CfnSecurityGroupEgressProps, CfnSecurityGroupIngressProps,
  CfnSecurityGroupProps,
} from 'aws-cdk-lib/aws-ec2';
import type { CfnAddonProps, CfnNodegroupProps } from 'aws-cdk-lib/aws-eks';
import { IConstruct } from 'constructs';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaLayout } from '../core/layout';
import { InterfaceType, NetworkInterfaceSpec } from '../core/network-interface';
import { familyOf } from '../core/private/aws-recommendations';
import { isEfa, isNumberToken, layoutProblems, summarize } from '../core/private/layout-rules';

/**
 * Options for `EfaChecks`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export interface EfaChecksProps {
  /**
   * Report findings that would otherwise be errors as warnings, so that synthesis does not fail.
   *
   * @default false
   */
  readonly reportErrorsAsWarnings?: boolean;
}

/** Acknowledged rules, per construct: rule ID → reason. */
const ACKNOWLEDGEMENTS = new WeakMap<IConstruct, Map<string, string>>();

/**
 * An aspect that finds EFA mistakes anywhere in a CDK app, including in resources cdk-efa did not create.
 *
 * Add it once: `Aspects.of(app).add(new EfaChecks())`. It reads the L1 properties of every
 * `AWS::EC2::LaunchTemplate`, `AWS::EC2::Instance`, `AWS::EKS::Nodegroup`, `AWS::EKS::Addon`,
 * `AWS::AutoScaling::AutoScalingGroup`, `AWS::Batch::ComputeEnvironment`, security group and placement group (a launch
 * template's layout is checked against its own instance type and those of every resource that launches from it), and
 * reports, each with a stable rule ID (`cdk-efa:<id>`, listed in docs/errors.md):
 *
 * - errors: every layout rule EC2 enforces (`efa-only-primary`, `device-index-exceeds-card`, `multiple-efa-on-card`,
 *   `efa-on-ena-only-card`, `too-many-efa`, …); `security-group-missing-self-rules`;
 *   `public-ip-with-multiple-interfaces`; `placement-group-multiple-subnets`; `p4d-mixed`; `vpc-cni-too-old` (a
 *   `vpc-cni` add-on pinned below v1.18.5 in an app with `efa-only` interfaces);
 * - warnings: `efa-underused` (fewer EFAs than the type supports, with the Gbps left unused) and `efa-ip-per-card`
 *   (several `efa` interfaces, each burning an IP address).
 *
 * Resources are matched by their CloudFormation type, not by class, so the L1 classes of both `aws-eks` and
 * `aws-eks-v2` (each has its own `CfnNodegroup` and `CfnAddon`) are checked. Values that are unresolved tokens (an
 * instance type from a parameter, a security group imported by ID) are skipped, not guessed. Properties set with raw
 * `addPropertyOverride`, and plain `CfnResource`s without typed properties, are not seen. Acknowledge a finding on a
 * resource or any of its parents with `EfaChecks.acknowledge(scope, ruleId, reason)`; warnings can also be
 * acknowledged with `Annotations.of(scope).acknowledgeWarning('cdk-efa:<id>')`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export class EfaChecks implements IAspect {
  /**
   * Acknowledges a rule for `scope` and everything below it, so `EfaChecks` does not report it there.
   *
   * @param scope the resource, or a construct above it
   * @param ruleId the rule ID, with or without the `cdk-efa:` prefix, for example `efa-underused`
   * @param reason why the finding is acceptable; recorded for reviewers
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
    const rules = ACKNOWLEDGEMENTS.get(scope) ?? new Map<string, string>();
    rules.set(ruleId.replace(/^cdk-efa:/, ''), reason);
    ACKNOWLEDGEMENTS.set(scope, rules);
  }

  private readonly reportErrorsAsWarnings: boolean;

  constructor(props: EfaChecksProps = {}) {
    this.reportErrorsAsWarnings = props.reportErrorsAsWarnings ?? false;
  }

  /**
   * Checks every stack once, when the aspect reaches it.
   *
   * @param node the construct the aspect visits
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public visit(node: IConstruct): void {
    if (Stack.isStack(node)) {
      for (const finding of new StackChecker(node).findings()) {
        this.report(finding);
      }
    }
  }

  private report(finding: Finding): void {
    const acknowledged = finding.resource.node.scopes.some((scope) => ACKNOWLEDGEMENTS.get(scope)?.has(finding.id));
    if (acknowledged) {
      return;
    }
    if (finding.severity === 'error' && !this.reportErrorsAsWarnings) {
      Annotations.of(finding.resource).addError(`${finding.message} [cdk-efa:${finding.id}]`);
    } else {
      Annotations.of(finding.resource).addWarningV2(`cdk-efa:${finding.id}`, finding.message);
    }
  }
}

interface Finding {
  readonly id: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly resource: CfnResource;
}

/** One interface as the template states it; `groups` are security group logical IDs (undefined: not in this stack). */
interface TemplateInterface extends NetworkInterfaceSpec {
  readonly groups?: Array<string | undefined>;
  readonly publicIp: boolean;
}

/** A launch template: network interfaces and what they run on. */
interface Launch {
  readonly resource: CfnResource;
  readonly instanceType?: string;
  readonly interfaces: TemplateInterface[];
  readonly securityGroups?: Array<string | undefined>;
  readonly placementGroup?: unknown;
}

/** A resource that launches from a launch template: node group, Auto Scaling group, Batch compute environment. */
interface Consumer {
  readonly resource: CfnResource;
  readonly launchTemplate?: string;
  readonly instanceTypes: string[];
  readonly subnets?: unknown[];
  readonly placementGroup?: unknown;
}

type Resolved = Record<string, any>;

/**
 * An L1 resource found by its CloudFormation type, with the typed properties of its L1 class.
 *
 * Twin L1 classes (aws-eks and aws-eks-v2 `CfnNodegroup`, or two copies of aws-cdk-lib) are distinct classes with the
 * same property names, so properties are read by name and `instanceof` is never used.
 */
type L1<Props> = CfnResource & Partial<Props>;

/** The oldest Amazon VPC CNI that supports `efa-only` interfaces. */
const MIN_VPC_CNI_FOR_EFA_ONLY: readonly number[] = [1, 18, 5];

/** Reads one stack's L1 resources, resolved, and applies the rules. */
class StackChecker {
  private readonly resources: CfnResource[];
  private readonly findingsByKey = new Map<string, Finding>();

  constructor(private readonly stack: Stack) {
    this.resources = stack.node.findAll()
      .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === stack);
  }

  public findings(): Finding[] {
    const launches = this.launchTemplates();
    const consumers = this.consumers();
    for (const launch of launches) {
      const users = consumers.filter((c) => c.launchTemplate === this.logicalId(launch.resource));
      const types = new Set([launch.instanceType, ...users.flatMap((u) => u.instanceTypes)].filter((t): t is string => t !== undefined));
      this.checkLaunch(launch, [...types]);
      for (const user of users) {
        this.checkPlacement(user.resource, user.placementGroup ?? launch.placementGroup, user.subnets);
      }
    }
    for (const consumer of consumers) {
      this.checkMixedP4(consumer);
      if (consumer.launchTemplate === undefined) {
        this.checkPlacement(consumer.resource, consumer.placementGroup, consumer.subnets);
      }
    }
    this.checkVpcCni();
    return [...this.findingsByKey.values()];
  }

  private add(resource: CfnResource, severity: Finding['severity'], id: string, message: string): void {
    this.findingsByKey.set(`${resource.node.path}|${id}|${message}`, { resource, severity, id, message });
  }

  private logicalId(resource: CfnResource): string {
    return this.stack.resolve(resource.logicalId);
  }

  private resolve(value: unknown): any {
    return value === undefined ? undefined : this.stack.resolve(value);
  }

  /** This stack's L1 resources of a CloudFormation type, such as `AWS::EKS::Nodegroup`. */
  private ofType<Props>(cfnType: string): Array<L1<Props>> {
    return ofCfnType<Props>(this.resources, cfnType);
  }

  private launchTemplates(): Launch[] {
    return this.ofType<CfnLaunchTemplateProps>('AWS::EC2::LaunchTemplate').map((lt) => {
      const data: Resolved = this.resolve(lt.launchTemplateData) ?? {};
      return {
        resource: lt,
        instanceType: literal(data.instanceType),
        interfaces: (asList(data.networkInterfaces) ?? []).map((i: Resolved) => templateInterface(i)),
        securityGroups: asList(data.securityGroupIds)?.map(refTarget),
        placementGroup: data.placement?.groupName,
      };
    });
  }

  private consumers(): Consumer[] {
    const nodegroups = this.ofType<CfnNodegroupProps>('AWS::EKS::Nodegroup').map((ng) => ({
      resource: ng,
      launchTemplate: refTarget(this.resolve(ng.launchTemplate)?.id),
      instanceTypes: literals(this.resolve(ng.instanceTypes)),
      subnets: asList(this.resolve(ng.subnets)),
    }));
    const groups = this.ofType<CfnAutoScalingGroupProps>('AWS::AutoScaling::AutoScalingGroup').map((asg) => {
      const mixed: Resolved | undefined = this.resolve(asg.mixedInstancesPolicy)?.launchTemplate;
      const spec: Resolved | undefined = this.resolve(asg.launchTemplate) ?? mixed?.launchTemplateSpecification;
      return {
        resource: asg,
        launchTemplate: refTarget(spec?.launchTemplateId),
        instanceTypes: literals((asList(mixed?.overrides) ?? []).map((o: Resolved) => o.instanceType)),
        subnets: asList(this.resolve(asg.vpcZoneIdentifier)),
        placementGroup: this.resolve(asg.placementGroup),
      };
    });
    const batch = this.ofType<CfnComputeEnvironmentProps>('AWS::Batch::ComputeEnvironment').map((ce) => {
      const compute: Resolved = this.resolve(ce.computeResources) ?? {};
      return {
        resource: ce,
        launchTemplate: refTarget(compute.launchTemplate?.launchTemplateId),
        instanceTypes: literals(compute.instanceTypes),
        subnets: asList(compute.subnets),
        placementGroup: compute.placementGroup,
      };
    });
    // An instance takes EFA interfaces only from a launch template (AWS::EC2::Instance has no InterfaceType).
    const instances = this.ofType<CfnInstanceProps>('AWS::EC2::Instance').map((instance) => ({
      resource: instance,
      launchTemplate: refTarget(this.resolve(instance.launchTemplate)?.launchTemplateId),
      instanceTypes: literals([this.resolve(instance.instanceType)]),
    }));
    return [...nodegroups, ...groups, ...batch, ...instances];
  }

  private checkLaunch(launch: Launch, instanceTypes: string[]): void {
    const { resource, interfaces } = launch;
    if (!interfaces.some((i) => isEfa(i.interfaceType))) {
      return;
    }
    if (interfaces.length > 1 && interfaces.some((i) => i.publicIp)) {
      this.add(resource, 'error', 'public-ip-with-multiple-interfaces', `A public IP is asked for on a launch with ${interfaces.length} network interfaces, but EC2 cannot assign one when a launch has more than one; launch into a private subnet, or use a single interface.`);
    }
    const ipEfa = interfaces.filter((i) => i.interfaceType === InterfaceType.EFA).length;
    if (ipEfa > 1) {
      this.add(resource, 'warning', 'efa-ip-per-card', `${ipEfa} 'efa' interfaces each take an IP address, so every node consumes ${ipEfa} subnet addresses; make all but the primary 'efa-only' (no IP) to use one address per node with the same EFA bandwidth.`);
    }
    this.checkSecurityGroups(launch);
    for (const type of instanceTypes) {
      this.checkLayout(resource, type, interfaces);
    }
  }

  private checkLayout(resource: CfnResource, instanceType: string, interfaces: TemplateInterface[]): void {
    const caps = EfaInstanceTypes.tryLookup(instanceType);
    if (caps === undefined) {
      return;
    }
    const problems = layoutProblems(caps, interfaces);
    for (const problem of problems) {
      this.add(resource, 'error', problem.id, problem.message);
    }
    if (problems.length > 0 || interfaces.some((i) => isNumberToken(i.networkCardIndex) || isNumberToken(i.deviceIndex))) {
      return;
    }
    const used = summarize(caps, interfaces);
    const best = EfaLayout.recommended(caps).summary;
    if (used.efaCount < best.efaCount) {
      const unused = Math.round((best.efaBandwidthInGbps - used.efaBandwidthInGbps) * 100) / 100;
      this.add(resource, 'warning', 'efa-underused', `${instanceType} supports ${best.efaCount} EFA interfaces, but this launch exposes ${used.efaCount}, leaving ${unused} Gbps of EFA bandwidth unused; add efa-only interfaces on the other cards (EfaLaunchTemplate or EfaLayout.recommended lays them out), or acknowledge this warning if fewer is intended.`);
    }
  }

  private checkSecurityGroups(launch: Launch): void {
    for (const iface of launch.interfaces.filter((i) => isEfa(i.interfaceType))) {
      const groups = iface.groups ?? launch.securityGroups ?? [];
      const known = groups.map((g) => (g === undefined ? undefined : this.securityGroup(g)));
      if (groups.length === 0 || known.some((g) => g === undefined)) {
        // A group imported by ID, or none at all in the template: its rules are not visible here.
        continue;
      }
      const rules = known as SecurityGroupRules[];
      const missing = [
        ...(rules.some((g) => g.selfIngress) ? [] : ['ingress from itself']),
        ...(rules.some((g) => g.selfEgress) ? [] : ['egress to itself']),
      ];
      if (missing.length > 0) {
        this.add(launch.resource, 'error', 'security-group-missing-self-rules', `The security groups of the EFA interface at network card ${iface.networkCardIndex} device ${iface.deviceIndex} (${rules.map((g) => g.path).join(', ')}) lack a rule allowing all traffic (${missing.join(' and ')}); EFA traffic is dropped without both. Use EfaSecurityGroup, or call EfaSecurityGroup.addEfaRules(group).`);
      }
    }
  }

  private securityGroup(logicalId: string): SecurityGroupRules | undefined {
    const sg = this.ofType<CfnSecurityGroupProps>('AWS::EC2::SecurityGroup').find((g) => this.logicalId(g) === logicalId);
    if (sg === undefined) {
      return undefined;
    }
    const allTraffic = (protocol: unknown) => String(protocol) === '-1';
    const inline = (rules: unknown, peerKey: string) => (asList(this.resolve(rules)) ?? [])
      .some((r: Resolved) => allTraffic(r.ipProtocol) && refTarget(r[peerKey]) === logicalId);
    const selfRule = (rule: { groupId: unknown; peer: unknown; ipProtocol: unknown }) => {
      const r: Resolved = this.resolve(rule);
      return allTraffic(r.ipProtocol) && refTarget(r.groupId) === logicalId && refTarget(r.peer) === logicalId;
    };
    const ingress = this.ofType<CfnSecurityGroupIngressProps>('AWS::EC2::SecurityGroupIngress')
      .some((r) => selfRule({ groupId: r.groupId, peer: r.sourceSecurityGroupId, ipProtocol: r.ipProtocol }));
    const egress = this.ofType<CfnSecurityGroupEgressProps>('AWS::EC2::SecurityGroupEgress')
      .some((r) => selfRule({ groupId: r.groupId, peer: r.destinationSecurityGroupId, ipProtocol: r.ipProtocol }));
    return {
      path: sg.node.path,
      selfIngress: ingress || inline(sg.securityGroupIngress, 'sourceSecurityGroupId'),
      selfEgress: egress || inline(sg.securityGroupEgress, 'destinationSecurityGroupId'),
    };
  }

  private checkPlacement(resource: CfnResource, placementGroup: unknown, subnets: unknown[] | undefined): void {
    const groupId = refTarget(placementGroup);
    const group = this.ofType<CfnPlacementGroupProps>('AWS::EC2::PlacementGroup').find((g) => this.logicalId(g) === groupId);
    if (group === undefined || this.resolve(group.strategy) !== 'cluster' || subnets === undefined || subnets.length < 2) {
      return;
    }
    this.add(resource, 'error', 'placement-group-multiple-subnets', `This launches into cluster placement group ${group.node.path} across ${subnets.length} subnets, but a cluster placement group lives in one Availability Zone and EFA traffic stays in one subnet; scaling and updates fail with "Instances in the Placement Group must be launched in the same AZ". Use exactly one subnet.`);
  }

  private checkMixedP4(consumer: Consumer): void {
    const types = consumer.instanceTypes;
    const p4 = types.filter((t) => ['p4d', 'p4de'].includes(familyOf(t)));
    if (p4.length > 0 && p4.length < types.length) {
      this.add(consumer.resource, 'error', 'p4d-mixed', `This mixes ${p4.join(', ')} with ${types.filter((t) => !p4.includes(t)).join(', ')}, but p4d and p4de instances cannot exchange EFA traffic with other instance types; give them a group of their own.`);
    }
  }

  /**
   * `efa-only` interfaces need Amazon VPC CNI 1.18.5 or later. An add-on pinned to an older version is reported when
   * the app (any stack) has a launch template with an `efa-only` interface; an app without one can pin any version.
   * Node groups may sit in another stack than the add-on and reach their cluster through cross-stack references, so
   * the whole app is searched rather than the add-on's cluster.
   */
  private checkVpcCni(): void {
    const pinned = this.ofType<CfnAddonProps>('AWS::EKS::Addon')
      .map((addon) => ({ addon, name: literal(this.resolve(addon.addonName)), version: literal(this.resolve(addon.addonVersion)) }))
      .filter(({ name, version }) => name === 'vpc-cni' && version !== undefined && isOlderVersion(version, MIN_VPC_CNI_FOR_EFA_ONLY));
    if (pinned.length === 0) {
      return;
    }
    const users = efaOnlyLaunchTemplates(this.stack.node.root);
    if (users.length === 0) {
      return;
    }
    const shown = users.slice(0, 3).join(', ') + (users.length > 3 ? ` and ${users.length - 3} more` : '');
    for (const { addon, version } of pinned) {
      this.add(addon, 'error', 'vpc-cni-too-old', `The vpc-cni add-on is pinned to ${version}, but efa-only network interfaces (in ${shown}) need Amazon VPC CNI v1.18.5 or later (EKS User Guide, "node-efa"). Set addonVersion to a v1.18.5 or later build (aws eks describe-addon-versions --addon-name vpc-cni), or acknowledge this finding if those interfaces never run on this cluster.`);
    }
  }
}

interface SecurityGroupRules {
  readonly path: string;
  readonly selfIngress: boolean;
  readonly selfEgress: boolean;
}

/** The logical ID a resolved `{ Ref }` or `{ Fn::GetAtt }` points at. */
function refTarget(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Resolved;
  if (typeof v.Ref === 'string') {
    return v.Ref;
  }
  const getAtt = v['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** A resolved literal string, or undefined for intrinsics and tokens. */
function literal(value: unknown): string | undefined {
  return typeof value === 'string' && !Token.isUnresolved(value) ? value : undefined;
}

function literals(values: unknown): string[] {
  return (asList(values) ?? []).map(literal).filter((v): v is string => v !== undefined);
}

/** A resolved list, or undefined when the list itself is an intrinsic (for example `Fn::Split`). */
function asList(value: unknown): any[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** The L1 resources of a CloudFormation type among `resources`, matched by `cfnResourceType` (see `L1`). */
function ofCfnType<Props>(resources: CfnResource[], cfnType: string): Array<L1<Props>> {
  return resources.filter((r) => r.cfnResourceType === cfnType) as Array<L1<Props>>;
}

/** One resolved launch template interface. */
function templateInterface(i: Resolved): TemplateInterface {
  const index = (value: unknown) => (typeof value === 'number' ? value : (value === undefined ? 0 : Token.asNumber(value)));
  return {
    networkCardIndex: index(i.networkCardIndex),
    deviceIndex: index(i.deviceIndex),
    interfaceType: (i.interfaceType ?? InterfaceType.INTERFACE) as InterfaceType,
    groups: asList(i.groups)?.map(refTarget),
    publicIp: i.associatePublicIpAddress === true || i.associatePublicIpAddress === 'true',
  };
}

/** The paths of the launch templates, in every stack under `root`, that have an `efa-only` interface. */
function efaOnlyLaunchTemplates(root: IConstruct): string[] {
  const resources = root.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
  return ofCfnType<CfnLaunchTemplateProps>(resources, 'AWS::EC2::LaunchTemplate')
    .filter((lt) => {
      const data: Resolved = Stack.of(lt).resolve(lt.launchTemplateData) ?? {};
      return (asList(data.networkInterfaces) ?? []).some((i: Resolved) => templateInterface(i).interfaceType === InterfaceType.EFA_ONLY);
    })
    .map((lt) => lt.node.path);
}

/**
 * Whether an add-on version such as `v1.18.3-eksbuild.1` is older than `minimum` (major, minor, patch). A version
 * that does not start with `v<major>.<minor>.<patch>` is not judged.
 */
function isOlderVersion(version: string, minimum: readonly number[]): boolean {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) {
    return false;
  }
  const parts = match.slice(1, 4).map(Number);
  for (let i = 0; i < minimum.length; i++) {
    if (parts[i] !== minimum[i]) {
      return parts[i] < minimum[i];
    }
  }
  return false;
}
