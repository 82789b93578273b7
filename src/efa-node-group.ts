import { Annotations, CfnResource, CustomResource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { AcceleratorKind, InstanceTypeCapabilities } from './capabilities';
import { EfaCluster } from './efa-cluster';
import { EfaLaunchTemplate } from './efa-launch-template';
import { EfaInstanceTypes } from './instance-types';
import { EfaLayout, LayoutProfile, PrimaryInterface } from './layout';
import { EfaPlacement } from './placement';
import { familyOf } from './private/aws-recommendations';
import { Problem, definedKeys, efaError, throwIfProblems } from './private/errors';
import { DESCRIBE_REASON, LAMBDA_LOGS_REASON, PROVIDER_REASON, acknowledgeNagRules, managedPolicyRule } from './private/nag';
import { OfferingCheckFunction } from './private/offering-check-function';

/**
 * How EFA devices are offered to Kubernetes pods. Installed once per cluster as a Helm chart from the eks-charts
 * repository (https://aws.github.io/eks-charts); one cluster never gets both.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export class EfaKubernetesPlugin {
  /**
   * The EFA device plugin (Helm chart `aws-efa-k8s-device-plugin`), which offers the extended resource
   * `vpc.amazonaws.com/efa`. Works on every EKS Kubernetes version. If the NVIDIA device plugin 0.19 or later runs
   * on the same nodes, turn off its MOFED (`/dev/infiniband`) mounts.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static readonly DEVICE_PLUGIN = EfaKubernetesPlugin.devicePlugin('v0.5.30');

  /**
   * The EFA DRA driver, DRANET (Helm chart `aws-dranet`), with DeviceClass `efa.networking.k8s.aws`. Needs
   * Kubernetes 1.34 or later; not supported with Karpenter or EKS Auto Mode.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static readonly DRA_DRIVER = EfaKubernetesPlugin.draDriver('1.0.0');

  /**
   * Install nothing: you manage the EFA device plugin or DRA driver yourself.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static readonly NONE = new EfaKubernetesPlugin('none', '', '');

  /**
   * The EFA device plugin at another chart version.
   *
   * @param chartVersion a version of the `aws-efa-k8s-device-plugin` chart, for example `v0.5.30`
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static devicePlugin(chartVersion: string): EfaKubernetesPlugin {
    return new EfaKubernetesPlugin('device-plugin', 'aws-efa-k8s-device-plugin', chartVersion);
  }

  /**
   * The EFA DRA driver at another chart version.
   *
   * @param chartVersion a version of the `aws-dranet` chart, for example `1.0.0`
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static draDriver(chartVersion: string): EfaKubernetesPlugin {
    return new EfaKubernetesPlugin('dra-driver', 'aws-dranet', chartVersion);
  }

  private constructor(
    /** `device-plugin`, `dra-driver` or `none`. */
    public readonly name: string,
    /** The Helm chart's name; empty for `NONE`. */
    public readonly chart: string,
    /** The Helm chart's version; empty for `NONE`. */
    public readonly chartVersion: string,
  ) {}
}

/** Construct IDs of the per-cluster charts, under the cluster construct. */
const CHART_IDS: Record<string, string> = { 'device-plugin': 'EfaDevicePlugin', 'dra-driver': 'EfaDraDriver' };

