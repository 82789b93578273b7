import { Annotations, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
// Types only: aws-eks-v2's enum values are read through eksV2() when a node group is created.
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
// A type only: EfaCluster.addEfaNodeGroup() creates node groups, so the cluster module imports this one at run time.
import type { EfaCluster } from './efa-cluster';
import { EfaKubernetesPlugin } from './efa-kubernetes-plugin';
import { EfaNodeGroupOptions } from './efa-node-group-options';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaKubernetesPodOptions, EfaLayout, EfaLayoutOptions } from '../core/layout';
import { amiTypeFindings, amiTypeFor } from './private/ami-types';
import { labelProblems, taintProblems } from './private/kubernetes-names';
import { eksV2 } from './private/lazy-modules';
import { EFA_SUPPORTED_LABEL, choosePlugin } from './private/plugin-chart';
import { warnOnPodNetworking } from './private/pod-networking';
import { Problem, definedKeys, echo, efaError, throwIfProblems } from '../core/private/errors';
import { mixedLayoutsProblem, mixedP4Problem } from '../core/private/fleet-rules';
import { EfaCapacity } from '../ec2/capacity';
import { EfaLaunchTemplate } from '../ec2/efa-launch-template';
import { offeringCheck } from '../ec2/offering-check';
import { EfaPlacement } from '../ec2/placement';
import { launchTemplateProblems } from '../ec2/private/launch-template-rules';
import { acknowledgeNagRules, managedPolicyRule } from '../ec2/private/nag';
import { chooseSubnet, subnetRequestProblems, warnIfReservationZoneUnchecked, warnOnIpBudget } from '../ec2/private/subnet-choice';

/**
 * Properties of an `EfaNodeGroup`.
 */
export interface EfaNodeGroupProps extends EfaNodeGroupOptions {
  /** The cluster, wrapped with `EfaCluster.fromClusterV2()` or `EfaCluster.fromCluster()`. */
  readonly cluster: EfaCluster;
}

