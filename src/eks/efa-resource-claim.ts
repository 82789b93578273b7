import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';
// A type only: the claims ask the cluster wrapper to apply their manifests.
import type { EfaCluster } from './efa-cluster';
import { EfaDeviceAlignment } from './efa-device-alignment';
import { EfaKubernetesPlugin } from './efa-kubernetes-plugin';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { DNS_LABEL, DNS_SUBDOMAIN } from './private/kubernetes-names';
import { Problem, echo, echoName, efaError, throwIfProblems } from '../core/private/errors';

/** The EFA DRA driver's DeviceClass. */
const EFA_DEVICE_CLASS = 'efa.networking.k8s.aws';

/** The name of a claim's EFA request (a DNS label, for a container's `resources.claims[].request`). */
const EFA_REQUEST_NAME = 'efa';

/**
 * The construct ID of the EFA device plugin's Helm chart under the cluster construct, where `EfaNodeGroup` (and the
 * Karpenter node pool) install it once per cluster: a public contract of the node group (private/plugin-chart.ts).
 */
const DEVICE_PLUGIN_CHART_ID = 'EfaDevicePlugin';

/** The Kubernetes API group and version of DRA claims (GA in Kubernetes 1.34). */
const RESOURCE_API_VERSION = 'resource.k8s.io/v1';


/**
 * What an `EfaResourceClaimTemplate` or `EfaResourceClaim` asks for, without the cluster: enough to render the
 * manifest (`EfaResourceClaimTemplate.renderManifest()`, `EfaResourceClaim.renderManifest()`).
 *
 * The claim asks the EFA DRA driver (DeviceClass `efa.networking.k8s.aws`) for EFA devices, either a number of them
 * (`efaCount`) or all that match (`allEfas`), optionally aligned with accelerators (`alignWith`). Its requests are
 * named `efa` and, when aligned, `gpu` or `neuron`: a container can name them in `resources.claims[].request`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export interface EfaResourceClaimOptions {
  /**
   * The Kubernetes object's name (`metadata.name`), a DNS-1123 subdomain: lowercase letters, digits, `-` and `.`, at
   * most 253 characters, beginning and ending with a letter or digit. Pods name it in
   * `resourceClaimTemplateName` or `resourceClaimName`. An unresolved token is not checked.
   *
   * @throws `cdk-efa:invalid-kubernetes-name` when it is not a DNS-1123 subdomain
   */
  readonly name: string;

  /**
   * The Kubernetes namespace (`metadata.namespace`), a DNS-1123 label: lowercase letters, digits and `-`, at most 63
   * characters. It must exist before the claim is applied, and the pods that use the claim run in it. An unresolved
   * token is not checked.
   *
   * @default 'default'
   * @throws `cdk-efa:invalid-kubernetes-name` when it is not a DNS-1123 label
   */
  readonly namespace?: string;

  /**
   * How many EFA devices the claim asks for (`count`, allocation mode `ExactCount`), a whole number from 1 and, when
   * the instance type is known (`instanceType` or `capabilities`), at most its `maximumEfaInterfaces`. An unresolved
   * token is taken as is and not checked.
   *
   * @default - with `alignWith` and no `allEfas: false`, all EFA devices aligned with the accelerators
   *            (`allEfas`); otherwise 1
   * @throws `cdk-efa:claim-efa-count-out-of-range` when it is not a whole number from 1 or exceeds the instance
   *         type's EFAs; `cdk-efa:conflicting-claim-efa-options` together with `allEfas: true`
   */
  readonly efaCount?: number;

  /**
   * Ask for every EFA device that matches (allocation mode `All`) instead of a count: every EFA device of the node,
   * or with `alignWith` every EFA device that shares the accelerators' PCIe root or Neuron device group (on
   * p5.48xlarge, the four EFA devices of one GPU), whatever their number on the instance type.
   *
   * @default - true with `alignWith` and no `efaCount`; false otherwise
   * @throws `cdk-efa:conflicting-claim-efa-options` when true together with `efaCount`
   */
  readonly allEfas?: boolean;

  /**
   * Accelerators to ask for as well, on the same PCIe root (NVIDIA GPUs) or in the same connected Neuron device group
   * as the EFA devices. Needs the NVIDIA or Neuron DRA driver on the nodes.
   *
   * @default - EFA devices only, with no constraint
   */
  readonly alignWith?: EfaDeviceAlignment;

  /**
   * The instance type the claim is for, to check the counts against the capability table: `efaCount` at most the
   * type's `maximumEfaInterfaces`, and `alignWith`'s count at most its NVIDIA GPUs or Neuron devices. The claim
   * itself names no instance type; the scheduler allocates it on any node whose devices match.
   *
   * Without it (or with an unresolved token), counts are only checked for being whole numbers from 1 (and Neuron
   * group sizes for being 1, 4, 8 or 16); a count no node has leaves the pods Pending.
   *
   * @default - counts are not checked against an instance type
   * @throws the capability table's errors (`cdk-efa:unknown-instance-type`, `cdk-efa:efa-not-supported`) for a type
   *         it does not list as EFA-capable; `cdk-efa:claim-accelerator-count-out-of-range` when `alignWith` asks for
   *         more accelerators than the type carries, or for a kind it lacks
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * The capabilities of an instance type newer than the capability table, built from
   * `aws ec2 describe-instance-types`, used for the same checks as `instanceType`.
   *
   * @default - looked up in the capability table for `instanceType` (`EfaInstanceTypes.lookup`)
   * @throws `cdk-efa:capabilities-mismatch` when they are for another type than `instanceType`;
   *         `cdk-efa:invalid-capabilities` when they are incomplete
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInfo.html
   */
  readonly capabilities?: InstanceTypeCapabilities;
}