/**
 * Everything an `EfaNodeGroup` takes except the cluster, for `EfaCluster.addEfaNodeGroup()`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export interface EfaNodeGroupOptions {
  /**
   * The instance types. Several are allowed only when their EFA layouts are identical (for example p5.48xlarge and
   * p5e.48xlarge); p4d and p4de never mix with other types, because they cannot exchange EFA traffic with them.
   *
   * @default - the instance type of `launchTemplate`; one of the two is required
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * How many EFA interfaces each node gets, a count.
   *
   * @default - the most AWS recommends for the type
   */
  readonly efaCount?: number;

  /**
   * The primary interface.
   *
   * @default - `PrimaryInterface.ENA` (see `EfaLayoutOptions.primaryInterface`)
   */
  readonly primaryInterface?: PrimaryInterface;

  /**
   * Extra ENA interfaces for IP bandwidth and addresses.
   *
   * @default LayoutProfile.SINGLE_IP
   */
  readonly profile?: LayoutProfile;

  /**
   * A launch template of your own, instead of the one the node group creates. It must have no instance profile
   * (`role`). Cannot be combined with the layout options, `placement`, `capacityReservationId`, `securityGroup` or
   * `hugepages2MiCount`, which shape the created template.
   *
   * @default - an `EfaLaunchTemplate` with construct ID `LaunchTemplate`
   */
  readonly launchTemplate?: EfaLaunchTemplate;

  /**
   * The EFA security group.
   *
   * @default - a new `EfaSecurityGroup` in the cluster's VPC
   */
  readonly securityGroup?: ec2.ISecurityGroup;

  /**
   * The placement group. Capacity reservations and Capacity Blocks need `EfaPlacement.none()` or the reservation's own
   * group.
   *
   * @default - `EfaPlacement.cluster()`; `EfaPlacement.none()` with a capacity reservation
   */
  readonly placement?: EfaPlacement;

  /**
   * The subnet the nodes launch in. EFA traffic does not cross subnets, so a node group uses exactly one.
   *
   * @default - chosen from `vpcSubnets`, `availabilityZone` and `availabilityZoneId` (see those)
   */
  readonly subnet?: ec2.ISubnet;

  /**
   * The subnets to choose the one subnet from.
   *
   * @default - the VPC's default selection (private subnets if it has any)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Only consider subnets in this Availability Zone (name, for example `us-east-1a`).
   *
   * @default - any
   */
  readonly availabilityZone?: string;

  /**
   * Only consider subnets in this Availability Zone ID (for example `use1-az4`), which names the same physical zone in
   * every account. Subnet AZ IDs are only known at deploy time, so this needs the offering check.
   *
   * @default - any
   */
  readonly availabilityZoneId?: string;

  /**
   * Check at deploy time, before the node group is created, that the subnet's Availability Zone offers the instance
   * types (a custom resource calling `DescribeSubnets` and `DescribeInstanceTypeOfferings`). A zone that does not
   * offer them fails the deployment within seconds, naming the AZ IDs that do.
   *
   * @default true
   */
  readonly offeringCheck?: boolean;

  /**
   * The capacity type.
   *
   * @default eksv2.CapacityType.ON_DEMAND
   */
  readonly capacityType?: eksv2.CapacityType;

  /**
   * The On-Demand Capacity Reservation or Capacity Block to launch into. Required with
   * `capacityType: CAPACITY_BLOCK`.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
   */
  readonly capacityReservationId?: string;

  /**
   * The AMI type.
   *
   * @default - from the instance type: `AL2023_X86_64_NVIDIA` or `AL2023_ARM_64_NVIDIA` for NVIDIA GPUs,
   *            `AL2023_X86_64_NEURON` for Trainium and Inferentia, `AL2023_X86_64_STANDARD` or
   *            `AL2023_ARM_64_STANDARD` otherwise
   */
  readonly amiType?: eksv2.NodegroupAmiType;

  /**
   * Minimum number of nodes. EFA needs at least 2 nodes to be useful.
   *
   * @default 2
   */
  readonly minSize?: number;

  /**
   * Desired number of nodes.
   *
   * @default - `minSize`
   */
  readonly desiredSize?: number;

  /**
   * Maximum number of nodes.
   *
   * @default - `desiredSize`
   */
  readonly maxSize?: number;

  /**
   * Kubernetes labels for the nodes, on top of `cdk-efa.io/efa-supported` and `cdk-efa.io/efa-count`.
   *
   * @default - only cdk-efa's labels
   */
  readonly labels?: Record<string, string>;

  /**
   * Kubernetes taints for the nodes.
   *
   * @default - none
   */
  readonly taints?: eksv2.TaintSpec[];

  /**
   * The node IAM role.
   *
   * @default - a role with the EKS worker node, CNI and ECR read-only managed policies
   */
  readonly nodeRole?: iam.IRole;

  /**
   * The name of the node group.
   *
   * @default - a name CloudFormation generates
   */
  readonly nodegroupName?: string;

  /**
   * How pods get EFA devices: the device plugin or the DRA driver, installed once per cluster.
   *
   * @default - `DRA_DRIVER` when the cluster's Kubernetes version is known and at least 1.34, else `DEVICE_PLUGIN`
   */
  readonly kubernetesPlugin?: EfaKubernetesPlugin;

  /**
   * Number of 2 MiB huge pages to reserve on each node (`vm.nr_hugepages`), for libfabric and NCCL. Set in a MIME
   * multipart user data part that runs before the node joins the cluster, so EKS merges it with its own.
   * Not available with Bottlerocket AMI types.
   *
   * @default - none reserved
   */
  readonly hugepages2MiCount?: number;

  /**
   * Size of each node's root volume, in GiB (set in the launch template; node groups with a launch template cannot
   * set `diskSize`).
   *
   * @default 100
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * IPv4 addresses the VPC CNI takes for pods on each node, used for the subnet IP budget warning, a count.
   *
   * @default - twice the type's `ipv4AddressesPerInterface` (the primary interface's secondary addresses plus the
   *            default warm interface), or 100 when that is unknown
   */
  readonly podIpv4AddressesPerNode?: number;
}

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
 * It creates (or takes from you) an `EfaSecurityGroup`, attached next to the cluster security group; a cluster
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
    checkLaunchTemplateOptions(this, props);
    const instanceTypes = props.instanceTypes ?? (props.launchTemplate ? [new ec2.InstanceType(props.launchTemplate.layout.instanceType)] : []);
    if (instanceTypes.length === 0) {
      throw efaError('no-instance-type', `EfaNodeGroup ${this.node.path} needs instanceTypes (for example [new ec2.InstanceType('p5.48xlarge')]) or a launchTemplate.`);
    }
    const capabilities = instanceTypes.map((t) => EfaInstanceTypes.lookup(t.toString()));
    const scaling = scalingOf(this, props);
    this.amiType = props.amiType ?? checkSameAmiType(this, capabilities);
    if (props.hugepages2MiCount !== undefined && this.amiType.startsWith('BOTTLEROCKET')) {
      throw efaError('hugepages-on-bottlerocket', `EfaNodeGroup ${this.node.path} asks for hugepages2MiCount with AMI type ${this.amiType}; Bottlerocket takes kernel settings in its TOML settings, not in shell user data. Use an AL2023 AMI type, or set vm.nr_hugepages through Bottlerocket settings and leave hugepages2MiCount unset.`);
    }
    if (props.capacityType === eksv2.CapacityType.CAPACITY_BLOCK && props.capacityReservationId === undefined) {
      throw efaError('capacity-block-without-reservation', `EfaNodeGroup ${this.node.path} has capacityType CAPACITY_BLOCK but no capacityReservationId; pass the Capacity Block's reservation ID (cr-...).`);
    }

    this.launchTemplate = props.launchTemplate ?? new EfaLaunchTemplate(this, 'LaunchTemplate', {
      instanceType: instanceTypes[0],
      // With one type the template names it; with several, the node group lists them (EKS takes one or the other).
      includeInstanceType: instanceTypes.length === 1,
      efaCount: props.efaCount,
      primaryInterface: props.primaryInterface,
      profile: props.profile,
      vpc: cluster.vpc,
      securityGroup: props.securityGroup,
      additionalSecurityGroups: [cluster.clusterSecurityGroup],
      efaOnlyInterfacesUseEfaSecurityGroupOnly: true,
      placement: props.placement,
      capacityReservationId: props.capacityReservationId,
      capacityBlock: props.capacityType === eksv2.CapacityType.CAPACITY_BLOCK,
      rootVolumeSizeGiB: props.rootVolumeSizeGiB,
      userData: props.hugepages2MiCount === undefined ? undefined : hugepagesUserData(props.hugepages2MiCount),
    });
    this.layout = this.launchTemplate.layout;
    checkSameLayout(this, capabilities, this.layout, props);
    this.placementGroupName = this.launchTemplate.placementGroup?.placementGroupName;

    const subnet = chooseSubnet(this, cluster, props);
    this.subnetId = props.offeringCheck === false
      ? subnet.subnetIds[0]
      : offeringCheck(this, subnet.subnetIds, instanceTypes, props.availabilityZoneId);
    warnOnIpBudget(this, subnet.cidrBlock, scaling.maxSize, capabilities[0], this.layout, props.podIpv4AddressesPerNode);

    this.kubernetesPlugin = installPlugin(this, cluster, props.kubernetesPlugin);
    const nodegroup = cluster._addNodegroup(this, 'NodeGroup', {
      nodegroupName: props.nodegroupName,
      subnets: { subnets: [subnet.subnets[0]] },
      subnetId: this.subnetId,
      amiType: this.amiType,
      capacityType: props.capacityType ?? eksv2.CapacityType.ON_DEMAND,
      instanceTypes: this.launchTemplate.instanceType === undefined ? instanceTypes : undefined,
      ...scaling,
      labels: {
        'cdk-efa.io/efa-supported': 'true',
        'cdk-efa.io/efa-count': String(this.layout.summary.efaCount),
        ...props.labels,
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

function checkLaunchTemplateOptions(scope: Construct, props: EfaNodeGroupProps): void {
  const lt = props.launchTemplate;
  if (lt === undefined) {
    return;
  }
  const given = definedKeys({
    efaCount: props.efaCount,
    primaryInterface: props.primaryInterface,
    profile: props.profile,
    placement: props.placement,
    capacityReservationId: props.capacityReservationId,
    securityGroup: props.securityGroup,
    hugepages2MiCount: props.hugepages2MiCount,
    rootVolumeSizeGiB: props.rootVolumeSizeGiB,
  });
  if (given.length > 0) {
    throw efaError('conflicting-launch-template-options', `EfaNodeGroup ${scope.node.path} has a launchTemplate and also ${given.join(', ')}, which shape the launch template it would create; set them on your EfaLaunchTemplate instead.`);
  }
  if (lt.role !== undefined) {
    throw efaError('launch-template-instance-profile', `EfaNodeGroup ${scope.node.path}: launch template ${lt.node.path} has an instance profile (role), which EKS managed node groups reject; remove \`role\` from the EfaLaunchTemplate and pass it as the node group's nodeRole.`);
  }
}

function scalingOf(scope: Construct, props: EfaNodeGroupOptions): { minSize: number; desiredSize: number; maxSize: number } {
  const minSize = props.minSize ?? 2;
  const desiredSize = props.desiredSize ?? minSize;
  const maxSize = props.maxSize ?? Math.max(desiredSize, minSize);
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries({ minSize, desiredSize, maxSize })) {
    if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0)) {
      problems.push({ id: 'invalid-scaling', message: `${name} is ${value}; give a whole number of nodes, 0 or more.` });
    }
  }
  const known = [minSize, desiredSize, maxSize].every((v) => !Token.isUnresolved(v));
  if (known && (minSize > desiredSize || desiredSize > maxSize)) {
    problems.push({ id: 'invalid-scaling', message: `minSize ${minSize}, desiredSize ${desiredSize} and maxSize ${maxSize} must satisfy minSize <= desiredSize <= maxSize.` });
  }
  if (known && maxSize < 1) {
    problems.push({ id: 'invalid-scaling', message: 'maxSize is 0, but an EKS managed node group needs a maxSize of at least 1.' });
  }
  throwIfProblems(`EfaNodeGroup ${scope.node.path}`, problems);
  if (known && maxSize < 2) {
    Annotations.of(scope).addWarningV2('cdk-efa:fewer-than-two-nodes', `The node group can have at most ${maxSize} node, but EFA connects nodes to each other and needs at least 2 to be useful; raise maxSize (and desiredSize) to 2 or more.`);
  }
  return { minSize, desiredSize, maxSize };
}