/**
 * An EKS managed node group whose every node has all its EFA interfaces, in one subnet and one placement group, with
 * the Kubernetes side ready to schedule EFA pods.
 *
 * It uses the cluster's shared `EfaSecurityGroup` (or yours), attached next to the cluster security group; a cluster
 * placement group; an `EfaLaunchTemplate` that obeys the EKS rules (no `SubnetId`, no instance profile, no node group
 * `diskSize`); the `AWS::EKS::Nodegroup`, with the AMI type chosen from the instance type; a deploy-time check that
 * the subnet's Availability Zone offers the instance type; and, once per cluster, the EFA device plugin or DRA driver.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export class EfaNodeGroup extends Construct implements ec2.IConnectable {
  /** The node group's name. */
  public readonly nodegroupName: string;

  /** The node IAM role. */
  public readonly role: iam.IRole;

  /** The launch template. */
  public readonly launchTemplate: EfaLaunchTemplate;

  /** The network interfaces of each node, with counts, IP addresses per node and EFA bandwidth. */
  public readonly layout: EfaLayout;

  /** The AMI type. */
  public readonly amiType: eksv2.NodegroupAmiType;

  /**
   * The subnet ID the nodes launch in: the offering check's answer (a deploy-time value) when the check is on.
   */
  public readonly subnetId: string;

  /**
   * The placement group's name.
   *
   * @default - none, for `EfaPlacement.none()`
   */
  public readonly placementGroupName?: string;

  /** The Kubernetes plugin this node group relies on. */
  public readonly kubernetesPlugin: EfaKubernetesPlugin;

  constructor(scope: Construct, id: string, props: EfaNodeGroupProps) {
    super(scope, id);
    const cluster = props.cluster;
    const given = props.launchTemplate;
    const instanceTypes = props.instanceTypes ?? (given ? [new ec2.InstanceType(given.layout.instanceType)] : []);
    // The instance types' capabilities come first (the table reports an unknown type itself); then every problem of
    // the props, in one pass that throws once.
    const capabilities = capabilitiesOf(instanceTypes, props.capabilities, given);
    const scaling = scalingOf(props);
    const { CapacityType } = eksV2();
    // The deprecated capacityReservationId is a Capacity Block when capacityType says so.
    const capacity = given?.capacity ?? EfaCapacity._of({
      capacity: props.capacity,
      capacityReservationId: props.capacityReservationId,
      capacityBlock: props.capacityReservationId !== undefined && props.capacityType === CapacityType.CAPACITY_BLOCK ? true : undefined,
    });
    const capacityType = props.capacityType ?? (capacity.isCapacityBlock ? CapacityType.CAPACITY_BLOCK : CapacityType.ON_DEMAND);
    const amiType = props.amiType ?? sameAmiType(capabilities);
    const amiFindings = props.amiType === undefined ? { errors: [], warnings: [] } : amiTypeFindings(props.amiType, capabilities);
    const check = props.offeringCheck !== false;
    const subnetRequest = {
      subnet: props.subnet, vpcSubnets: props.vpcSubnets, availabilityZone: props.availabilityZone, availabilityZoneId: props.availabilityZoneId,
    };
    const plugin = choosePlugin(cluster.cluster, cluster.kubernetesVersion, props.kubernetesPlugin);
    const mixedP4 = mixedP4Problem(instanceTypes.map((t) => t.toString()));
    throwIfProblems(`EfaNodeGroup ${this.node.path}`, [
      ...launchTemplateOptionProblems(props),
      ...(instanceTypes.length === 0 ? [{ id: 'no-instance-type', message: 'needs instanceTypes (for example [new ec2.InstanceType(\'p5.48xlarge\')]) or a launchTemplate.' }] : []),
      ...capabilitiesProblems(instanceTypes, props.capabilities),
      ...scaling.problems,
      ...(amiType === undefined ? [mixedAmiTypesProblem(capabilities)] : []),
      ...amiFindings.errors,
      ...hugepagesProblems(props.hugepages2MiCount, amiType),
      ...(mixedP4 === undefined ? [] : [mixedP4]),
      ...capacityProblems(props, given, capacity, capacityType, instanceTypes.length),
      ...subnetRequestProblems(subnetRequest, check),
      ...plugin.problems,
      ...labelProblems(props.labels ?? {}),
      ...taintProblems(props.taints ?? []),
    ]);
    this.amiType = amiType!;
    amiFindings.warnings.forEach((w) => Annotations.of(this).addWarningV2('cdk-efa:ami-type-without-accelerator-drivers', w));
    warnOnScaling(this, scaling, capacityType);

    // The VPC CNI gives pods addresses on network card 0 only: the layout engine chooses the primary interface that
    // leaves it enough for max-pods (or checks the user's own launch template's layout).
    const podOptions: EfaKubernetesPodOptions = { maxPods: props.maxPods, prefixDelegation: props.vpcCniPrefixDelegation };
    const layoutOptions = { efaCount: props.efaCount, primaryInterface: props.primaryInterface, profile: props.profile };
    const chosen = given === undefined
      ? EfaLayout.forKubernetesNodes(capabilities[0], { ...layoutOptions, ...podOptions })
      : undefined;
    this.launchTemplate = given ?? new EfaLaunchTemplate(this, 'LaunchTemplate', {
      instanceType: instanceTypes[0],
      capabilities: capabilities[0],
      // With one type the template names it; with several, the node group lists them (EKS takes one or the other).
      includeInstanceType: instanceTypes.length === 1,
      efaCount: props.efaCount,
      primaryInterface: chosen!.primaryInterface,
      profile: props.profile,
      vpc: cluster.vpc,
      // One EFA security group per cluster, so that the cluster's node groups can exchange EFA traffic.
      securityGroup: props.securityGroup ?? cluster.sharedEfaSecurityGroup(),
      additionalSecurityGroups: [cluster.clusterSecurityGroup],
      efaOnlyInterfacesUseEfaSecurityGroupOnly: true,
      placement: props.placement,
      // The launch template owns the Capacity Block rules (a reservation, one instance type); this node group checked
      // them above with the launch template's own rule functions, and only asks the template afterwards.
      capacity,
      // Bottlerocket's /dev/xvda is its OS volume; images and data live on /dev/xvdb.
      rootDeviceName: this.amiType.startsWith('BOTTLEROCKET') ? '/dev/xvdb' : undefined,
      rootVolumeSizeGiB: props.rootVolumeSizeGiB,
      userData: props.hugepages2MiCount === undefined ? undefined : hugepagesUserData(props.hugepages2MiCount),
    });
    this.layout = this.launchTemplate.layout;
    const pods = chosen ?? EfaLayout.assessKubernetesPodIps(this.layout, podOptions);
    warnOnPodNetworking(this, pods);
    checkSameLayout(this, capabilities, this.layout, { ...layoutOptions, primaryInterface: pods.primaryInterface });
    this.placementGroupName = EfaPlacement._nameOf(this.launchTemplate.placementGroup);

    const reservationId = this.launchTemplate.capacityReservationId;
    const subnet = chooseSubnet(this, cluster.vpc, subnetRequest, {
      construct: 'EfaNodeGroup',
      multipleInterfaces: this.layout.interfaces.length > 1,
      // The deploy-time check chooses among the candidates the one in the reservation's Availability Zone.
      checkChooses: check && reservationId !== undefined,
    });
    warnIfReservationZoneUnchecked(this, 'EfaNodeGroup', reservationId, subnet.subnets[0], check);
    this.subnetId = check
      ? offeringCheck(this, subnet.subnetIds, instanceTypes, props.availabilityZoneId, reservationId)
      : subnet.subnetIds[0];
    warnOnIpBudget(this, subnet.cidrBlock, scaling.maxSize, capabilities[0], this.layout, props.podIpv4AddressesPerNode);

    if (plugin.chart !== undefined) {
      // Once per cluster: every node group of the cluster asks for the same chart and version (checked above).
      cluster._installChartOnce(plugin.chart.id, plugin.chart.settings);
    }
    this.kubernetesPlugin = plugin.plugin;
    const nodegroup = cluster._addNodegroup(this, 'NodeGroup', {
      nodegroupName: props.nodegroupName,
      subnets: { subnets: [subnet.subnets[0]] },
      subnetId: this.subnetId,
      amiType: this.amiType,
      capacityType,
      instanceTypes: this.launchTemplate.instanceType === undefined ? instanceTypes : undefined,
      minSize: scaling.minSize,
      desiredSize: scaling.desiredSize,
      maxSize: scaling.maxSize,
      labels: {
        ...props.labels,
        // cdk-efa's labels win: the EFA plugin's DaemonSet selects nodes by EFA_SUPPORTED_LABEL.
        [EFA_SUPPORTED_LABEL]: 'true',
        'cdk-efa.io/efa-count': String(this.layout.summary.efaCount),
      },
      taints: props.taints,
      nodeRole: props.nodeRole,
      launchTemplateSpec: { id: this.launchTemplate.launchTemplateId!, version: this.launchTemplate.latestVersionNumber },
    });
    this.nodegroupName = nodegroup.nodegroupName;
    this.role = nodegroup.role;
    acknowledgeNagRules(this, ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'].map((policy) => ({
      id: managedPolicyRule(policy),
      reason: `cdk-efa: EKS worker nodes need the ${policy} managed policy.`,
    })));
  }

  /** The security groups of the nodes' IP interfaces: the EFA group and the cluster security group. */
  public get connections(): ec2.Connections {
    return this.launchTemplate.connections;
  }
}

