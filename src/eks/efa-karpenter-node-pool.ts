import { CustomResource, Names, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
// Types only, erased at run time: importing cdk-efa loads no EKS or IAM module (see private/lazy-modules.ts).
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
// A type only: the cluster module loads the EKS modules lazily, and this module needs none of its values.
import type { EfaCluster } from './efa-cluster';
import { EfaKubernetesPlugin } from './efa-kubernetes-plugin';
import { DNS_LABEL, TAINT_EFFECTS, labelProblems, taintProblems } from './private/kubernetes-names';
import { EFA_SUPPORTED_LABEL, choosePlugin, hasDraDriver, karpenterWithDraDriverProblem } from './private/plugin-chart';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaKarpenterLayout, KarpenterNetworkInterface } from '../core/karpenter';
import { EfaLayout, LayoutProfile, PrimaryInterface } from '../core/layout';
import { Problem, describeProblem, echo, throwIfProblems } from '../core/private/errors';
import { mixedLayoutsProblem, mixedP4Problem } from '../core/private/fleet-rules';
import { EfaCapacity } from '../ec2/capacity';
import { offeringCheck } from '../ec2/offering-check';
import { EfaPlacement } from '../ec2/placement';
import { defaultPlacement } from '../ec2/private/capacity-rules';
import { launchTemplateProblems } from '../ec2/private/launch-template-rules';
import { chooseSubnet, subnetRequestProblems, warnIfReservationZoneUnchecked } from '../ec2/private/subnet-choice';
import { EfaSubnetOptions } from '../ec2/subnet-options';

/**
 * A Karpenter capacity type (the `karpenter.sh/capacity-type` node label a NodePool's requirements select).
 *
 * @see https://karpenter.sh/docs/concepts/nodepools/
 * @see https://karpenter.sh/docs/tasks/odcrs/
 */
export enum KarpenterCapacityType {
  /** On-Demand instances. */
  ON_DEMAND = 'on-demand',
  /** Spot instances. */
  SPOT = 'spot',
  /**
   * Capacity in an On-Demand Capacity Reservation or a Capacity Block for ML, selected by the `EC2NodeClass`'s
   * `capacityReservationSelectorTerms` (Karpenter's `ReservedCapacity` feature, on by default since v1.6).
   */
  RESERVED = 'reserved',
}

