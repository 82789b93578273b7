import { Annotations, CfnResource, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { amiTypeFor } from './ami-types';
import { ChartSettings } from './eks-settings';
import { TAINT_EFFECTS, labelProblems, taintProblems } from './kubernetes-names';
import { EFA_SUPPORTED_LABEL, choosePlugin } from './plugin-chart';
import { warnOnPodNetworking } from './pod-networking';
import { EfaAutoScalingGroup, EfaAutoScalingGroupProps } from '../../autoscaling/efa-auto-scaling-group';
import {
  SELF_MANAGED_NODES, SelfManagedNodeSettings, autoScalingGroupProblems, capabilitiesOf, instanceTypesOf,
} from '../../autoscaling/private/auto-scaling-rules';
import { InstanceTypeCapabilities } from '../../core/capabilities';
import { EfaLayout } from '../../core/layout';
import { Problem, throwIfProblems } from '../../core/private/errors';
import { iamModule } from '../../ec2/private/lazy-modules';
import { acknowledgeNagRules, managedPolicyRule } from '../../ec2/private/nag';
import type { EfaSelfManagedNodeGroupOptions } from '../efa-self-managed-node-group';

/**
 * What self-managed nodes need of the cluster: `EfaCluster`, seen by its shape (this module is loaded by
 * efa-cluster.ts, and importing that back would close an import cycle).
 */
export interface SelfManagedNodesCluster {
  readonly cluster: IConstruct;
  readonly clusterName: string;
  readonly vpc: ec2.IVpc;
  readonly clusterSecurityGroup: ec2.ISecurityGroup;
  readonly kubernetesVersion?: string;
  sharedEfaSecurityGroup(): ec2.ISecurityGroup;
  _installChartOnce(id: string, settings: ChartSettings): boolean;
  _registerNodeRole(scope: Construct, id: string, role: iam.IRole): IConstruct | undefined;
}

/** The managed policies EKS worker nodes need. */
const WORKER_NODE_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'];

/** Kubernetes' spelling of the EKS taint effects (aws-eks and aws-eks-v2 spell them alike). */

/**
 * Creates an `EfaAutoScalingGroup` (construct ID `id`, a child of the cluster construct) whose instances join the
 * cluster as self-managed nodes: the EKS-optimized AL2023 AMI, a nodeadm `NodeConfig`, the shared EFA security group
 * and the cluster security group, the node role's access, the EFA plugin once per cluster. Every problem of the
 * options, the Auto Scaling group's and the EKS ones, is reported in one pass.
 */
export function addSelfManagedNodes(cluster: SelfManagedNodesCluster, id: string, options: EfaSelfManagedNodeGroupOptions): EfaAutoScalingGroup {
  const scope = cluster.cluster as Construct;
  const instanceTypes = instanceTypesOf(options);
  // The instance types' capabilities and the layout come first (the table and the layout engine report their own
  // problems); then every problem of the options, in one pass that throws once.
  const capabilities = capabilitiesOf(instanceTypes, options.capabilities);
  const pods = capabilities.length === 0 ? undefined : EfaLayout.forKubernetesNodes(capabilities[0], {
    efaCount: options.efaCount,
    primaryInterface: options.primaryInterface,
    profile: options.profile,
    maxPods: options.maxPods,
    prefixDelegation: options.vpcCniPrefixDelegation,
  });
  const plugin = choosePlugin(scope, cluster.kubernetesVersion, options.kubernetesPlugin);
  const join = joinSettingsOf(cluster, options.serviceCidr);
  const image = options.machineImage === undefined ? eksImageOf(capabilities, cluster.kubernetesVersion) : { problems: [] };
  throwIfProblems(`EfaAutoScalingGroup ${scope.node.path}/${id}`, [
    ...autoScalingGroupProblems(options, capabilities),
    ...labelProblems(options.labels ?? {}),
    ...taintProblems(options.taints ?? []),
    ...join.problems,
    ...image.problems,
    ...plugin.problems,
  ]);

  const settings: SelfManagedNodeSettings = { podIpv4AddressesPerNode: options.podIpv4AddressesPerNode };
  const props: EfaAutoScalingGroupProps = {
    ...options,
    vpc: cluster.vpc,
    // One EFA security group per cluster, so that the cluster's EFA nodes can exchange EFA traffic.
    securityGroup: options.securityGroup ?? cluster.sharedEfaSecurityGroup(),
    // EKS adds the cluster security group only to the nodes it launches itself.
    additionalSecurityGroups: [cluster.clusterSecurityGroup, ...(options.additionalSecurityGroups ?? [])],
    // The VPC CNI gives pods addresses on network card 0 only: the primary that leaves it enough for max-pods.
    primaryInterface: pods!.primaryInterface,
    machineImage: options.machineImage ?? image.machineImage,
    userData: nodeConfigUserData(join, {
      ...options.labels,
      // cdk-efa's labels win: the EFA plugin's DaemonSet selects nodes by EFA_SUPPORTED_LABEL.
      [EFA_SUPPORTED_LABEL]: 'true',
      'cdk-efa.io/efa-count': String(pods!.layout.summary.efaCount),
    }, options.taints ?? [], options.maxPods, options.userData),
  };
  (props as unknown as Record<symbol, SelfManagedNodeSettings>)[SELF_MANAGED_NODES] = settings;
  const group = new EfaAutoScalingGroup(scope, id, props);
  warnOnPodNetworking(group, pods!);

  if (options.role === undefined) {
    const { ManagedPolicy } = iamModule();
    WORKER_NODE_POLICIES.forEach((policy) => group.role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName(policy)));
    acknowledgeNagRules(group, WORKER_NODE_POLICIES.map((policy) => ({
      id: managedPolicyRule(policy),
      reason: `cdk-efa: EKS worker nodes need the ${policy} managed policy.`,
    })));
  }
  const registration = cluster._registerNodeRole(group, 'AccessEntry', group.role);
  if (registration === undefined) {
    warnNodeRoleNotRegistered(group, cluster);
  } else {
    // Nodes that boot before their role is registered cannot join until it is; and the group goes before it on deletion.
    group.autoScalingGroup.node.addDependency(registration);
  }
  if (plugin.chart !== undefined) {
    // Once per cluster: every EFA node group of the cluster asks for the same chart and version (checked above).
    cluster._installChartOnce(plugin.chart.id, plugin.chart.settings);
  }
  // As EKS's own self-managed node templates do: the instances belong to the cluster.
  Tags.of(group.autoScalingGroup).add(`kubernetes.io/cluster/${cluster.clusterName}`, 'owned', { applyToLaunchedInstances: true });
  return group;
}