/**
 * Properties of an `EfaResourceClaimTemplate`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export interface EfaResourceClaimTemplateProps extends EfaResourceClaimOptions {
  /**
   * The cluster the template is applied to, wrapped with `EfaCluster.fromClusterV2()` or `EfaCluster.fromCluster()`.
   * Its EFA nodes must run the EFA DRA driver (`EfaKubernetesPlugin.DRA_DRIVER`, Kubernetes 1.34 or later).
   *
   * @throws `cdk-efa:dra-claim-on-device-plugin-cluster` at synth time when the cluster gets the EFA device plugin;
   *         `cdk-efa:resource-claim-needs-1-34` when it runs a Kubernetes version before 1.34;
   *         `cdk-efa:no-kubectl-provider` for an aws-eks-v2 cluster without a kubectl provider
   */
  readonly cluster: EfaCluster;
}

/**
 * Properties of an `EfaResourceClaim`.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export interface EfaResourceClaimProps extends EfaResourceClaimOptions {
  /**
   * The cluster the claim is applied to, wrapped with `EfaCluster.fromClusterV2()` or `EfaCluster.fromCluster()`.
   * Its EFA nodes must run the EFA DRA driver (`EfaKubernetesPlugin.DRA_DRIVER`, Kubernetes 1.34 or later).
   *
   * @throws `cdk-efa:dra-claim-on-device-plugin-cluster` at synth time when the cluster gets the EFA device plugin;
   *         `cdk-efa:resource-claim-needs-1-34` when it runs a Kubernetes version before 1.34;
   *         `cdk-efa:no-kubectl-provider` for an aws-eks-v2 cluster without a kubectl provider
   */
  readonly cluster: EfaCluster;
}

