import { Annotations, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
// A type only: EfaCluster.addEfaNodeGroup() creates node groups, so the cluster module imports this one at run time.
import type { EfaCluster } from './efa-cluster';
import { EfaKubernetesPlugin } from './efa-kubernetes-plugin';
import { EfaNodeGroupOptions } from './efa-node-group-options';
import { offeringCheck } from './offering-check';
import { AcceleratorKind, InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaKubernetesLayout, EfaKubernetesPodOptions, EfaLayout, EfaLayoutOptions } from '../core/layout';
import { InterfaceType } from '../core/network-interface';
import { familyOf } from '../core/private/aws-recommendations';
import { Problem, definedKeys, efaError, throwIfProblems } from '../core/private/errors';
import { EfaLaunchTemplate } from '../ec2/efa-launch-template';
import { acknowledgeNagRules, managedPolicyRule } from './private/nag';
import { EFA_SUPPORTED_LABEL, choosePlugin } from './private/plugin-chart';
import { chooseSubnet, warnOnIpBudget } from './private/subnet-choice';

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
    checkSameLayout(this, capabilities, this.layout, { ...layoutOptions, primaryInterface: pods.primaryInterface });
    this.placementGroupName = this.launchTemplate.placementGroup?.placementGroupName;

    const reservationId = this.launchTemplate.capacityReservationId;
    const check = props.offeringCheck !== false;
    const subnetRequest = {
      subnet: props.subnet, vpcSubnets: props.vpcSubnets, availabilityZone: props.availabilityZone, availabilityZoneId: props.availabilityZoneId,
    };
    const subnet = chooseSubnet(this, cluster.vpc, subnetRequest, {
      multipleInterfaces: this.layout.interfaces.length > 1,
      offeringCheck: check,
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

    const plugin = choosePlugin(this, cluster.cluster, cluster.kubernetesVersion, props.kubernetesPlugin);
    if (plugin.chart !== undefined) {
      // Once per cluster: the first node group's chart version wins.
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

function scalingOf(scope: Construct, props: Pick<EfaNodeGroupOptions, 'minSize' | 'desiredSize' | 'maxSize'>): { minSize: number; desiredSize: number; maxSize: number } {
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

function checkSameLayout(scope: Construct, capabilities: InstanceTypeCapabilities[], layout: EfaLayout, options: EfaLayoutOptions): void {
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
    const other = render(EfaLayout.recommended(caps, options));
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