/**
 * Properties of an `EfaKarpenterNodePool`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export interface EfaKarpenterNodePoolProps extends EfaSubnetOptions {
  /** The cluster, wrapped with `EfaCluster.fromClusterV2()` or `EfaCluster.fromCluster()`. */
  readonly cluster: EfaCluster;

  /**
   * The instance types the NodePool may launch (its `node.kubernetes.io/instance-type` requirement). Several are
   * allowed only when their EFA layouts are identical (for example p5.48xlarge and p5e.48xlarge), because one
   * `EC2NodeClass` has one `networkInterfaces` list; p4d and p4de never mix with other types.
   *
   * @throws `cdk-efa:no-instance-type` when empty; `cdk-efa:mixed-layouts` and `cdk-efa:p4d-mixed` for types that
   *         cannot share a node class; `cdk-efa:karpenter-needs-efa-interface` for a type whose layout needs an `efa`
   *         interface (hpc6id.32xlarge)
   */
  readonly instanceTypes: ec2.InstanceType[];

  /**
   * The IAM role of the nodes Karpenter launches (the `EC2NodeClass`'s `role`, by name): Karpenter creates the
   * instance profile for it. The role must already be allowed to join the cluster (an EKS access entry of type
   * `EC2_LINUX`, or an aws-auth mapping), as Karpenter's own installation sets up for its node role.
   *
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specrole
   */
  readonly role: iam.IRole;

  /**
   * How many EFA interfaces each node gets, a count.
   *
   * @default - the most AWS recommends for the type
   */
  readonly efaCount?: number;

  /**
   * Extra ENA interfaces for IP bandwidth and addresses. The Amazon VPC CNI uses ENAs on network cards other than 0
   * only with `ENABLE_MULTI_NIC`.
   *
   * @default LayoutProfile.SINGLE_IP
   */
  readonly profile?: LayoutProfile;

  /**
   * The primary interface. Karpenter accepts only an ENA primary (`interface`), so the only value is
   * `PrimaryInterface.ENA`; set it for types whose recommended layout has an `efa` primary (hpc6id.32xlarge), to get a
   * layout with one EFA fewer rather than an error.
   *
   * @default - AWS's recommended layout, refused with `cdk-efa:karpenter-needs-efa-interface` where it needs an `efa`
   *            primary
   * @throws `cdk-efa:karpenter-needs-efa-interface` for `PrimaryInterface.EFA`
   */
  readonly primaryInterface?: PrimaryInterface;

  /**
   * The placement group (the `EC2NodeClass`'s `placementGroupSelector`, by name). A cluster placement group made by
   * `EfaPlacement.cluster()` is created by this construct (construct ID `PlacementGroup`). Capacity reservations and
   * Capacity Blocks need `EfaPlacement.none()` or the reservation's own group.
   *
   * @default - `EfaPlacement.cluster()`; `EfaPlacement.none()` with a capacity reservation
   * @throws `cdk-efa:placement-group-with-reservation` for `EfaPlacement.cluster()` with a reservation as `capacity`
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specplacementgroupselector
   */
  readonly placement?: EfaPlacement;

  /**
   * Which capacity the nodes launch into. A reservation (`EfaCapacity.reservation(id)`, or a Capacity Block with
   * `EfaCapacity.capacityBlock(id)`) becomes the `EC2NodeClass`'s `capacityReservationSelectorTerms`, and Karpenter
   * launches into it as capacity type `reserved`; Karpenter tells ODCRs and Capacity Blocks apart itself.
   *
   * @default EfaCapacity.onDemand()
   * @see https://karpenter.sh/docs/tasks/odcrs/
   */
  readonly capacity?: EfaCapacity;

  /**
   * The capacity types the NodePool may launch (its `karpenter.sh/capacity-type` requirement). Karpenter prefers
   * reserved capacity, then On-Demand, then Spot, among those listed.
   *
   * @default - `[RESERVED]` with a reservation as `capacity`, else `[ON_DEMAND]`
   * @throws `cdk-efa:karpenter-invalid-capacity-types` when empty, `RESERVED` without a reservation, or a reservation
   *         without `RESERVED`
   */
  readonly capacityTypes?: KarpenterCapacityType[];

  /**
   * Kubernetes labels for the nodes, on top of `cdk-efa.io/efa-supported` and `cdk-efa.io/efa-count`, which win over
   * labels of the same key here: the EFA device plugin's DaemonSet selects nodes by `cdk-efa.io/efa-supported=true`.
   *
   * @default - only cdk-efa's labels
   * @throws `cdk-efa:invalid-node-label` for a key or value Kubernetes rejects, or a `kubernetes.io` / `k8s.io` label
   *         the kubelet may not set on its node
   */
  readonly labels?: Record<string, string>;

  /**
   * Kubernetes taints for the nodes, with the same values as `EfaNodeGroup`'s (written in the NodePool with Kubernetes'
   * spelling, `NoSchedule`, `PreferNoSchedule`, `NoExecute`). The EFA device plugin tolerates every taint.
   *
   * @default - none
   * @throws `cdk-efa:invalid-node-taint` for a taint without key or a known effect, or with a key or value Kubernetes rejects
   */
  readonly taints?: eksv2.TaintSpec[];

  /**
   * The NodePool's resource limits (`spec.limits`): Kubernetes quantities by resource name, for example
   * `{ 'nvidia.com/gpu': '64' }` or `{ cpu: '1536', memory: '16Ti' }`. Karpenter launches no node past them.
   *
   * @default - no limits
   * @throws `cdk-efa:karpenter-invalid-limit` for a value that is not a Kubernetes quantity
   * @see https://karpenter.sh/docs/concepts/nodepools/#speclimits
   */
  readonly limits?: Record<string, string>;

  /**
   * The EFA plugin to install on the cluster, once per cluster, for the nodes labelled
   * `cdk-efa.io/efa-supported=true`. Karpenter supports only the device plugin: `DRA_DRIVER` is refused, and a cluster
   * whose EFA node groups get the DRA driver cannot have a Karpenter node pool (`cdk-efa:karpenter-with-dra-driver`,
   * whichever is created first).
   *
   * @default - `DEVICE_PLUGIN`, at the version the cluster already gets from an EFA node group, if any
   * @throws `cdk-efa:karpenter-dra-driver`, `cdk-efa:karpenter-with-dra-driver`, `cdk-efa:plugin-chart-version-conflict`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  readonly kubernetesPlugin?: EfaKubernetesPlugin;

  /**
   * The `EC2NodeClass`'s name: a Kubernetes name of lowercase letters, digits and `-`, at most 63 characters.
   *
   * @default - a name unique to this construct's path, for example `stack-p5pool-ba9f4fc0`
   * @throws `cdk-efa:karpenter-invalid-name`
   */
  readonly nodeClassName?: string;

  /**
   * The NodePool's name (also the nodes' `karpenter.sh/nodepool` label): a Kubernetes name of lowercase letters,
   * digits and `-`, at most 63 characters.
   *
   * @default - the same name as the node class
   * @throws `cdk-efa:karpenter-invalid-name`
   */
  readonly nodePoolName?: string;

  /**
   * The AMI alias (the `EC2NodeClass`'s one `amiSelectorTerms` entry), `family@version`. The family is `al2023` or
   * `bottlerocket`, whose EKS-optimized AMIs carry the EFA host software; Karpenter picks the accelerated (NVIDIA or
   * Neuron) variant for each instance type. `@latest` moves nodes to each new AMI release (Karpenter replaces them as
   * drifted): pin a version, for example `al2023@v20260101`, to control when that happens.
   *
   * @default 'al2023@latest'
   * @throws `cdk-efa:karpenter-invalid-ami-alias`
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specamiselectorterms
   */
  readonly amiSelectorAlias?: string;

  /**
   * Size of each node's root volume (with Bottlerocket: its data volume `/dev/xvdb`, where container images live), in
   * GiB. Karpenter's own default is 20 GiB, too small for most GPU images.
   *
   * @default 100
   * @throws `cdk-efa:invalid-root-volume-size` below 1 or fractional
   */
  readonly rootVolumeSizeGiB?: number;
}