/**
 * A Kubernetes `ResourceClaimTemplate` (`resource.k8s.io/v1`) that asks the EFA DRA driver for EFA devices,
 * optionally on the same PCIe root as NVIDIA GPUs or in the same connected group as Neuron devices, applied to an
 * EKS cluster. Kubernetes creates one ResourceClaim per pod from it: pods name it in
 * `spec.resourceClaims[].resourceClaimTemplateName`.
 *
 * Needs Kubernetes 1.34 or later and the EFA DRA driver on the nodes (`EfaKubernetesPlugin.DRA_DRIVER`, which
 * `EfaNodeGroup` installs by default on a 1.34 cluster), plus the NVIDIA or Neuron DRA driver for `alignWith`. A
 * cluster that gets the EFA device plugin instead (from an EFA node group or Karpenter node pool, created before or
 * after the template) fails synthesis: the two plugins cannot share nodes, so the claims would never be allocated.
 *
 * To apply the manifest another way (kubectl, Helm, GitOps), call `EfaResourceClaimTemplate.renderManifest()`,
 * which needs no cluster.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export class EfaResourceClaimTemplate extends Construct {
  /**
   * The `ResourceClaimTemplate` manifest for these options, as a plain object (serialize it to YAML or JSON), checked
   * as the construct checks its props but without a cluster: nothing is applied, and neither the cluster's Kubernetes
   * version nor its EFA plugin is checked.
   *
   * @param options what the template asks for
   * @returns the manifest: `apiVersion`, `kind`, `metadata` and `spec`
   * @throws every problem of the options together, each with its ID (see `EfaResourceClaimOptions`)
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static renderManifest(options: EfaResourceClaimOptions): { [key: string]: any } {
    const rendered = renderClaim('ResourceClaimTemplate', options);
    throwIfProblems(`ResourceClaimTemplate ${echoName(options?.name)}`, rendered.problems);
    return rendered.manifest;
  }

  /** The template's name (`metadata.name`). */
  public readonly resourceClaimTemplateName: string;

  /** The template's namespace (`metadata.namespace`). */
  public readonly namespace: string;

  private readonly manifest: Record<string, any>;

  constructor(scope: Construct, id: string, props: EfaResourceClaimTemplateProps) {
    super(scope, id);
    const applied = applyClaim(this, 'ResourceClaimTemplate', 'EfaResourceClaimTemplate', props);
    this.manifest = applied.manifest;
    this.resourceClaimTemplateName = props.name;
    this.namespace = applied.namespace;
  }

  /**
   * The manifest this construct applies, as a plain object (a copy: changing it changes nothing).
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public toManifest(): { [key: string]: any } {
    return copyOf(this.manifest);
  }
}

/**
 * A shared, named Kubernetes `ResourceClaim` (`resource.k8s.io/v1`) that asks the EFA DRA driver for EFA devices,
 * optionally aligned with NVIDIA GPUs or Neuron devices, applied to an EKS cluster. Every pod that names it in
 * `spec.resourceClaims[].resourceClaimName` shares the same allocated devices and runs on their node; the claim lives
 * until it is deleted, whatever its pods do.
 *
 * Needs what `EfaResourceClaimTemplate` needs: Kubernetes 1.34 or later and the EFA DRA driver, never the device
 * plugin, on the cluster (checked at synth time). `EfaResourceClaim.renderManifest()` renders the manifest without a
 * cluster.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export class EfaResourceClaim extends Construct {
  /**
   * The `ResourceClaim` manifest for these options, as a plain object, checked as the construct checks its props but
   * without a cluster: nothing is applied, and neither the cluster's Kubernetes version nor its EFA plugin is checked.
   *
   * @param options what the claim asks for
   * @returns the manifest: `apiVersion`, `kind`, `metadata` and `spec`
   * @throws every problem of the options together, each with its ID (see `EfaResourceClaimOptions`)
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static renderManifest(options: EfaResourceClaimOptions): { [key: string]: any } {
    const rendered = renderClaim('ResourceClaim', options);
    throwIfProblems(`ResourceClaim ${echoName(options?.name)}`, rendered.problems);
    return rendered.manifest;
  }

  /** The claim's name (`metadata.name`). */
  public readonly resourceClaimName: string;

  /** The claim's namespace (`metadata.namespace`). */
  public readonly namespace: string;

  private readonly manifest: Record<string, any>;

  constructor(scope: Construct, id: string, props: EfaResourceClaimProps) {
    super(scope, id);
    const applied = applyClaim(this, 'ResourceClaim', 'EfaResourceClaim', props);
    this.manifest = applied.manifest;
    this.resourceClaimName = props.name;
    this.namespace = applied.namespace;
  }

  /**
   * The manifest this construct applies, as a plain object (a copy: changing it changes nothing).
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public toManifest(): { [key: string]: any } {
    return copyOf(this.manifest);
  }
}

type ClaimKind = 'ResourceClaimTemplate' | 'ResourceClaim';

interface RenderedClaim {
  readonly manifest: Record<string, any>;
  readonly namespace: string;
  readonly problems: Problem[];
}

/**
 * Checks the props (every problem in one error), applies the manifest under `scope` (construct ID `Manifest`) and
 * refuses, at synth time, a cluster that gets the EFA device plugin.
 */