/**
 * The capabilities of each instance type: `capabilities` for the type it names (or for the one type, when there is
 * one), the launch template's for its type, and the table's for the others.
 */
function capabilitiesOf(
  instanceTypes: ec2.InstanceType[], given: InstanceTypeCapabilities | undefined, lt: EfaLaunchTemplate | undefined,
): InstanceTypeCapabilities[] {
  const single = instanceTypes.length === 1;
  return instanceTypes.map((t) => {
    const name = t.toString();
    if (given !== undefined && (single || name === given.instanceType)) {
      return given;
    }
    if (lt !== undefined && (name === lt.layout.instanceType || (single && Token.isUnresolved(name)))) {
      return lt.layout.capabilities;
    }
    return EfaInstanceTypes.lookup(name);
  });
}

/** `capabilities-mismatch`: `capabilities` for a type that is none of the node group's. */
function capabilitiesProblems(instanceTypes: ec2.InstanceType[], given: InstanceTypeCapabilities | undefined): Problem[] {
  const names = instanceTypes.map((t) => t.toString());
  if (given === undefined || names.length === 0 || names.includes(given.instanceType) || names.some((n) => Token.isUnresolved(n))) {
    return [];
  }
  return [{ id: 'capabilities-mismatch', message: `has capabilities for ${given.instanceType}, which is none of its instance types (${names.join(', ')}); pass capabilities of one of them.` }];
}