/** The EKS AMI type the hardware needs. */
function amiTypeFor(caps: InstanceTypeCapabilities): eksv2.NodegroupAmiType {
  const arm = caps.architecture === ec2.InstanceArchitecture.ARM_64;
  const accelerators = caps.accelerators ?? [];
  if (accelerators.some((a) => a.kind === AcceleratorKind.GPU && a.manufacturer === 'NVIDIA')) {
    return arm ? eksv2.NodegroupAmiType.AL2023_ARM_64_NVIDIA : eksv2.NodegroupAmiType.AL2023_X86_64_NVIDIA;
  }
  if (accelerators.some((a) => a.kind === AcceleratorKind.NEURON)) {
    return eksv2.NodegroupAmiType.AL2023_X86_64_NEURON;
  }
  return arm ? eksv2.NodegroupAmiType.AL2023_ARM_64_STANDARD : eksv2.NodegroupAmiType.AL2023_X86_64_STANDARD;
}

function checkSameAmiType(scope: Construct, capabilities: InstanceTypeCapabilities[]): eksv2.NodegroupAmiType {
  const types = capabilities.map(amiTypeFor);
  if (new Set(types).size > 1) {
    const list = capabilities.map((c, i) => `${c.instanceType} needs ${types[i]}`).join(', ');
    throw efaError('mixed-ami-types', `EfaNodeGroup ${scope.node.path} mixes instance types that need different AMI types (${list}); a node group has one AMI type, so split them into separate node groups.`);
  }
  return types[0];
}