/** The AMI families whose EKS-optimized AMIs carry the EFA host software. */
const AMI_FAMILIES = ['al2023', 'bottlerocket'];

/** A Kubernetes resource quantity, for example `64`, `1.5`, `500m`, `16Ti`, `1e3`. */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;

/**
 * A Karpenter v1 `EC2NodeClass` and `NodePool` for EFA nodes, applied to an `EfaCluster` as Kubernetes manifests, with
 * the Kubernetes side ready to schedule EFA pods.
 *
 * The `EC2NodeClass` (`karpenter.k8s.aws/v1`) carries the nodes' `networkInterfaces` from the layout engine (AWS's
 * recommended layout, in Karpenter's shape), one subnet chosen as `EfaNodeGroup` chooses it (with the same deploy-time
 * offering check), the cluster's shared EFA security group and the cluster security group, a cluster placement group
 * created here (`placementGroupSelector`), the node role, the AMI alias, IMDSv2, and the capacity reservation if any.
 * The `NodePool` (`karpenter.sh/v1`) restricts the instance types, the zone and the capacity types, and labels the
 * nodes for the EFA device plugin, which is installed once per cluster.
 *
 * Karpenter itself is not installed by this construct: it needs Karpenter 1.11 or later (the first with
 * `networkInterfaces` and `placementGroupSelector`) already running on the cluster, with its CRDs, when the manifests
 * are applied. If Karpenter is installed in the same app, make this construct depend on it
 * (`pool.node.addDependency(karpenterChart)`). Karpenter sets the nodes' max-pods itself, counting an `efa-only`
 * interface on network card 0 as used.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 * @see https://karpenter.sh/docs/concepts/nodeclasses/
 */
export class EfaKarpenterNodePool extends Construct {
  /** The nodes' network interfaces, with counts, IP addresses per node and EFA bandwidth. */
  public readonly layout: EfaLayout;

  /** The `EC2NodeClass`'s `spec.networkInterfaces`. */
  public readonly networkInterfaces: KarpenterNetworkInterface[];

  /** The `EC2NodeClass`'s name. */
  public readonly nodeClassName: string;

