// Types only, erased at run time: importing cdk-efa loads no EKS module (see private/lazy-modules.ts).
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import { EfaKubernetesPlugin } from './efa-kubernetes-plugin';
import { EfaAutoScalingGroupOptions } from '../autoscaling/efa-auto-scaling-group';

/**
 * Options of `EfaCluster.addEfaAutoScalingGroup()`: an `EfaAutoScalingGroup` whose instances join the cluster as
 * self-managed nodes, in the cluster's VPC.
 *
 * The nodes boot the EKS-optimized Amazon Linux 2023 AMI (by default), and join with a nodeadm `NodeConfig` in MIME
 * multipart user data that names the cluster, its endpoint, certificate authority and service CIDR, and gives the
 * kubelet the node labels `cdk-efa.io/efa-supported=true` and `cdk-efa.io/efa-count`, with yours and your taints. The
 * node role is registered with the cluster (an EKS access entry of type `EC2_LINUX`, or an aws-auth mapping on an
 * aws-eks cluster in `CONFIG_MAP` mode), and the EFA device plugin or DRA driver is installed once per cluster.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/launch-workers.html
 * @see https://awslabs.github.io/amazon-eks-ami/nodeadm/
 */
export interface EfaSelfManagedNodeGroupOptions extends EfaAutoScalingGroupOptions {
  /**
   * Kubernetes labels for the nodes (kubelet `--node-labels`), on top of `cdk-efa.io/efa-supported` and
   * `cdk-efa.io/efa-count`, which win over labels of the same key. The kubelet refuses labels in the `kubernetes.io`
   * and `k8s.io` namespaces other than its own (`node.kubernetes.io/…`, `kubelet.kubernetes.io/…` and a few
   * well-known keys), and the node then never registers: cdk-efa refuses them at synth time.
   *
   * @default - only cdk-efa's labels
   * @throws `cdk-efa:invalid-node-label` for a key or value Kubernetes or the kubelet rejects
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
   */
  readonly labels?: Record<string, string>;

  /**
   * Kubernetes taints for the nodes (kubelet `--register-with-taints`). The EFA plugin tolerates every taint.
   *
   * @default - none
   * @throws `cdk-efa:invalid-node-taint` for a taint without key or effect, or with a key or value Kubernetes rejects
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
   */
  readonly taints?: eksv2.TaintSpec[];

  /**
   * How pods get EFA devices: the device plugin or the DRA driver, installed once per cluster, with the same rules as
   * `EfaNodeGroupOptions.kubernetesPlugin` (one plugin and one chart version per cluster). The DRA driver is supported
   * on self-managed nodes from Kubernetes 1.34.
   *
   * @default - the plugin the cluster already gets from another EFA node group; else `DRA_DRIVER` when the cluster's
   *            Kubernetes version is known and at least 1.34, and `DEVICE_PLUGIN` otherwise
   * @throws `cdk-efa:both-efa-plugins`, `cdk-efa:plugin-chart-version-conflict`, `cdk-efa:dra-needs-1-34`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  readonly kubernetesPlugin?: EfaKubernetesPlugin;

  /**
   * The kubelet's max-pods, a count of pods, set in the `NodeConfig` (`kubelet.config.maxPods`). cdk-efa chooses the
   * primary interface so that the Amazon VPC CNI has `maxPods − 2` pod IPv4 addresses, and warns
   * (`cdk-efa:pod-ip-shortfall`) when no layout does (see `EfaNodeGroupOptions.maxPods`).
   *
   * @default - what nodeadm sets for the instance type
   * @see https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html
   */
  readonly maxPods?: number;

  /**
   * Whether the cluster's Amazon VPC CNI runs with prefix delegation; it only informs the pod-address check.
   *
   * @default false
   * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
   */
  readonly vpcCniPrefixDelegation?: boolean;

  /**
   * IPv4 addresses the VPC CNI takes for pods on each node, for the subnet IP budget warning, a count.
   *
   * @default - twice the type's `ipv4AddressesPerInterface`
   */
  readonly podIpv4AddressesPerNode?: number;

  /**
   * The cluster's service CIDR (`kubernetesNetworkConfig.serviceIpv4Cidr`, or `serviceIpv6Cidr` on an IPv6 cluster),
   * which nodeadm needs to find the cluster's DNS service. CloudFormation does not return a cluster's IPv4 service
   * CIDR, and EKS chooses one when none is given, so cdk-efa reads it only from an aws-eks-v2 cluster defined in this
   * app with `serviceIpv4Cidr` set (or with `ipFamily: IP_V6`).
   *
   * @default - the `serviceIpv4Cidr` of an aws-eks-v2 cluster defined in this app, or its IPv6 service CIDR
   * @throws `cdk-efa:service-cidr-unknown` when it is not given and cannot be read
   * @see https://docs.aws.amazon.com/eks/latest/APIReference/API_KubernetesNetworkConfigResponse.html
   */
  readonly serviceCidr?: string;
}