function checkSameLayout(scope: Construct, capabilities: InstanceTypeCapabilities[], layout: EfaLayout, props: EfaNodeGroupOptions): void {
  if (capabilities.length < 2) {
    return;
  }
  const names = capabilities.map((c) => c.instanceType);
  const p4 = names.filter((n) => ['p4d', 'p4de'].includes(familyOf(n)));
  if (p4.length > 0 && p4.length < names.length) {
    throw efaError('p4d-mixed', `EfaNodeGroup ${scope.node.path} mixes ${p4.join(', ')} with ${names.filter((n) => !p4.includes(n)).join(', ')}, but p4d and p4de instances cannot exchange EFA traffic with other instance types; put them in a node group of their own.`);
  }
  const render = (l: EfaLayout) => l.interfaces.map((i) => `${i.networkCardIndex}/${i.deviceIndex} ${i.interfaceType}`);
  const reference = render(layout);
  const differences = capabilities.slice(1).flatMap((caps) => {
    const other = render(EfaLayout.recommended(caps, { efaCount: props.efaCount, primaryInterface: props.primaryInterface, profile: props.profile }));
    const missing = reference.filter((i) => !other.includes(i));
    const extra = other.filter((i) => !reference.includes(i));
    return missing.length + extra.length === 0 ? [] : [`${caps.instanceType} lacks [${missing.join(', ')}] and adds [${extra.join(', ')}] compared with ${layout.instanceType}`];
  });
  if (differences.length > 0) {
    throw efaError('mixed-layouts', `EfaNodeGroup ${scope.node.path} mixes instance types whose EFA layouts differ, but one launch template serves them all: ${differences.join('; ')}. Put each layout in its own node group.`);
  }
}

