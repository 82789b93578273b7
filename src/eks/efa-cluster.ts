import { CfnResource } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
// Types only: the EKS modules load when a node group or chart is created (see private/lazy-modules.ts).
import type * as eks from 'aws-cdk-lib/aws-eks';
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { EfaNodeGroup } from './efa-node-group';
import { EfaNodeGroupOptions } from './efa-node-group-options';
import { EfaSelfManagedNodeGroupOptions } from './efa-self-managed-node-group';
import { ChartSettings, NodegroupSettings } from './private/eks-settings';
import { eksV1, eksV2 } from './private/lazy-modules';
import { addSelfManagedNodes } from './private/self-managed-nodes';
import { EfaAutoScalingGroup } from '../autoscaling/efa-auto-scaling-group';
import { efaError } from '../core/private/errors';
import { EfaSecurityGroup } from '../ec2/efa-security-group';

/** Construct ID of the cluster's shared EFA security group, under the cluster construct (a public contract). */
const SHARED_SECURITY_GROUP_ID = 'EfaSecurityGroup';

/**
 * The typed properties cdk-efa sets on the `AWS::EKS::Nodegroup` L1. aws-eks and aws-eks-v2 each have their own
 * `CfnNodegroup` class; both have these properties.
 */
interface NodegroupResource {
  subnets?: string[];
  instanceTypes?: string[];
}