function launchTemplateOptionProblems(props: EfaNodeGroupProps): Problem[] {
  const lt = props.launchTemplate;
  if (lt === undefined) {
    return [];
  }
  const problems: Problem[] = [];
  const given = definedKeys({
    efaCount: props.efaCount,
    primaryInterface: props.primaryInterface,
    profile: props.profile,
    placement: props.placement,
    capacity: props.capacity,
    capacityReservationId: props.capacityReservationId,
    securityGroup: props.securityGroup,
    hugepages2MiCount: props.hugepages2MiCount,
    rootVolumeSizeGiB: props.rootVolumeSizeGiB,
    capabilities: props.capabilities,
  });
  if (given.length > 0) {
    problems.push({ id: 'conflicting-launch-template-options', message: `has a launchTemplate and also ${given.join(', ')}, which shape the launch template it would create; set them on your EfaLaunchTemplate instead.` });
  }
  if (lt.role !== undefined) {
    problems.push({ id: 'launch-template-instance-profile', message: `launch template ${lt.node.path} has an instance profile (role), which EKS managed node groups reject; remove \`role\` from the EfaLaunchTemplate and pass it as the node group's nodeRole.` });
  }
  return problems;
}

interface Scaling {
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  readonly problems: Problem[];
}

function scalingOf(props: Pick<EfaNodeGroupOptions, 'minSize' | 'desiredSize' | 'maxSize'>): Scaling {
  const minSize = props.minSize ?? 2;
  const desiredSize = props.desiredSize ?? minSize;
  // As aws-eks-v2 does: the default follows desiredSize even when it is a token (a CfnParameter), never Math.max on one.
  const maxSize = props.maxSize ?? desiredSize;
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries({ minSize, desiredSize, maxSize })) {
    if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0)) {
      problems.push({ id: 'invalid-scaling', message: `${name} is ${value}; give a whole number of nodes, 0 or more.` });
    }
  }
  // Compare only resolved values: a token is a large negative number in JavaScript.
  const resolved = (...values: number[]) => values.every((v) => !Token.isUnresolved(v));
  const ordered = (a: number, b: number) => !resolved(a, b) || a <= b;
  if (!ordered(minSize, desiredSize) || !ordered(desiredSize, maxSize) || !ordered(minSize, maxSize)) {
    problems.push({ id: 'invalid-scaling', message: `minSize ${echo(minSize)}, desiredSize ${echo(desiredSize)} and maxSize ${echo(maxSize)} must satisfy minSize <= desiredSize <= maxSize.` });
  }
  // A negative or fractional maxSize is reported above.
  if (maxSize === 0) {
    problems.push({ id: 'invalid-scaling', message: 'maxSize is 0, but an EKS managed node group needs a maxSize of at least 1.' });
  }
  return { minSize, desiredSize, maxSize, problems };
}

function warnOnScaling(scope: Construct, scaling: Scaling, capacityType: eksv2.CapacityType): void {
  const { desiredSize, maxSize } = scaling;
  if (!Token.isUnresolved(maxSize) && maxSize < 2) {
    Annotations.of(scope).addWarningV2('cdk-efa:fewer-than-two-nodes', `The node group can have at most ${maxSize} node, but EFA connects nodes to each other and needs at least 2 to be useful; raise maxSize (and desiredSize) to 2 or more.`);
  }
  if (capacityType === eksV2().CapacityType.CAPACITY_BLOCK && !Token.isUnresolved(desiredSize) && desiredSize > 0) {
    Annotations.of(scope).addWarningV2('cdk-efa:capacity-block-desired-size', `The Capacity Block node group has desiredSize ${desiredSize}, but EKS upgrades a Capacity Block node group only when its desired size is 0; set minSize and desiredSize to 0 and scale up within the block's time window, or acknowledge this warning.`);
  }
}

/**
 * The capacity type against the launch template: your own template's Capacity Block setting must match
 * `capacityType` (`capacity-type-mismatch`); the template the node group creates must pass the launch template's own
 * rules (Capacity Block, reservation and placement, root volume); Spot cannot use a capacity reservation
 * (`spot-with-capacity-reservation`).
 */