function warnNodeRoleNotRegistered(group: EfaAutoScalingGroup, cluster: SelfManagedNodesCluster): void {
  Annotations.of(group).addWarningV2('cdk-efa:node-role-not-registered', `The nodes' role cannot be registered with the imported aws-eks cluster ${cluster.cluster.node.path}: cdk-efa knows neither its authentication mode nor whether it can edit its aws-auth ConfigMap, so the nodes cannot join until you add an EKS access entry of type EC2_LINUX for the role (or an aws-auth mapping to system:bootstrappers and system:nodes); acknowledge this warning once you have.`);
}

/** What a node's `NodeConfig` says of the cluster. */
interface JoinSettings {
  readonly name: string;
  readonly endpoint?: string;
  readonly certificateAuthority?: string;
  readonly serviceCidr?: string;
  readonly problems: Problem[];
}

/**
 * The cluster's name, endpoint, certificate authority and service CIDR, which nodeadm needs all of
 * (`cluster-endpoint-unknown`, `service-cidr-unknown` when they cannot be known at synth time).
 */
function joinSettingsOf(cluster: SelfManagedNodesCluster, serviceCidr: string | undefined): JoinSettings {
  const problems: Problem[] = [];
  // aws-eks and aws-eks-v2 clusters both have these attributes; an imported cluster throws without them.
  const attributes = cluster.cluster as unknown as { readonly clusterEndpoint?: string; readonly clusterCertificateAuthorityData?: string };
  let endpoint: string | undefined;
  let certificateAuthority: string | undefined;
  try {
    endpoint = attributes.clusterEndpoint;
    certificateAuthority = attributes.clusterCertificateAuthorityData;
  } catch {
    // Reported below.
  }
  if (typeof endpoint !== 'string' || typeof certificateAuthority !== 'string') {
    problems.push({ id: 'cluster-endpoint-unknown', message: `joins cluster ${cluster.cluster.node.path}, whose endpoint or certificate authority is not known (an imported cluster without clusterEndpoint and clusterCertificateAuthorityData), but nodeadm needs both in the nodes' NodeConfig; import the cluster with them (aws eks describe-cluster --query 'cluster.[endpoint,certificateAuthority.data]').` });
  }
  const cidr = serviceCidr ?? serviceCidrOf(cluster.cluster);
  if (cidr === undefined) {
    problems.push({ id: 'service-cidr-unknown', message: `joins cluster ${cluster.cluster.node.path}, whose service CIDR is not known at synth time (CloudFormation does not return a cluster's IPv4 service CIDR, and EKS picks one when none is given), but nodeadm needs it in the nodes' NodeConfig; set serviceIpv4Cidr on the cluster, or pass serviceCidr (aws eks describe-cluster --query cluster.kubernetesNetworkConfig.serviceIpv4Cidr).` });
  }
  return { name: cluster.clusterName, endpoint, certificateAuthority, serviceCidr: cidr, problems };
}