function applyClaim(scope: Construct, kind: ClaimKind, className: string, props: EfaResourceClaimTemplateProps): RenderedClaim {
  const rendered = renderClaim(kind, props);
  throwIfProblems(`${className} ${scope.node.path}`, [...rendered.problems, ...versionProblems(kind, props.cluster)]);
  const what = `the ${kind} ${echo(props.name)}`;
  // A copy: aws-eks's KubernetesManifest adds its prune label to the objects it is given.
  props.cluster._addManifest(scope, 'Manifest', [copyOf(rendered.manifest)], what,
    `or apply the manifest of ${className}.renderManifest() yourself (kubectl apply)`);
  // Validated when the app synthesizes, so that a device-plugin node group created after the claim is refused too.
  scope.node.addValidation({
    validate: () => {
      const chart = devicePluginChart(props.cluster.cluster);
      return chart === undefined ? [] : [efaError('dra-claim-on-device-plugin-cluster', `${className} ${scope.node.path} applies ${what}, which asks the EFA DRA driver for EFA devices (DeviceClass ${EFA_DEVICE_CLASS}), but cluster ${props.cluster.cluster.node.path} gets the EFA device plugin (${chart.node.path}, for its EFA node groups or Karpenter node pools), and the device plugin and the DRA driver must not run on the same nodes, so the claim would never be allocated. Give the cluster's EFA node groups kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER (Kubernetes 1.34 or later; Karpenter supports only the device plugin), or drop the claim and have the pods request the extended resource vpc.amazonaws.com/efa.`).message];
    },
  });
  return rendered;
}

/** The EFA device plugin's chart under the cluster construct: cdk-efa's own, or one added with `addHelmChart`. */
function devicePluginChart(cluster: IConstruct): IConstruct | undefined {
  return cluster.node.children.find((c) => c.node.id === DEVICE_PLUGIN_CHART_ID
    // aws-eks and aws-eks-v2 HelmChart both expose the chart's name.
    || (c as { readonly chart?: unknown }).chart === EfaKubernetesPlugin.DEVICE_PLUGIN.chart);
}

/** `resource-claim-needs-1-34`: `resource.k8s.io/v1` is served from Kubernetes 1.34 on. */
function versionProblems(kind: ClaimKind, cluster: EfaCluster): Problem[] {
  const version = cluster.kubernetesVersion;
  const match = version === undefined || Token.isUnresolved(version) ? null : /^1\.(\d+)$/.exec(version);
  if (match === null || Number(match[1]) >= 34) {
    return [];
  }
  return [{ id: 'resource-claim-needs-1-34', message: `is a ${kind} for cluster ${cluster.cluster.node.path}, which runs Kubernetes ${version}; ${RESOURCE_API_VERSION} claims and the EFA DRA driver need Kubernetes 1.34 or later. Upgrade the cluster, or use the EFA device plugin (EfaKubernetesPlugin.DEVICE_PLUGIN) and have the pods request the extended resource vpc.amazonaws.com/efa.` }];
}

/** The manifest of a claim, and every problem of its options (nothing thrown but the capability table's errors). */
function renderClaim(kind: ClaimKind, options: EfaResourceClaimOptions): RenderedClaim {
  const opts: EfaResourceClaimOptions = options ?? ({} as EfaResourceClaimOptions);
  const namespace = opts.namespace ?? 'default';
  const problems: Problem[] = [
    ...nameProblems('name', opts.name, DNS_SUBDOMAIN, 253, 'a DNS-1123 subdomain: lowercase letters, digits, \'-\' and \'.\', at most 253 characters, beginning and ending with a letter or digit (for example \'aligned-efa-nvidia\')'),
    ...nameProblems('namespace', opts.namespace, DNS_LABEL, 63, 'a DNS-1123 label: lowercase letters, digits and \'-\', at most 63 characters, beginning and ending with a letter or digit (for example \'training\')'),
  ];
  const alignWith = opts.alignWith;
  const allEfas = opts.allEfas ?? (alignWith !== undefined && opts.efaCount === undefined);
  if (opts.allEfas === true && opts.efaCount !== undefined) {
    problems.push({ id: 'conflicting-claim-efa-options', message: `has both efaCount ${echo(opts.efaCount)} and allEfas: true; a request asks for a count of devices or for all of them. Keep one.` });
  }
  const efaCount = opts.efaCount ?? 1;
  if (!Token.isUnresolved(efaCount) && !(Number.isInteger(efaCount) && efaCount >= 1)) {
    problems.push({ id: 'claim-efa-count-out-of-range', message: `has efaCount ${echo(efaCount)}; give a whole number of EFA devices from 1, or allEfas: true for all that match.` });
  }
  const capabilities = capabilitiesOf(opts, problems);
  if (capabilities !== undefined) {
    problems.push(...instanceTypeProblems(capabilities, allEfas ? undefined : efaCount, alignWith));
  }

  const requests: Record<string, any>[] = [{
    name: EFA_REQUEST_NAME,
    exactly: allEfas ? { deviceClassName: EFA_DEVICE_CLASS, allocationMode: 'All' } : { deviceClassName: EFA_DEVICE_CLASS, count: efaCount },
  }];
  const devices: Record<string, any> = { requests };
  if (alignWith !== undefined) {
    requests.push({ name: alignWith.requestName, exactly: { deviceClassName: alignWith.deviceClassName, count: alignWith.count } });
    devices.constraints = [{ requests: [EFA_REQUEST_NAME, alignWith.requestName], matchAttribute: alignWith.matchAttribute }];
  }
  const manifest = {
    apiVersion: RESOURCE_API_VERSION,
    kind,
    metadata: { name: opts.name, namespace },
    // A template wraps the claim's spec in spec.spec; a claim has it at spec.
    spec: kind === 'ResourceClaimTemplate' ? { spec: { devices } } : { devices },
  };
  return { manifest, namespace, problems };
}

