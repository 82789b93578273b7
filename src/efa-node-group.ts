import { Annotations, CfnResource, CustomResource, Duration, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { AcceleratorKind, InstanceTypeCapabilities } from './capabilities';
import { EfaCluster } from './efa-cluster';
import { EfaLaunchTemplate } from './efa-launch-template';
import { EfaInstanceTypes } from './instance-types';
import { EfaKubernetesLayout, EfaKubernetesPodOptions, EfaLayout, LayoutProfile, PrimaryInterface } from './layout';
import { InterfaceType } from './network-interface';
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

/** The node label every EfaNodeGroup node carries, and the EFA plugin's DaemonSet selects by. */
const EFA_SUPPORTED_LABEL = 'cdk-efa.io/efa-supported';

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
   * @default - chosen for the Amazon VPC CNI by `EfaLayout.forKubernetesNodes()`: `PrimaryInterface.ENA`, as AWS
   *            recommends, unless AWS's `efa-only` at network card 0 device 1 would leave the CNI fewer pod IPv4
   *            addresses than max-pods needs (p5, p5e, p5en, trn2, hpc7a and other types whose card 0 takes 2
   *            interfaces); then `PrimaryInterface.EFA`, which keeps the same EFA count
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
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
   * (`role`). Cannot be combined with the layout options, `placement`, `capacityReservationId`, `securityGroup`,
   * `hugepages2MiCount` or `rootVolumeSizeGiB`, which shape the created template. Its capacity reservation and
   * Capacity Block setting (`capacityBlock: true`) apply to the node group.
   *
   * @default - an `EfaLaunchTemplate` with construct ID `LaunchTemplate`
   */
  readonly launchTemplate?: EfaLaunchTemplate;

  /**
   * The EFA security group. EFA traffic flows only between members of one EFA security group, so node groups that
   * exchange EFA traffic (for example an On-Demand group and a Capacity Block group of one training job) must share
   * it.
   *
   * @default - the cluster's shared `EfaSecurityGroup`, created once per cluster as a child of the cluster construct
   *            (construct ID `EfaSecurityGroup`) and used by every EFA node group of the cluster that names no group
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
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
   * It must not be one of the VPC's public subnets (`cdk-efa:public-subnet`): a node with several network interfaces
   * gets no public IPv4 address, so without a NAT gateway it reaches neither EKS nor ECR and never joins. A subnet
   * that is in none of the VPC's subnet lists gets a warning (`cdk-efa:subnet-type-unknown`). With a capacity
   * reservation the subnet must be in the reservation's Availability Zone; the offering check verifies it.
   *
   * @default - chosen from `vpcSubnets`, `availabilityZone` and `availabilityZoneId` (see those)
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  readonly subnet?: ec2.ISubnet;

  /**
   * The subnets to choose the one subnet from. Public subnets are left out of the choice (see `subnet`); a selection
   * of public subnets only is an error.
   *
   * @default - the VPC's default selection (private subnets if it has any, else isolated ones), never public subnets
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
   * offer them fails the deployment within seconds, naming the AZ IDs that do. With a capacity reservation it also
   * reads the reservation (`DescribeCapacityReservations`) and chooses, or verifies, a subnet in its Availability
   * Zone; turning the check off then gets a warning (`cdk-efa:reservation-zone-unchecked`).
   *
   * @default true
   */
  readonly offeringCheck?: boolean;

  /**
   * The capacity type. `CAPACITY_BLOCK` needs a launch template for a Capacity Block: the created one is, given
   * `capacityReservationId`; your own one needs `capacityBlock: true` (`cdk-efa:capacity-type-mismatch`).
   *
   * @default - `CAPACITY_BLOCK` when `launchTemplate` is for a Capacity Block, else `ON_DEMAND`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
   */
  readonly capacityType?: eksv2.CapacityType;

  /**
   * The On-Demand Capacity Reservation or Capacity Block to launch into (`cr-…`), put in the created launch template.
   * Required with `capacityType: CAPACITY_BLOCK`, unless your `launchTemplate` carries it. The subnet must be in the
   * reservation's Availability Zone: the offering check reads the reservation and chooses, or verifies, the subnet.
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
   * Desired number of nodes. A Capacity Block node group with a desired size above 0 gets a warning
   * (`cdk-efa:capacity-block-desired-size`): EKS upgrades such a group only at desired size 0.
   *
   * @default - `minSize`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
   */
  readonly desiredSize?: number;

  /**
   * Maximum number of nodes.
   *
   * @default - `desiredSize`, tokens included
   */
  readonly maxSize?: number;

  /**
   * Kubernetes labels for the nodes, on top of `cdk-efa.io/efa-supported` and `cdk-efa.io/efa-count`. cdk-efa's own
   * labels win over labels of the same key here: the EFA plugin's DaemonSet selects nodes by
   * `cdk-efa.io/efa-supported=true`.
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
   * How pods get EFA devices: the device plugin or the DRA driver, installed once per cluster. Its DaemonSet runs on
   * the nodes labelled `cdk-efa.io/efa-supported=true` (every `EfaNodeGroup` node), not on the chart's built-in list
   * of instance types, which lags behind EC2.
   *
   * @default - `DRA_DRIVER` when the cluster's Kubernetes version is known and at least 1.34, else `DEVICE_PLUGIN`
   */
  readonly kubernetesPlugin?: EfaKubernetesPlugin;

  /**
   * Number of 2 MiB huge pages to reserve on each node (`vm.nr_hugepages`), for libfabric and NCCL. Set in a MIME
   * multipart user data part that runs before the node joins the cluster, so EKS merges it with its own.
   * Not available with Bottlerocket AMI types. The EKS-optimized AL2023 accelerated AMIs (NVIDIA, Neuron) already
   * reserve 5128 pages; set this only to change that.
   *
   * @default - none reserved by cdk-efa (the AMI's own setting applies)
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   */
  readonly hugepages2MiCount?: number;

  /**
   * Size of each node's root volume, in GiB (set in the launch template; node groups with a launch template cannot
   * set `diskSize`). With a Bottlerocket AMI type it sizes the data volume `/dev/xvdb`, where container images live,
   * and leaves the OS volume `/dev/xvda` as the AMI has it.
   *
   * @default 100
   * @see https://github.com/bottlerocket-os/bottlerocket#default-volumes
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * IPv4 addresses the VPC CNI takes for pods on each node, used for the subnet IP budget warning, a count.
   *
   * @default - twice the type's `ipv4AddressesPerInterface` (the primary interface's secondary addresses plus the
   *            default warm interface), or 100 when that is unknown
   */
  readonly podIpv4AddressesPerNode?: number;

  /**
   * The kubelet's max-pods on the nodes, a count of pods, when you set it yourself (for example in a nodeadm
   * `NodeConfig`). cdk-efa does not set it: it checks that the layout leaves the Amazon VPC CNI `maxPods − 2` pod IPv4
   * addresses, chooses the primary interface by it, and warns (`cdk-efa:pod-ip-shortfall`) when no layout does.
   *
   * @default - what EKS sets: network card 0's interfaces × (IPv4 addresses per interface − 1) + 2, at most 250; 250
   *            with `vpcCniPrefixDelegation`
   * @throws if it is not a whole number of at least 1
   * @see https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html
   */
  readonly maxPods?: number;

  /**
   * Whether the cluster's Amazon VPC CNI runs with prefix delegation (`ENABLE_PREFIX_DELEGATION=true`), which gives
   * each of network card 0's interfaces 16 times the pod addresses. cdk-efa does not configure the CNI; this only
   * informs the pod-address check (see `maxPods`).
   *
   * @default false
   * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
   */
  readonly vpcCniPrefixDelegation?: boolean;
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

    // The VPC CNI gives pods addresses on network card 0 only: the layout engine chooses the primary interface that
    // leaves it enough for max-pods (or checks the user's own launch template's layout).
    const podOptions: EfaKubernetesPodOptions = { maxPods: props.maxPods, prefixDelegation: props.vpcCniPrefixDelegation };
    const layoutOptions = { efaCount: props.efaCount, primaryInterface: props.primaryInterface, profile: props.profile };
    const chosen = props.launchTemplate === undefined
      ? EfaLayout.forKubernetesNodes(capabilities[0], { ...layoutOptions, ...podOptions })
      : undefined;
    this.launchTemplate = props.launchTemplate ?? new EfaLaunchTemplate(this, 'LaunchTemplate', {
      instanceType: instanceTypes[0],
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
      // The launch template owns the Capacity Block rules (a reservation, one instance type) and enforces them.
      capacityReservationId: props.capacityReservationId,
      capacityBlock: props.capacityType === eksv2.CapacityType.CAPACITY_BLOCK,
      // Bottlerocket's /dev/xvda is its OS volume; images and data live on /dev/xvdb.
      rootDeviceName: this.amiType.startsWith('BOTTLEROCKET') ? '/dev/xvdb' : undefined,
      rootVolumeSizeGiB: props.rootVolumeSizeGiB,
      userData: props.hugepages2MiCount === undefined ? undefined : hugepagesUserData(props.hugepages2MiCount),
    });
    const capacityType = capacityTypeOf(this, this.launchTemplate, props.capacityType);
    if (capacityType === eksv2.CapacityType.CAPACITY_BLOCK && !Token.isUnresolved(scaling.desiredSize) && scaling.desiredSize > 0) {
      Annotations.of(this).addWarningV2('cdk-efa:capacity-block-desired-size', `The Capacity Block node group has desiredSize ${scaling.desiredSize}, but EKS upgrades a Capacity Block node group only when its desired size is 0; set minSize and desiredSize to 0 and scale up within the block's time window, or acknowledge this warning.`);
    }
    this.layout = this.launchTemplate.layout;
    const pods = chosen ?? EfaLayout.assessKubernetesPodIps(this.layout, podOptions);
    warnOnPodNetworking(this, pods);
    checkSameLayout(this, capabilities, this.layout, { ...props, primaryInterface: pods.primaryInterface });
    this.placementGroupName = this.launchTemplate.placementGroup?.placementGroupName;

    const reservationId = this.launchTemplate.capacityReservationId;
    const check = props.offeringCheck !== false;
    const subnet = chooseSubnet(this, cluster, props, {
      multipleInterfaces: this.layout.interfaces.length > 1,
      // The deploy-time check chooses among the candidates the one in the reservation's Availability Zone.
      checkChooses: check && reservationId !== undefined,
    });
    if (reservationId !== undefined && !check) {
      Annotations.of(this).addWarningV2('cdk-efa:reservation-zone-unchecked', `The node group launches into capacity reservation ${reservationId}, which only serves subnets in its own Availability Zone, and offeringCheck is false, so nothing checks that subnet ${subnet.subnets[0].node.path} is in that zone; a subnet in another zone leaves the node group without capacity. Turn offeringCheck on, or make sure of the zone and acknowledge this warning.`);
    }
    this.subnetId = check
      ? offeringCheck(this, subnet.subnetIds, instanceTypes, props.availabilityZoneId, reservationId)
      : subnet.subnetIds[0];
    warnOnIpBudget(this, subnet.cidrBlock, scaling.maxSize, capabilities[0], this.layout, props.podIpv4AddressesPerNode);

    this.kubernetesPlugin = installPlugin(this, cluster, props.kubernetesPlugin);
    const nodegroup = cluster._addNodegroup(this, 'NodeGroup', {
      nodegroupName: props.nodegroupName,
      subnets: { subnets: [subnet.subnets[0]] },
      subnetId: this.subnetId,
      amiType: this.amiType,
      capacityType,
      instanceTypes: this.launchTemplate.instanceType === undefined ? instanceTypes : undefined,
      ...scaling,
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
    const shown = (v: number) => (Token.isUnresolved(v) ? '(a token)' : String(v));
    problems.push({ id: 'invalid-scaling', message: `minSize ${shown(minSize)}, desiredSize ${shown(desiredSize)} and maxSize ${shown(maxSize)} must satisfy minSize <= desiredSize <= maxSize.` });
  }
  if (resolved(maxSize) && maxSize < 1) {
    problems.push({ id: 'invalid-scaling', message: 'maxSize is 0, but an EKS managed node group needs a maxSize of at least 1.' });
  }
  throwIfProblems(`EfaNodeGroup ${scope.node.path}`, problems);
  if (resolved(maxSize) && maxSize < 2) {
    Annotations.of(scope).addWarningV2('cdk-efa:fewer-than-two-nodes', `The node group can have at most ${maxSize} node, but EFA connects nodes to each other and needs at least 2 to be useful; raise maxSize (and desiredSize) to 2 or more.`);
  }
  return { minSize, desiredSize, maxSize };
}

/**
 * The node group's capacity type, from what its launch template is for: a Capacity Block template needs
 * `CAPACITY_BLOCK`, and `CAPACITY_BLOCK` needs a Capacity Block template.
 */
function capacityTypeOf(scope: Construct, lt: EfaLaunchTemplate, asked?: eksv2.CapacityType): eksv2.CapacityType {
  const capacityType = asked ?? (lt.capacityBlock ? eksv2.CapacityType.CAPACITY_BLOCK : eksv2.CapacityType.ON_DEMAND);
  const block = capacityType === eksv2.CapacityType.CAPACITY_BLOCK;
  if (block !== lt.capacityBlock) {
    const why = block
      ? `launch template ${lt.node.path} is not for a Capacity Block, and EKS launches a Capacity Block node group only from a template with the capacity-block market type; set capacityBlock: true and capacityReservationId on your EfaLaunchTemplate`
      : `launch template ${lt.node.path} is for a Capacity Block (capacityBlock: true), which EKS serves only to a CAPACITY_BLOCK node group; leave capacityType unset (it follows the template) or set it to CAPACITY_BLOCK`;
    throw efaError('capacity-type-mismatch', `EfaNodeGroup ${scope.node.path} has capacityType ${capacityType}, but ${why}.`);
  }
  return capacityType;
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

/**
 * Warns when the nodes' layout leaves the Amazon VPC CNI too few pod addresses, or has ENAs on cards the CNI does not
 * use (it manages network card 0 only, unless ENABLE_MULTI_NIC is on).
 */
function warnOnPodNetworking(scope: Construct, pods: EfaKubernetesLayout): void {
  if (pods.podIpv4AddressesSufficient === false) {
    Annotations.of(scope).addWarningV2('cdk-efa:pod-ip-shortfall', `${pods.reason} Or acknowledge this warning if fewer pods per node is intended.`);
  }
  const enaCards = [...new Set(pods.layout.interfaces
    .filter((i) => i.interfaceType === InterfaceType.INTERFACE && !Token.isUnresolved(i.networkCardIndex) && i.networkCardIndex > 0)
    .map((i) => i.networkCardIndex))];
  if (enaCards.length > 0) {
    Annotations.of(scope).addWarningV2('cdk-efa:ena-needs-multi-nic', `The nodes' layout has ENA (interface) network interfaces on network card(s) ${enaCards.join(', ')}, but the Amazon VPC CNI assigns pod IP addresses on network card 0 only unless it runs with ENABLE_MULTI_NIC (VPC CNI 1.20 or later), so those interfaces give pods no addresses or bandwidth. Turn on multi-NIC in the VPC CNI, use LayoutProfile.SINGLE_IP, or acknowledge this warning.`);
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

interface SubnetChoice {
  /** Whether the nodes have several network interfaces, and so get no public IPv4 address. */
  readonly multipleInterfaces: boolean;
  /** Whether the deploy-time check chooses among the candidates (for a capacity reservation's zone). */
  readonly checkChooses: boolean;
}

/** Public, private (including isolated), or unknown: a subnet in none of the VPC's lists, such as an imported one. */
function subnetKindOf(vpc: ec2.IVpc, subnet: ec2.ISubnet): 'public' | 'private' | 'unknown' {
  // The same subnet has the same ID string, a token's included.
  const isIn = (list: ec2.ISubnet[]) => list.some((s) => s === subnet || s.subnetId === subnet.subnetId);
  if (isIn(vpc.publicSubnets)) {
    return 'public';
  }
  return isIn(vpc.privateSubnets) || isIn(vpc.isolatedSubnets) ? 'private' : 'unknown';
}

const NO_PUBLIC_IP = 'a node with several network interfaces gets no public IPv4 address, so in a public subnet it reaches neither EKS nor ECR and never joins the cluster';

function chooseSubnet(scope: Construct, cluster: EfaCluster, props: EfaNodeGroupOptions, choice: SubnetChoice): ChosenSubnet {
  const vpc = cluster.vpc;
  const warnIfUnknown = (subnets: ec2.ISubnet[]) => {
    const unknown = subnets.filter((s) => subnetKindOf(vpc, s) === 'unknown').map((s) => s.node.path);
    if (choice.multipleInterfaces && unknown.length > 0) {
      Annotations.of(scope).addWarningV2('cdk-efa:subnet-type-unknown', `Subnet ${unknown.join(', ')} is none of the VPC's public, private or isolated subnets, so cdk-efa cannot tell whether it is public; ${NO_PUBLIC_IP}. Make sure it routes to a NAT gateway (or has VPC endpoints for EKS, ECR and S3) and acknowledge this warning, or pass a subnet of the cluster's VPC.`);
    }
  };
  if (props.subnet !== undefined) {
    if (props.vpcSubnets || props.availabilityZone || props.availabilityZoneId) {
      throw efaError('conflicting-subnet-options', `EfaNodeGroup ${scope.node.path} names a subnet and also vpcSubnets, availabilityZone or availabilityZoneId; give the subnet alone, or let cdk-efa choose.`);
    }
    if (choice.multipleInterfaces && subnetKindOf(vpc, props.subnet) === 'public') {
      throw efaError('public-subnet', `EfaNodeGroup ${scope.node.path} launches in ${props.subnet.node.path}, one of the VPC's public subnets, but ${NO_PUBLIC_IP}; use a private subnet with a NAT gateway (for example vpc.privateSubnets[0]).`);
    }
    warnIfUnknown([props.subnet]);
    return { subnets: [props.subnet], subnetIds: [props.subnet.subnetId], cidrBlock: cidrOf(props.subnet) };
  }
  const selected = vpc.selectSubnets(props.vpcSubnets ?? {}).subnets;
  let candidates = choice.multipleInterfaces ? selected.filter((s) => subnetKindOf(vpc, s) !== 'public') : selected;
  if (selected.length > 0 && candidates.length === 0) {
    throw efaError('public-subnet', `EfaNodeGroup ${scope.node.path}: the subnet selection holds only public subnets (${selected.map((s) => s.node.path).join(', ')}), but ${NO_PUBLIC_IP}; select private subnets with a NAT gateway (vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).`);
  }
  warnIfUnknown(candidates);
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
  if (choice.checkChooses) {
    const cidrBlock = candidates.length === 1 ? cidrOf(candidates[0]) : undefined;
    return { subnets: candidates, subnetIds: candidates.map((s) => s.subnetId), cidrBlock };
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

function offeringCheck(
  scope: Construct, subnetIds: string[], instanceTypes: ec2.InstanceType[], availabilityZoneId?: string, capacityReservationId?: string,
): string {
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
      // The handler reads the reservation and keeps to the subnets in its Availability Zone ID.
      CapacityReservationId: capacityReservationId,
    },
  });
  return check.getAttString('SubnetId');
}

function createOfferingCheckProvider(stack: Stack, id: string): cr.Provider {
  const scope = new Construct(stack, `${id}Scope`);
  const onEventHandler = new OfferingCheckFunction(scope, 'Handler', {
    description: 'cdk-efa: checks that an EFA node group subnet offers its instance types',
    // Lambda's default 3 s is too short for three EC2 calls with SDK retries under throttling.
    timeout: Duration.seconds(60),
    memorySize: 256,
  });
  onEventHandler.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ec2:DescribeSubnets', 'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeCapacityReservations'],
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
    values: {
      // The plugin must reach every EFA node, whatever taints the node groups carry.
      tolerations: [{ operator: 'Exists' }],
      // Both charts build the DaemonSet's required node affinity from supportedInstanceLabels: one nodeSelectorTerm
      // per key, `<key> In <values>` (plus `eks.amazonaws.com/compute-type NotIn auto`). By default that is
      // node.kubernetes.io/instance-type against the chart's own list of instance types, which lags behind EC2 (g7,
      // c8in, m8in and others are missing from aws-dranet 1.0.0's), and a type missing from it gets no plugin pod.
      // Helm replaces lists rather than merging them, so this selects exactly the nodes EfaNodeGroup labels.
      // Checked against aws/eks-charts stable/aws-efa-k8s-device-plugin v0.5.30 and stable/aws-dranet 1.0.0
      // (values.yaml and templates/daemonset.yaml); the device plugin chart has had these keys since v0.4.2, aws-dranet
      // since its first release.
      supportedInstanceLabels: { keys: [EFA_SUPPORTED_LABEL], values: ['true'] },
    },
  });
  return plugin;
}