function hugepagesUserData(count: number): ec2.UserData {
  if (!Number.isInteger(count) || count < 1) {
    throw efaError('invalid-hugepages', `hugepages2MiCount is ${count}; give a whole number of 2 MiB pages, 1 or more (for example 5128), or leave it unset.`);
  }
  const script = ec2.UserData.forLinux();
  script.addCommands(
    `echo "vm.nr_hugepages = ${count}" > /etc/sysctl.d/90-cdk-efa-hugepages.conf`,
    'sysctl --load /etc/sysctl.d/90-cdk-efa-hugepages.conf',
  );
  // EKS merges a MIME multipart user data with its own nodeadm configuration; the shell part runs before kubelet.
  const multipart = new ec2.MultipartUserData();
  multipart.addPart(ec2.MultipartBody.fromUserData(script));
  return multipart;
}

interface ChosenSubnet {
  /** One subnet, or (with an AZ ID) the candidates the offering check chooses from, in order. */
  readonly subnets: ec2.ISubnet[];
  readonly subnetIds: string[];
  readonly cidrBlock?: string;
}

function chooseSubnet(scope: Construct, cluster: EfaCluster, props: EfaNodeGroupOptions): ChosenSubnet {
  if (props.subnet !== undefined) {
    if (props.vpcSubnets || props.availabilityZone || props.availabilityZoneId) {
      throw efaError('conflicting-subnet-options', `EfaNodeGroup ${scope.node.path} names a subnet and also vpcSubnets, availabilityZone or availabilityZoneId; give the subnet alone, or let cdk-efa choose.`);
    }
    return { subnets: [props.subnet], subnetIds: [props.subnet.subnetId], cidrBlock: cidrOf(props.subnet) };
  }
  let candidates = cluster.vpc.selectSubnets(props.vpcSubnets ?? {}).subnets;
  const zone = props.availabilityZone;
  if (zone !== undefined && !Token.isUnresolved(zone)) {
    const inZone = candidates.filter((s) => s.availabilityZone === zone);
    if (inZone.length === 0) {
      const zones = [...new Set(candidates.map((s) => s.availabilityZone))].join(', ');
      throw efaError('no-subnet-in-zone', `EfaNodeGroup ${scope.node.path}: no selected subnet is in availability zone ${zone} (the selected subnets are in ${zones}); choose one of those zones, or widen vpcSubnets.`);
    }
    candidates = inZone;
  }
  if (candidates.length === 0) {
    throw efaError('no-subnet', `EfaNodeGroup ${scope.node.path}: the VPC selection has no subnets; pass subnet or vpcSubnets.`);
  }
  if (props.availabilityZoneId !== undefined) {
    if (props.offeringCheck === false) {
      throw efaError('zone-id-needs-offering-check', `EfaNodeGroup ${scope.node.path} asks for availability zone ID ${props.availabilityZoneId}, but subnets' zone IDs are only known at deploy time, when the offering check runs; turn offeringCheck on, or name the subnet or availabilityZone.`);
    }
    return { subnets: candidates, subnetIds: candidates.map((s) => s.subnetId) };
  }
  const chosen = candidates[0];
  if (candidates.length > 1) {
    Annotations.of(scope).addWarningV2('cdk-efa:subnet-chosen', `EfaNodeGroup uses one subnet, because EFA traffic does not cross subnets and a cluster placement group lives in one Availability Zone; it picked ${chosen.node.path} (the first of ${candidates.length} selected subnets). Name subnet, availabilityZone or availabilityZoneId to choose, or acknowledge this warning.`);
  }
  return { subnets: [chosen], subnetIds: [chosen.subnetId], cidrBlock: cidrOf(chosen) };
}