/** The service CIDR of an aws-eks-v2 cluster defined in the app: its `serviceIpv4Cidr`, or its IPv6 service CIDR. */
function serviceCidrOf(cluster: IConstruct): string | undefined {
  const resource = cluster.node.tryFindChild('Resource');
  if (resource === undefined || !CfnResource.isCfnResource(resource) || resource.cfnResourceType !== 'AWS::EKS::Cluster') {
    return undefined;
  }
  const network = (resource as unknown as { kubernetesNetworkConfig?: { serviceIpv4Cidr?: string; ipFamily?: string } }).kubernetesNetworkConfig;
  if (typeof network?.serviceIpv4Cidr === 'string') {
    return network.serviceIpv4Cidr;
  }
  return network?.ipFamily === 'ipv6' ? Token.asString(resource.getAtt('KubernetesNetworkConfig.ServiceIpv6Cidr')) : undefined;
}

/**
 * The EKS-optimized AL2023 AMI for the instance types, from its public SSM parameter: the accelerated variant for
 * NVIDIA GPUs or Neuron devices, as the AMI type of an `EfaNodeGroup` (`mixed-ami-types`, `kubernetes-version-unknown`).
 */
function eksImageOf(
  capabilities: InstanceTypeCapabilities[], kubernetesVersion: string | undefined,
): { machineImage?: ec2.IMachineImage; problems: Problem[] } {
  const amiTypes = [...new Set(capabilities.map((c) => amiTypeFor(c) as string))];
  const problems: Problem[] = [];
  if (amiTypes.length > 1) {
    const list = capabilities.map((c) => `${c.instanceType} needs ${amiTypeFor(c)}`).join(', ');
    problems.push({ id: 'mixed-ami-types', message: `mixes instance types that need different EKS-optimized AMIs (${list}); an Auto Scaling group has one AMI, so split them into separate groups.` });
  }
  const known = kubernetesVersion !== undefined && !Token.isUnresolved(kubernetesVersion);
  if (!known) {
    const example = amiTypes.length === 0 ? 'x86_64/nvidia' : ssmVariant(amiTypes[0]);
    problems.push({ id: 'kubernetes-version-unknown', message: `needs the EKS-optimized AMI for the cluster's Kubernetes version, which cdk-efa cannot see (an aws-eks cluster, or an imported one); pass machineImage, for example ec2.MachineImage.fromSsmParameter('/aws/service/eks/optimized-ami/<version>/amazon-linux-2023/${example}/recommended/image_id').` });
  }
  if (problems.length > 0 || amiTypes.length === 0) {
    return { problems };
  }
  const parameter = `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/${ssmVariant(amiTypes[0])}/recommended/image_id`;
  return { machineImage: ec2.MachineImage.fromSsmParameter(parameter), problems };
}

/** The SSM path segment of an AL2023 AMI type: `x86_64/nvidia`, `arm64/standard` … */
function ssmVariant(amiType: string): string {
  const arch = /ARM_64/i.test(amiType) ? 'arm64' : 'x86_64';
  const variant = /NVIDIA/i.test(amiType) ? 'nvidia' : /NEURON/i.test(amiType) ? 'neuron' : 'standard';
  return `${arch}/${variant}`;
}

/**
 * The nodes' user data: a MIME multipart document with a nodeadm `NodeConfig` part (cluster, kubelet labels, taints
 * and max-pods), then the user's own user data as another part.
 */
function nodeConfigUserData(
  join: JoinSettings, labels: Record<string, string>, taints: eksv2.TaintSpec[], maxPods: number | undefined, extra: ec2.UserData | undefined,
): ec2.UserData {
  // JSON strings are YAML double-quoted scalars; tokens inside them resolve in place.
  const q = (s: string) => JSON.stringify(s);
  const flags = [`--node-labels=${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}`];
  if (taints.length > 0) {
    flags.push(`--register-with-taints=${taints.map((t) => `${t.key}=${t.value ?? ''}:${TAINT_EFFECTS[t.effect as string]}`).join(',')}`);
  }
  const lines = [
    '---',
    'apiVersion: node.eks.aws/v1alpha1',
    'kind: NodeConfig',
    'spec:',
    '  cluster:',
    `    name: ${q(join.name)}`,
    `    apiServerEndpoint: ${q(join.endpoint!)}`,
    `    certificateAuthority: ${q(join.certificateAuthority!)}`,
    `    cidr: ${q(join.serviceCidr!)}`,
    '  kubelet:',
    // As a string token, a CfnParameter's value resolves into the document (a number token would print as -1.888…e+289).
    ...(maxPods === undefined ? [] : ['    config:', `      maxPods: ${Token.asString(maxPods)}`]),
    '    flags:',
    ...flags.map((f) => `      - ${q(f)}`),
    '',
  ];
  const userData = new ec2.MultipartUserData();
  userData.addPart(ec2.MultipartBody.fromRawBody({ contentType: 'application/node.eks.aws', body: lines.join('\n') }));
  if (extra !== undefined) {
    userData.addPart(ec2.MultipartBody.fromUserData(extra));
  }
  return userData;
}