/**
 * An EKS cluster that EFA node groups join, from `aws-cdk-lib/aws-eks-v2` or `aws-cdk-lib/aws-eks`.
 *
 * Why a wrapper: aws-cdk-lib has two unrelated cluster interfaces, `aws_eks_v2.ICluster` and `aws_eks.ICluster`. A
 * TypeScript union of the two cannot cross jsii into Python, Java, C# or Go, and an interface of our own would not be
 * implemented by aws-cdk-lib's classes in the nominally typed languages. So the cluster is wrapped once, with a
 * factory per module, and cdk-efa creates each module's own `Nodegroup` and `HelmChart` for it. Clusters defined in
 * the app and imported ones (`Cluster.fromClusterAttributes`) work alike.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export class EfaCluster {
  /**
   * An `aws-eks-v2` cluster, defined in this app or imported.
   *
   * @param cluster the cluster
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   */
  public static fromClusterV2(cluster: eksv2.ICluster): EfaCluster {
    // aws-eks-v2 exports CfnCluster only from aws-cdk-lib 2.268.0 on, so recognise the L1 by its resource type.
    const resource = cluster.node.tryFindChild('Resource');
    const isCfnCluster = resource !== undefined && CfnResource.isCfnResource(resource) && resource.cfnResourceType === 'AWS::EKS::Cluster';
    const version = isCfnCluster ? (resource as unknown as { version?: string }).version : undefined;
    return new EfaCluster(cluster, { v2: cluster }, version);
  }

  /**
   * An `aws-eks` (v1) cluster, defined in this app or imported. Its Kubernetes version is not visible to cdk-efa, so
   * node groups default to the EFA device plugin; choose `EfaKubernetesPlugin.DRA_DRIVER` explicitly on 1.34 or later.
   *
   * @param cluster the cluster
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   */
  public static fromCluster(cluster: eks.ICluster): EfaCluster {
    return new EfaCluster(cluster, { v1: cluster });
  }

  /** The cluster construct. */
  public readonly cluster: IConstruct;

  /** The cluster's name. */
  public readonly clusterName: string;

  /** The cluster's VPC; node groups pick their one subnet from it. */
  public readonly vpc: ec2.IVpc;

  /** The cluster security group, attached to every node next to the EFA security group. */
  public readonly clusterSecurityGroup: ec2.ISecurityGroup;

  /**
   * The Kubernetes version, for example `1.34`, when the cluster is defined in this app with an explicit version.
   *
   * @default - unknown
   */
  public readonly kubernetesVersion?: string;

  private readonly v1?: eks.ICluster;
  private readonly v2?: eksv2.ICluster;

  private constructor(
    cluster: eks.ICluster | eksv2.ICluster,
    kind: { readonly v1?: eks.ICluster; readonly v2?: eksv2.ICluster },
    kubernetesVersion?: string,
  ) {
    this.cluster = cluster;
    this.clusterName = cluster.clusterName;
    this.vpc = cluster.vpc;
    this.clusterSecurityGroup = cluster.clusterSecurityGroup;
    this.kubernetesVersion = kubernetesVersion;
    this.v1 = kind.v1;
    this.v2 = kind.v2;
  }

  /**
   * Adds an EFA node group to this cluster, as a child of the cluster construct.
   *
   * @param id the construct ID (a public contract: changing it replaces the node group)
   * @param options the node group's options
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   */
  public addEfaNodeGroup(id: string, options: EfaNodeGroupOptions): EfaNodeGroup {
    return new EfaNodeGroup(this.cluster as Construct, id, { ...options, cluster: this });
  }

  /**
   * Adds self-managed EFA nodes to this cluster: an `EfaAutoScalingGroup` (a child of the cluster construct) whose
   * instances boot the EKS-optimized AL2023 AMI and join the cluster with a nodeadm `NodeConfig` in their user data,
   * with the cdk-efa node labels. The node role gets an EKS access entry of type `EC2_LINUX` (an aws-auth mapping on
   * an aws-eks cluster in `CONFIG_MAP` mode), and the EFA device plugin or DRA driver is installed once per cluster.
   *
   * aws-cdk-lib's own `connectAutoScalingGroupCapacity` does not fit: it writes Amazon Linux 2 `bootstrap.sh` user
   * data, which AL2023 AMIs lack, opens the group's security groups (here the shared EFA group) to the internet, and
   * in aws-eks-v2 registers no node role.
   *
   * @param id the construct ID (a public contract: changing it replaces the group)
   * @param options the group's options
   * @throws as `EfaAutoScalingGroup`, and `cdk-efa:service-cidr-unknown`, `cdk-efa:cluster-endpoint-unknown`,
   *         `cdk-efa:kubernetes-version-unknown`, `cdk-efa:invalid-node-label`, `cdk-efa:invalid-node-taint` and the
   *         plugin errors of `EfaNodeGroup`
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/launch-workers.html
   */
  public addEfaAutoScalingGroup(id: string, options: EfaSelfManagedNodeGroupOptions): EfaAutoScalingGroup {
    return addSelfManagedNodes(this, id, options);
  }

  /**
   * Lets instances with `role` join the cluster as nodes: an EKS access entry of type `EC2_LINUX` (construct ID `id`
   * under `scope`) on an aws-eks-v2 cluster, or on an aws-eks cluster whose authentication mode takes access entries;
   * else an aws-auth role mapping. Returns what registers the role (the access entry, or the aws-auth construct), or
   * undefined for an imported aws-eks cluster, whose mode is unknown.
   *
   * @internal
   */
  public _registerNodeRole(scope: Construct, id: string, role: iam.IRole): IConstruct | undefined {
    if (this.v2 !== undefined) {
      const { AccessEntry, AccessEntryType } = eksV2();
      const entry = { principal: role.roleArn, accessEntryType: AccessEntryType.EC2_LINUX, accessPolicies: [] };
      return new AccessEntry(scope, id, { ...entry, cluster: this.v2 });
    }
    const v1 = eksV1();
    if (!(this.v1 instanceof v1.Cluster)) {
      return undefined;
    }
    const mode = this.v1.authenticationMode;
    if (mode === v1.AuthenticationMode.API || mode === v1.AuthenticationMode.API_AND_CONFIG_MAP) {
      const entry = { principal: role.roleArn, accessEntryType: v1.AccessEntryType.EC2_LINUX, accessPolicies: [] };
      return new v1.AccessEntry(scope, id, { ...entry, cluster: this.v1 });
    }
    this.v1.awsAuth.addRoleMapping(role, { username: 'system:node:{{EC2PrivateDNSName}}', groups: ['system:bootstrappers', 'system:nodes'] });
    return this.v1.awsAuth;
  }

  /**
   * Creates the module's own managed node group construct.
   *
   * @internal
   */
  public _addNodegroup(scope: Construct, id: string, settings: NodegroupSettings): { readonly nodegroupName: string; readonly role: iam.IRole } {
    // aws-cdk-lib checks `instanceTypes` against `amiType` with its own list of GPU and Neuron families, which lags
    // behind EC2 (it rejects AL2023_x86_64_NVIDIA for p5e). cdk-efa chose the AMI type from its capability table, so
    // the instance types go on the CloudFormation resource directly.
    // The subnet can be the offering check's deploy-time answer, which is no ISubnet; it replaces the selection.
    const { instanceTypes, subnetId, ...rest } = settings;
    const nodegroup = this.v2 !== undefined
      ? new (eksV2().Nodegroup)(scope, id, { ...rest, cluster: this.v2 })
      : new (eksV1().Nodegroup)(scope, id, {
        ...rest,
        cluster: this.v1!,
        amiType: rest.amiType as string as eks.NodegroupAmiType,
        capacityType: rest.capacityType as string as eks.CapacityType,
        taints: rest.taints?.map((t) => ({ key: t.key, value: t.value, effect: t.effect as string as eks.TaintEffect })),
      });
    // Typed L1 properties, not raw overrides, so that aspects such as EfaChecks can read them. The L1 is found by its
    // CloudFormation type, which both modules' CfnNodegroup classes share.
    const resource = nodegroup.node.children.find((c) => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EKS::Nodegroup') as unknown as NodegroupResource;
    resource.subnets = [subnetId];
    if (instanceTypes !== undefined) {
      resource.instanceTypes = instanceTypes.map((t) => t.toString());
    }
    return nodegroup;
  }

  /**
   * The cluster's shared EFA security group: an `EfaSecurityGroup` in the cluster's VPC, created on the first call as
   * a child of the cluster construct (construct ID `EfaSecurityGroup`) and returned by every later call, through any
   * `EfaCluster` wrapper of the same cluster.
   *
   * EFA traffic flows only between members of one EFA security group, so every `EfaNodeGroup` of the cluster that
   * names no `securityGroup` uses this one. Pass it to an `EfaLaunchTemplate` of your own (for example a Capacity
   * Block template) so that its nodes exchange EFA traffic with the cluster's other EFA node groups.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
   */
  public sharedEfaSecurityGroup(): ec2.ISecurityGroup {
    // EfaCluster is a wrapper made anew by each fromClusterV2() or fromCluster() call, so the group is found in the
    // construct tree, not kept on the wrapper.
    const existing = this.cluster.node.tryFindChild(SHARED_SECURITY_GROUP_ID);
    if (existing !== undefined) {
      return existing as EfaSecurityGroup;
    }
    return new EfaSecurityGroup(this.cluster as Construct, SHARED_SECURITY_GROUP_ID, {
      vpc: this.vpc,
      description: 'EFA: all traffic between the EFA node groups of one EKS cluster',
    });
  }

  /**
   * Installs a Helm chart once per cluster, as a child of the cluster with construct ID `id`; returns false when it is
   * already installed.
   *
   * @internal
   */
  public _installChartOnce(id: string, settings: ChartSettings): boolean {
    if (this.cluster.node.tryFindChild(id) !== undefined) {
      return false;
    }
    if (this.v2 !== undefined) {
      this.requireKubectlProvider(`install the ${settings.chart} Helm chart`, 'or pass kubernetesPlugin: EfaKubernetesPlugin.NONE and install the chart yourself');
      new (eksV2().HelmChart)(this.cluster as Construct, id, { ...settings, cluster: this.v2 });
    } else {
      new (eksV1().HelmChart)(this.cluster as Construct, id, { ...settings, cluster: this.v1! });
    }
    return true;
  }

  /**
   * Applies Kubernetes manifests to the cluster with the module's own `KubernetesManifest`, as a child of `scope` with
   * construct ID `id`. `what` names the manifests in the `no-kubectl-provider` error, `alternative` says how to do
   * without cdk-efa applying them.
   *
   * @internal
   */
  public _addManifest(scope: Construct, id: string, manifest: Record<string, unknown>[], what: string, alternative: string): IConstruct {
    if (this.v2 !== undefined) {
      this.requireKubectlProvider(`apply ${what}`, alternative);
      return new (eksV2().KubernetesManifest)(scope, id, { cluster: this.v2, manifest });
    }
    return new (eksV1().KubernetesManifest)(scope, id, { cluster: this.v1!, manifest });
  }

  /** aws-eks-v2 applies charts and manifests through the cluster's kubectl provider, which is optional there. */
  private requireKubectlProvider(action: string, alternative: string): void {
    if (this.v2!.kubectlProvider === undefined && this.v2!.kubectlProviderOptions === undefined) {
      throw efaError('no-kubectl-provider', `EKS cluster ${this.cluster.node.path} has no kubectl provider, so cdk-efa cannot ${action}; set kubectlProviderOptions on the cluster (or kubectlProvider when importing it), ${alternative}.`);
    }
  }
}