  /** The `NodePool`'s name. */
  public readonly nodePoolName: string;

  /** The subnet ID the nodes launch in: the offering check's answer (a deploy-time value) when the check is on. */
  public readonly subnetId: string;

  /**
   * The placement group's name.
   *
   * @default - none, for `EfaPlacement.none()`
   */
  public readonly placementGroupName?: string;

  /** The capacity types the NodePool may launch. */
  public readonly capacityTypes: KarpenterCapacityType[];

  /** The Kubernetes plugin the nodes rely on. */
  public readonly kubernetesPlugin: EfaKubernetesPlugin;

  /** The node IAM role. */
  public readonly role: iam.IRole;

  /** The construct that applies the two manifests (aws-eks-v2's or aws-eks's `KubernetesManifest`). */
  public readonly manifest: IConstruct;

  constructor(scope: Construct, id: string, props: EfaKarpenterNodePoolProps) {
    super(scope, id);
    const cluster = props.cluster;
    const instanceTypes = props.instanceTypes ?? [];
    const names = instanceTypes.map((t) => t.toString());
    // The layout of each type comes first (the table and the layout engine report an unknown type or impossible
    // options themselves); then every problem of the props, in one pass that throws once.
    const layoutOptions = { efaCount: props.efaCount, profile: props.profile, primaryInterface: props.primaryInterface };
    const layouts = names.map((name) => EfaKarpenterLayout.forCapabilities(EfaInstanceTypes.lookup(name), layoutOptions));
    const capacity = props.capacity ?? EfaCapacity.onDemand();
    const reservationId = capacity.capacityReservationId;
    const capacityTypes = props.capacityTypes ?? [reservationId === undefined ? KarpenterCapacityType.ON_DEMAND : KarpenterCapacityType.RESERVED];
    const check = props.offeringCheck !== false;
    const subnetRequest = {
      subnet: props.subnet, vpcSubnets: props.vpcSubnets, availabilityZone: props.availabilityZone, availabilityZoneId: props.availabilityZoneId,
    };
    const plugin = choosePlugin(cluster.cluster, cluster.kubernetesVersion, props.kubernetesPlugin, 'Karpenter node pool');
    const defaultName = Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    const nodeClassName = props.nodeClassName ?? defaultName;
    const nodePoolName = props.nodePoolName ?? nodeClassName;
    const alias = props.amiSelectorAlias ?? 'al2023@latest';
    const optional = (p: Problem | undefined) => (p === undefined ? [] : [p]);
    throwIfProblems(`EfaKarpenterNodePool ${this.node.path}`, [
      ...(instanceTypes.length === 0 ? [{ id: 'no-instance-type', message: 'needs instanceTypes, for example [new ec2.InstanceType(\'p5.48xlarge\')].' }] : []),
      ...optional(mixedLayoutsProblem(layouts.map((l) => l.layout), 'one EC2NodeClass', 'its own EfaKarpenterNodePool')),
      ...optional(mixedP4Problem(names)),
      ...capacityTypeProblems(capacityTypes, reservationId),
      ...launchTemplateProblems({ capacity, placement: props.placement, rootVolumeSizeGiB: props.rootVolumeSizeGiB }),
      ...subnetRequestProblems(subnetRequest, check),
      ...nameProblems({ nodeClassName: props.nodeClassName, nodePoolName: props.nodePoolName }),
      ...aliasProblems(alias),
      ...labelProblems(props.labels ?? {}),
      ...taintProblems(props.taints ?? []),
      ...limitProblems(props.limits ?? {}),
      ...plugin.problems,
    ]);
    this.layout = layouts[0].layout;
    this.networkInterfaces = layouts[0].networkInterfaces;
    this.nodeClassName = nodeClassName;
    this.nodePoolName = nodePoolName;
    this.capacityTypes = capacityTypes;
    this.kubernetesPlugin = plugin.plugin;
    this.role = props.role;
    // A node group on the DRA driver may be added to the cluster after this pool.
    this.node.addValidation({
      validate: () => (hasDraDriver(cluster.cluster) ? [describeProblem(karpenterWithDraDriverProblem(cluster.cluster))] : []),
    });

    const placementGroup = (props.placement ?? defaultPlacement(capacity))._bind(this);
    this.placementGroupName = EfaPlacement._nameOf(placementGroup);

    const subnet = chooseSubnet(this, cluster.vpc, subnetRequest, {
      construct: 'EfaKarpenterNodePool',
      multipleInterfaces: this.layout.interfaces.length > 1,
      checkChooses: check && reservationId !== undefined,
    });
    warnIfReservationZoneUnchecked(this, 'EfaKarpenterNodePool', reservationId, subnet.subnets[0], check);
    let zone: string | undefined;
    if (check) {
      this.subnetId = offeringCheck(this, subnet.subnetIds, instanceTypes, props.availabilityZoneId, reservationId);
      // The check's answer also names the chosen subnet's zone.
      zone = (this.node.findChild('OfferingCheck') as CustomResource).getAttString('AvailabilityZone');
    } else {
      this.subnetId = subnet.subnetIds[0];
      zone = zoneOf(subnet.subnets[0]);
    }

    if (plugin.chart !== undefined) {
      // Once per cluster, shared with the cluster's EFA node groups (checked above).
      cluster._installChartOnce(plugin.chart.id, plugin.chart.settings);
    }

    const bottlerocket = alias.startsWith('bottlerocket@');
    const volume = (size: number) => ({ volumeSize: `${Token.asString(size)}Gi`, volumeType: 'gp3', encrypted: true });
    const rootSize = props.rootVolumeSizeGiB ?? 100;
    const nodeClass = {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: nodeClassName },
      spec: {
        role: props.role.roleName,
        amiSelectorTerms: [{ alias }],
        subnetSelectorTerms: [{ id: this.subnetId }],
        // One EFA security group per cluster, so that Karpenter nodes exchange EFA traffic with the cluster's EFA node
        // groups; Karpenter puts the groups on every interface.
        securityGroupSelectorTerms: [
          { id: cluster.sharedEfaSecurityGroup().securityGroupId },
          { id: cluster.clusterSecurityGroup.securityGroupId },
        ],
        networkInterfaces: this.networkInterfaces.map((i) => ({ ...i })),
        ...(placementGroup === undefined ? {} : { placementGroupSelector: { name: this.placementGroupName } }),
        ...(reservationId === undefined ? {} : { capacityReservationSelectorTerms: [{ id: reservationId }] }),
        // IMDSv2 only; 2 hops, as EfaLaunchTemplate, so that containers reach the instance metadata service.
        metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 2, httpTokens: 'required' },
        // Bottlerocket keeps its OS on /dev/xvda (4 GiB, its default) and images on /dev/xvdb.
        blockDeviceMappings: bottlerocket
          ? [{ deviceName: '/dev/xvda', ebs: volume(4) }, { deviceName: '/dev/xvdb', ebs: volume(rootSize) }]
          : [{ deviceName: '/dev/xvda', ebs: volume(rootSize) }],
      },
    };
    const nodePool = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: nodePoolName },
      spec: {
        template: {
          metadata: {
            labels: {
              ...props.labels,
              // cdk-efa's labels win: the EFA device plugin's DaemonSet selects nodes by EFA_SUPPORTED_LABEL.
              [EFA_SUPPORTED_LABEL]: 'true',
              'cdk-efa.io/efa-count': String(this.layout.summary.efaCount),
            },
          },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodeClassName },
            requirements: [
              { key: 'node.kubernetes.io/instance-type', operator: 'In', values: names },
              // EFA traffic stays in one subnet, so in one Availability Zone (pinned by the subnet in any case).
              ...(zone === undefined ? [] : [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] }]),
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: capacityTypes.map((c) => c as string) },
            ],
            ...((props.taints ?? []).length === 0 ? {} : { taints: props.taints!.map(kubernetesTaint) }),
          },
        },
        ...(props.limits === undefined ? {} : { limits: { ...props.limits } }),
      },
    };
    this.manifest = cluster._addManifest(this, 'Manifest', [nodeClass, nodePool], `the Karpenter EC2NodeClass and NodePool of ${this.node.path}`,
      'or apply the EC2NodeClass and NodePool yourself (EfaKarpenterLayout gives their networkInterfaces)');
  }
}

