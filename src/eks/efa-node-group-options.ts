import * as ec2 from 'aws-cdk-lib/aws-ec2';
// Types only, erased at run time: importing cdk-efa loads no EKS or IAM module (see private/lazy-modules.ts).
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { EfaKubernetesPlugin } from './efa-kubernetes-plugin';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { LayoutProfile, PrimaryInterface } from '../core/layout';
import { EfaCapacity } from '../ec2/capacity';
import { EfaLaunchTemplate } from '../ec2/efa-launch-template';
import { EfaPlacement } from '../ec2/placement';
import { EfaSubnetOptions } from '../ec2/subnet-options';

/**
 * Everything an `EfaNodeGroup` takes except the cluster, for `EfaCluster.addEfaNodeGroup()`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export interface EfaNodeGroupOptions extends EfaSubnetOptions {
  /**
   * The instance types. Several are allowed only when their EFA layouts are identical (for example p5.48xlarge and
   * p5e.48xlarge); p4d and p4de never mix with other types, because they cannot exchange EFA traffic with them.
   *
   * @default - the instance type of `launchTemplate`; one of the two is required
   * @throws `cdk-efa:p4d-mixed` when p4d or p4de is mixed with other types; `cdk-efa:mixed-layouts` and
   *         `cdk-efa:mixed-ami-types` when the types need different layouts or AMI types
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * The capabilities of an instance type newer than the capability table (or given as a token), built from
   * `aws ec2 describe-instance-types`. They apply to the instance type they name (`capabilities.instanceType`), or to
   * the one instance type when there is one; the table gives the others. With your own `launchTemplate`, its layout's
   * capabilities are used instead, so set them on the `EfaLaunchTemplate`.
   *
   * @default - looked up in the capability table (`EfaInstanceTypes.lookup`)
   * @throws `cdk-efa:capabilities-mismatch` when they name none of several instance types;
   *         `cdk-efa:conflicting-launch-template-options` together with `launchTemplate`
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInfo.html
   */
  readonly capabilities?: InstanceTypeCapabilities;

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
   * (`role`). Cannot be combined with the layout options, `placement`, `capacity`, `capacityReservationId`,
   * `securityGroup`, `hugepages2MiCount` or `rootVolumeSizeGiB`, which shape the created template. Its `capacity`
   * (a reservation or a Capacity Block) applies to the node group.
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
   * The capacity type. `CAPACITY_BLOCK` needs a launch template for a Capacity Block: the created one is, given
   * `capacity: EfaCapacity.capacityBlock(id)`; your own one needs that capacity (`cdk-efa:capacity-type-mismatch`).
   * `SPOT` cannot launch into a capacity reservation, which serves On-Demand instances
   * (`cdk-efa:spot-with-capacity-reservation`).
   *
   * @default - `CAPACITY_BLOCK` when `capacity` (or `launchTemplate`'s) is a Capacity Block, else `ON_DEMAND`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
   */
  readonly capacityType?: eksv2.CapacityType;

  /**
   * Which capacity the nodes launch into: On-Demand, an On-Demand Capacity Reservation or a Capacity Block, put in the
   * created launch template. A reservation's nodes get no new placement group by default, and their subnet must be in
   * the reservation's Availability Zone: the offering check reads the reservation and chooses, or verifies, the
   * subnet.
   *
   * @default - `EfaCapacity.onDemand()`, or what the deprecated `capacityReservationId` describes
   * @throws `cdk-efa:conflicting-capacity-options` together with `capacityReservationId`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
   */
  readonly capacity?: EfaCapacity;

  /**
   * The On-Demand Capacity Reservation or Capacity Block to launch into (`cr-…`); with `capacityType:
   * CAPACITY_BLOCK` it is a Capacity Block.
   *
   * @default - none
   * @deprecated use `capacity: EfaCapacity.reservation(id)` or `EfaCapacity.capacityBlock(id)`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
   */
  readonly capacityReservationId?: string;

  /**
   * The AMI type. cdk-efa checks it against each instance type's architecture and accelerators in the capability
   * table, judging from the AMI type's name: another architecture, or an accelerator variant for accelerators the type
   * lacks (an NVIDIA variant on Trainium or a CPU type, `AL2023_X86_64_NEURON` on a GPU type), is an error
   * (`cdk-efa:ami-type-mismatch`); a standard variant for NVIDIA GPUs or Neuron devices gets a warning
   * (`cdk-efa:ami-type-without-accelerator-drivers`), except Bottlerocket's standard variants on Neuron types, which
   * carry the Neuron driver. AMI types whose name gives no architecture are not judged.
   *
   * @default - from the instance type: `AL2023_X86_64_NVIDIA` or `AL2023_ARM_64_NVIDIA` for NVIDIA GPUs,
   *            `AL2023_X86_64_NEURON` for Trainium and Inferentia, `AL2023_X86_64_STANDARD` or
   *            `AL2023_ARM_64_STANDARD` otherwise
   * @throws `cdk-efa:ami-type-mismatch` for another architecture or accelerators the instance type lacks
   * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html#AmazonEKS-Type-Nodegroup-amiType
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
   * @throws `cdk-efa:invalid-node-label` for a key or value Kubernetes rejects, or a `kubernetes.io` / `k8s.io` label
   *         the kubelet may not set on its node
   */
  readonly labels?: Record<string, string>;

  /**
   * Kubernetes taints for the nodes.
   *
   * @default - none
   * @throws `cdk-efa:invalid-node-taint` for a taint without key or a known effect, or with a key or value Kubernetes
   *         rejects
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
   * Every EFA node group of one cluster must ask for the same plugin at the same chart version: the chart is
   * installed once, and a node group that asks for another version is refused (`cdk-efa:plugin-chart-version-conflict`,
   * naming both versions) rather than silently getting the first one.
   *
   * @default - the plugin the cluster already gets from another EFA node group or Karpenter node pool; else
   * `DRA_DRIVER` when the cluster's Kubernetes version is known and at least 1.34, and `DEVICE_PLUGIN` otherwise
   * @throws `cdk-efa:both-efa-plugins`, `cdk-efa:plugin-chart-version-conflict`, `cdk-efa:dra-needs-1-34`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  readonly kubernetesPlugin?: EfaKubernetesPlugin;

  /**
   * Number of 2 MiB huge pages to reserve on each node (`vm.nr_hugepages`), for libfabric and NCCL. Set in a MIME
   * multipart user data part that runs before the node joins the cluster, so EKS merges it with its own.
   * Not available with Bottlerocket AMI types. The EKS-optimized AL2023 accelerated AMIs (NVIDIA, Neuron) already
   * reserve 5128 pages; set this only to change that. A token (a CfnParameter) is written into the user data unchecked.
   *
   * @default - none reserved by cdk-efa (the AMI's own setting applies)
   * @throws `cdk-efa:invalid-hugepages` below 1 or fractional; `cdk-efa:hugepages-on-bottlerocket` with a Bottlerocket
   *         AMI type
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   */
  readonly hugepages2MiCount?: number;

  /**
   * Size of each node's root volume, in GiB (set in the launch template; node groups with a launch template cannot
   * set `diskSize`). With a Bottlerocket AMI type it sizes the data volume `/dev/xvdb`, where container images live,
   * and leaves the OS volume `/dev/xvda` as the AMI has it. A whole number, 1 or more.
   *
   * @default 100
   * @throws `cdk-efa:invalid-root-volume-size` below 1 or fractional
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