/** `invalid-kubernetes-name`: a name or namespace that Kubernetes would reject. */
function nameProblems(field: string, value: unknown, pattern: RegExp, maxLength: number, rule: string): Problem[] {
  if (value === undefined && field === 'namespace') {
    return [];
  }
  if (typeof value === 'string' && Token.isUnresolved(value)) {
    return [];
  }
  if (typeof value === 'string' && value.length <= maxLength && pattern.test(value)) {
    return [];
  }
  return [{ id: 'invalid-kubernetes-name', message: `has ${field} ${echo(value)}, which Kubernetes rejects: a ${field} must be ${rule}.` }];
}

/**
 * The capabilities to check the counts against: `capabilities`, or the table's row for `instanceType`; none when
 * neither is given or the type is a token. A mismatch between the two is a problem (`capabilities-mismatch`).
 */
function capabilitiesOf(options: EfaResourceClaimOptions, problems: Problem[]): InstanceTypeCapabilities | undefined {
  const name = options.instanceType?.toString();
  const resolvedName = name === undefined || Token.isUnresolved(name) ? undefined : name;
  const given = options.capabilities;
  if (given !== undefined) {
    EfaInstanceTypes.validateCapabilities(given);
    if (resolvedName !== undefined && resolvedName !== given.instanceType) {
      problems.push({ id: 'capabilities-mismatch', message: `has instanceType ${resolvedName} but capabilities for ${echoName(given.instanceType)}; pass capabilities of the same instance type.` });
    }
    return given;
  }
  return resolvedName === undefined ? undefined : EfaInstanceTypes.lookup(resolvedName);
}

/** The counts against the instance type: EFA devices (`efaCount`, unless all are asked for) and accelerators. */
function instanceTypeProblems(
  capabilities: InstanceTypeCapabilities, efaCount: number | undefined, alignWith: EfaDeviceAlignment | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const type = capabilities.instanceType;
  const efas = capabilities.maximumEfaInterfaces;
  if (efaCount !== undefined && !Token.isUnresolved(efaCount) && Number.isInteger(efaCount) && efaCount > efas) {
    problems.push({ id: 'claim-efa-count-out-of-range', message: `asks for ${efaCount} EFA devices, but ${type} has at most ${efas} EFA interfaces, so no ${type} node could satisfy the claim and its pods would stay Pending; ask for ${efas} or fewer, or allEfas: true.` });
  }
  if (alignWith !== undefined && !Token.isUnresolved(alignWith.count)) {
    const { description, available } = alignWith._onInstanceType(capabilities);
    if (alignWith.count > available) {
      const has = available === 0 ? `${type} has no ${description}` : `${type} has ${available}`;
      problems.push({ id: 'claim-accelerator-count-out-of-range', message: `aligns the EFA devices with ${alignWith.count} ${description}, but ${has}, so no ${type} node could satisfy the claim and its pods would stay Pending; ask for ${available === 0 ? 'the accelerators the instance type carries' : `${available} or fewer`}, or check instanceType.` });
    }
  }
  return problems;
}

/** A deep copy of a manifest (plain JSON values and tokens). */
function copyOf<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map(copyOf) as unknown as T;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyOf(v)])) as T;
  }
  return value;
}