/** A taint in the NodePool's (Kubernetes') spelling. */
function kubernetesTaint(taint: eksv2.TaintSpec): Record<string, string> {
  return { key: taint.key!, ...(taint.value === undefined ? {} : { value: taint.value }), effect: TAINT_EFFECTS[taint.effect as string] };
}

/** The subnet's Availability Zone, or undefined for a subnet imported without one (reading it throws). */
function zoneOf(subnet: ec2.ISubnet): string | undefined {
  try {
    return subnet.availabilityZone;
  } catch {
    return undefined;
  }
}

/** `karpenter-invalid-capacity-types`: none, reserved without a reservation, or a reservation nothing uses. */
function capacityTypeProblems(types: KarpenterCapacityType[], reservationId: string | undefined): Problem[] {
  const known: string[] = Object.values(KarpenterCapacityType);
  const problems: Problem[] = [];
  const unknown = types.filter((t) => !known.includes(t));
  if (types.length === 0 || unknown.length > 0) {
    const what = types.length === 0 ? 'an empty list, which matches no capacity' : `${unknown.map((t) => echo(t)).join(', ')}, not a KarpenterCapacityType`;
    problems.push({ id: 'karpenter-invalid-capacity-types', message: `has capacityTypes ${what}; give one or more of KarpenterCapacityType.ON_DEMAND, SPOT and RESERVED, or leave it unset.` });
  } else if (types.includes(KarpenterCapacityType.RESERVED) && reservationId === undefined) {
    problems.push({ id: 'karpenter-invalid-capacity-types', message: 'has capacity type RESERVED but no reservation as capacity, so the node class selects no reservation and Karpenter finds no reserved capacity; pass capacity: EfaCapacity.reservation(\'cr-…\') (or capacityBlock), or use ON_DEMAND.' });
  } else if (reservationId !== undefined && !types.includes(KarpenterCapacityType.RESERVED)) {
    problems.push({ id: 'karpenter-invalid-capacity-types', message: `launches into capacity reservation ${echo(reservationId)} but its capacityTypes (${types.join(', ')}) leave out RESERVED, and Karpenter launches into a reservation only as capacity type 'reserved'; add KarpenterCapacityType.RESERVED, or launch On-Demand (EfaCapacity.onDemand()).` });
  }
  return problems;
}