function cidrOf(subnet: ec2.ISubnet): string | undefined {
  try {
    return Token.isUnresolved(subnet.ipv4CidrBlock) ? undefined : subnet.ipv4CidrBlock;
  } catch {
    // Subnets imported without a CIDR throw on access.
    return undefined;
  }
}

function warnOnIpBudget(
  scope: Construct, cidr: string | undefined, maxSize: number, caps: InstanceTypeCapabilities, layout: EfaLayout, podIps?: number,
): void {
  const prefix = cidr === undefined ? undefined : Number(cidr.split('/')[1]);
  if (prefix === undefined || !Number.isInteger(prefix) || Token.isUnresolved(maxSize)) {
    return;
  }
  // AWS reserves 5 addresses in every subnet.
  const usable = 2 ** (32 - prefix) - 5;
  const perNode = layout.summary.ipv4AddressesPerNode + (podIps ?? 2 * (caps.ipv4AddressesPerInterface ?? 50));
  if (maxSize * perNode > usable) {
    Annotations.of(scope).addWarningV2('cdk-efa:subnet-ip-budget', `maxSize ${maxSize} nodes × about ${perNode} IPv4 addresses each (${layout.summary.ipv4AddressesPerNode} for interfaces, the rest for pods) is ${maxSize * perNode}, more than the ${usable} usable addresses of subnet ${cidr}; use a larger subnet, fewer nodes, the SINGLE_IP profile, or VPC CNI prefix delegation.`);
  }
}