function capacityProblems(
  props: EfaNodeGroupProps, lt: EfaLaunchTemplate | undefined, capacity: EfaCapacity, capacityType: eksv2.CapacityType, typeCount: number,
): Problem[] {
  const block = capacityType === eksV2().CapacityType.CAPACITY_BLOCK;
  const problems: Problem[] = [];
  if (lt === undefined) {
    problems.push(...launchTemplateProblems({
      capacity: props.capacity,
      capacityReservationId: props.capacityReservationId,
      capacityBlock: block && props.capacity === undefined ? true : undefined,
      includeInstanceType: typeCount === 1,
      placement: props.placement,
      rootVolumeSizeGiB: props.rootVolumeSizeGiB,
    }));
  }
  if (block !== capacity.isCapacityBlock && (lt !== undefined || capacity.isReserved || props.capacity !== undefined)) {
    const source = lt === undefined ? 'capacity' : `launch template ${lt.node.path}`;
    const why = block
      ? `${source} is not a Capacity Block, and EKS launches a Capacity Block node group only from a template with the capacity-block market type; use capacity: EfaCapacity.capacityBlock(id)${lt === undefined ? '' : ' on your EfaLaunchTemplate'}`
      : `${source} is a Capacity Block, which EKS serves only to a CAPACITY_BLOCK node group; leave capacityType unset (it follows the capacity) or set it to CAPACITY_BLOCK`;
    problems.push({ id: 'capacity-type-mismatch', message: `has capacityType ${capacityType}, but ${why}.` });
  }
  if (capacityType === eksV2().CapacityType.SPOT && capacity.isReserved && !capacity.isCapacityBlock) {
    problems.push({ id: 'spot-with-capacity-reservation', message: `has capacityType SPOT and launches into capacity reservation ${echo(capacity.capacityReservationId)}, but a capacity reservation serves On-Demand instances only, so Spot launches cannot use it; use capacityType ON_DEMAND (the default) with the reservation, or remove the reservation for Spot.` });
  }
  return problems;
}

/** The one AMI type all the instance types need, or undefined when they need different ones (`mixedAmiTypesProblem`). */
function sameAmiType(capabilities: InstanceTypeCapabilities[]): eksv2.NodegroupAmiType | undefined {
  const types = new Set(capabilities.map(amiTypeFor));
  // No instance type (reported as `no-instance-type`): the most common default, never used.
  return types.size > 1 ? undefined : [...types][0] ?? eksV2().NodegroupAmiType.AL2023_X86_64_STANDARD;
}

function mixedAmiTypesProblem(capabilities: InstanceTypeCapabilities[]): Problem {
  const list = capabilities.map((c) => `${c.instanceType} needs ${amiTypeFor(c)}`).join(', ');
  return { id: 'mixed-ami-types', message: `mixes instance types that need different AMI types (${list}); a node group has one AMI type, so split them into separate node groups.` };
}

function hugepagesProblems(count: number | undefined, amiType: eksv2.NodegroupAmiType | undefined): Problem[] {
  if (count === undefined) {
    return [];
  }
  const problems: Problem[] = [];
  if (!Token.isUnresolved(count) && (!Number.isInteger(count) || count < 1)) {
    problems.push({ id: 'invalid-hugepages', message: `hugepages2MiCount is ${count}; give a whole number of 2 MiB pages, 1 or more (for example 5128), or leave it unset.` });
  }
  if (amiType !== undefined && amiType.startsWith('BOTTLEROCKET')) {
    problems.push({ id: 'hugepages-on-bottlerocket', message: `asks for hugepages2MiCount with AMI type ${amiType}; Bottlerocket takes kernel settings in its TOML settings, not in shell user data. Use an AL2023 AMI type, or set vm.nr_hugepages through Bottlerocket settings and leave hugepages2MiCount unset.` });
  }
  return problems;
}

function checkSameLayout(scope: Construct, capabilities: InstanceTypeCapabilities[], layout: EfaLayout, options: EfaLayoutOptions): void {
  const others = capabilities.slice(1).map((caps) => EfaLayout.recommended(caps, options));
  const problem = mixedLayoutsProblem([layout, ...others], 'one launch template', 'its own node group');
  if (problem !== undefined) {
    throw efaError(problem.id, `EfaNodeGroup ${scope.node.path} ${problem.message}`);
  }
}

function hugepagesUserData(count: number): ec2.UserData {
  const script = ec2.UserData.forLinux();
  script.addCommands(
    // As a string token, a CfnParameter's value resolves into the script (a number token would print as -1.888…e+289).
    `echo "vm.nr_hugepages = ${Token.asString(count)}" > /etc/sysctl.d/90-cdk-efa-hugepages.conf`,
    'sysctl --load /etc/sysctl.d/90-cdk-efa-hugepages.conf',
  );
  // EKS merges a MIME multipart user data with its own nodeadm configuration; the shell part runs before kubelet.
  const multipart = new ec2.MultipartUserData();
  multipart.addPart(ec2.MultipartBody.fromUserData(script));
  return multipart;
}