/** `karpenter-invalid-name`: names Kubernetes (and the nodes' `karpenter.sh/nodepool` label) reject. */
function nameProblems(names: Record<string, string | undefined>): Problem[] {
  return Object.entries(names).flatMap(([prop, name]) => {
    if (name === undefined || Token.isUnresolved(name) || (typeof name === 'string' && name.length <= 63 && DNS_LABEL.test(name))) {
      return [];
    }
    return [{ id: 'karpenter-invalid-name', message: `has ${prop} ${echo(name)}, but Kubernetes names here are lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters; for example 'p5-efa', or leave it unset for a generated name.` }];
  });
}

/** `karpenter-invalid-ami-alias`: an alias Karpenter rejects, or of a family without the EFA host software. */
function aliasProblems(alias: string): Problem[] {
  if (Token.isUnresolved(alias)) {
    return [];
  }
  const [family, version] = typeof alias === 'string' ? alias.split('@') : [];
  if (typeof alias === 'string' && /^[a-zA-Z0-9]+@.+$/.test(alias) && AMI_FAMILIES.includes(family) && version !== '') {
    return [];
  }
  return [{ id: 'karpenter-invalid-ami-alias', message: `has amiSelectorAlias ${echo(alias)}, but it must be 'family@version' with family al2023 or bottlerocket, whose EKS-optimized AMIs carry the EFA host software; for example 'al2023@latest' or 'al2023@v20260101'.` }];
}

/** `karpenter-invalid-limit`: a limit that is not a Kubernetes quantity. */
function limitProblems(limits: Record<string, string>): Problem[] {
  return Object.entries(limits).flatMap(([resource, value]) => {
    if (Token.isUnresolved(value) || (typeof value === 'string' && QUANTITY.test(value))) {
      return [];
    }
    return [{ id: 'karpenter-invalid-limit', message: `has limit ${echo(value)} for ${resource}, which is not a Kubernetes quantity; give a number as a string, with a unit where it has one, for example { 'nvidia.com/gpu': '64', memory: '16Ti' }.` }];
  });
}