function offeringCheck(scope: Construct, subnetIds: string[], instanceTypes: ec2.InstanceType[], availabilityZoneId?: string): string {
  const stack = Stack.of(scope);
  const providerId = 'CdkEfaOfferingCheckProvider';
  const provider = (stack.node.tryFindChild(providerId) as cr.Provider | undefined) ?? createOfferingCheckProvider(stack, providerId);
  const check = new CustomResource(scope, 'OfferingCheck', {
    serviceToken: provider.serviceToken,
    resourceType: 'Custom::CdkEfaOfferingCheck',
    properties: {
      SubnetIds: subnetIds,
      InstanceTypes: instanceTypes.map((t) => t.toString()),
      AvailabilityZoneId: availabilityZoneId,
    },
  });
  return check.getAttString('SubnetId');
}

function createOfferingCheckProvider(stack: Stack, id: string): cr.Provider {
  const scope = new Construct(stack, `${id}Scope`);
  const onEventHandler = new OfferingCheckFunction(scope, 'Handler', {
    description: 'cdk-efa: checks that an EFA node group subnet offers its instance types',
  });
  onEventHandler.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ec2:DescribeSubnets', 'ec2:DescribeInstanceTypeOfferings'],
    resources: ['*'],
  }));
  const provider = new cr.Provider(stack, id, { onEventHandler });
  const handlerArn = `<${stack.getLogicalId(onEventHandler.node.defaultChild as CfnResource)}.Arn>:*`;
  const logs = { id: managedPolicyRule('service-role/AWSLambdaBasicExecutionRole'), reason: LAMBDA_LOGS_REASON };
  acknowledgeNagRules(scope, [logs, { id: 'AwsSolutions-IAM5[Resource::*]', reason: DESCRIBE_REASON }]);
  acknowledgeNagRules(provider, [logs, { id: `AwsSolutions-IAM5[Resource::${handlerArn}]`, reason: PROVIDER_REASON }]);
  return provider;
}

function installPlugin(scope: Construct, cluster: EfaCluster, asked?: EfaKubernetesPlugin): EfaKubernetesPlugin {
  const version = cluster.kubernetesVersion;
  const minor = version === undefined ? undefined : Number(version.split('.')[1]);
  const atLeast134 = minor !== undefined && version!.startsWith('1.') && minor >= 34;
  const plugin = asked ?? (atLeast134 ? EfaKubernetesPlugin.DRA_DRIVER : EfaKubernetesPlugin.DEVICE_PLUGIN);
  if (plugin.name === EfaKubernetesPlugin.NONE.name) {
    return plugin;
  }
  if (plugin.name === 'dra-driver' && minor !== undefined && !atLeast134) {
    throw efaError('dra-needs-1-34', `EfaNodeGroup ${scope.node.path} asks for the EFA DRA driver, but cluster ${cluster.cluster.node.path} runs Kubernetes ${version} and the driver needs 1.34 or later; use EfaKubernetesPlugin.DEVICE_PLUGIN or upgrade the cluster.`);
  }
  const id = CHART_IDS[plugin.name];
  const otherId = Object.values(CHART_IDS).find((v) => v !== id)!;
  if (cluster.cluster.node.tryFindChild(otherId) !== undefined) {
    throw efaError('both-efa-plugins', `EfaNodeGroup ${scope.node.path} asks for the ${plugin.chart} chart, but cluster ${cluster.cluster.node.path} already gets the other EFA plugin (${otherId}) from another node group, and the device plugin and the DRA driver must not run on one cluster; give every EFA node group of the cluster the same kubernetesPlugin.`);
  }
  // Once per cluster: the first node group's chart version wins.
  cluster._installChartOnce(id, {
    chart: plugin.chart,
    repository: 'https://aws.github.io/eks-charts',
    version: plugin.chartVersion,
    namespace: 'kube-system',
    release: plugin.chart,
    // The plugin must reach every EFA node, whatever taints the node groups carry.
    values: { tolerations: [{ operator: 'Exists' }] },
  });
  return plugin;
}
