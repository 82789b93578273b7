import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Problem } from '../../core/private/errors';
import { EfaKubernetesPlugin } from '../efa-kubernetes-plugin';
import { ChartSettings } from './eks-settings';

/** The node label every EfaNodeGroup and EfaKarpenterNodePool node carries, and the EFA plugin's DaemonSet selects by. */
export const EFA_SUPPORTED_LABEL = 'cdk-efa.io/efa-supported';

/** Construct IDs of the per-cluster charts, under the cluster construct. */
const CHART_IDS: Record<string, string> = { 'device-plugin': 'EfaDevicePlugin', 'dra-driver': 'EfaDraDriver' };

/** The Kubernetes plugin of a node group, and the chart to install for it once per cluster (none for `NONE`). */
export interface PluginChoice {
  readonly plugin: EfaKubernetesPlugin;
  /** The chart's construct ID under the cluster construct (a public contract), and its settings. */
  readonly chart?: { readonly id: string; readonly settings: ChartSettings };
  /** Why the plugin cannot be installed on this cluster; the chart must not be installed when there are any. */
  readonly problems: Problem[];
}

/** What asks for a plugin: an EFA node group (the default) or a Karpenter node pool. */
export type PluginConsumer = 'node group' | 'Karpenter node pool';

/**
 * The EFA plugin the cluster already gets from another EFA node group or Karpenter node pool, at the chart version it
 * was installed with (the plugin's default version when that is a token); undefined when it gets none.
 */
export function installedPlugin(cluster: IConstruct): EfaKubernetesPlugin | undefined {
  for (const [name, id] of Object.entries(CHART_IDS)) {
    // aws-eks and aws-eks-v2 HelmChart both expose the version they were given.
    const chart = cluster.node.tryFindChild(id) as { readonly version?: string } | undefined;
    if (chart === undefined) {
      continue;
    }
    const version = chart.version;
    const known = version !== undefined && !Token.isUnresolved(version);
    if (name === 'dra-driver') {
      return known ? EfaKubernetesPlugin.draDriver(version) : EfaKubernetesPlugin.DRA_DRIVER;
    }
    return known ? EfaKubernetesPlugin.devicePlugin(version) : EfaKubernetesPlugin.DEVICE_PLUGIN;
  }
  return undefined;
}

/**
 * Chooses the Kubernetes plugin of a node group (or Karpenter node pool) and the Helm chart that installs it, given
 * the cluster construct (the charts' parent) and its Kubernetes version (for example `1.34`; undefined when unknown).
 * Creates nothing.
 *
 * Without a plugin asked for, a node group gets the plugin the cluster already gets (from another node group or a
 * Karpenter node pool), else the DRA driver from Kubernetes 1.34 and the device plugin below; a Karpenter node pool
 * gets the device plugin (the version already installed, if any), the only one Karpenter supports.
 *
 * Problems (for the node group's one pass): `dra-needs-1-34` when the DRA driver is asked for below Kubernetes 1.34;
 * `both-efa-plugins` when the cluster already gets the other plugin; `plugin-chart-version-conflict` when it already
 * gets the same chart at another version (one cluster runs one version: cdk-efa refuses rather than letting the first
 * node group win silently). For a Karpenter node pool: `karpenter-dra-driver` when it asks for the DRA driver, and
 * `karpenter-with-dra-driver` (in place of `both-efa-plugins`) when the cluster already gets the DRA driver.
 */
export function choosePlugin(
  cluster: IConstruct, version: string | undefined, asked?: EfaKubernetesPlugin, consumer: PluginConsumer = 'node group',
): PluginChoice {
  const minor = version === undefined ? undefined : Number(version.split('.')[1]);
  const atLeast134 = minor !== undefined && version!.startsWith('1.') && minor >= 34;
  const installed = installedPlugin(cluster);
  const karpenter = consumer === 'Karpenter node pool';
  const plugin = asked ?? (karpenter
    ? (installed?.name === 'device-plugin' ? installed : EfaKubernetesPlugin.DEVICE_PLUGIN)
    : installed ?? (atLeast134 ? EfaKubernetesPlugin.DRA_DRIVER : EfaKubernetesPlugin.DEVICE_PLUGIN));
  const problems: Problem[] = [];
  if (karpenter && installed?.name === 'dra-driver') {
    // Whatever the pool asks for, NONE included: the DRA driver's DaemonSet selects every node labelled
    // cdk-efa.io/efa-supported, and so would run next to the device plugin on the pool's nodes.
    problems.push(karpenterWithDraDriverProblem(cluster));
  }
  if (plugin.name === EfaKubernetesPlugin.NONE.name) {
    return { plugin, problems };
  }
  if (karpenter && plugin.name === 'dra-driver') {
    problems.push({ id: 'karpenter-dra-driver', message: `asks for the EFA DRA driver (${plugin.chart} ${plugin.chartVersion}), but Karpenter supports only the EFA device plugin; use EfaKubernetesPlugin.DEVICE_PLUGIN (the default), or EfaKubernetesPlugin.NONE if you install the device plugin yourself. For the DRA driver, use EfaNodeGroup (managed node groups).` });
    return { plugin, problems };
  }
  if (plugin.name === 'dra-driver' && minor !== undefined && !atLeast134) {
    problems.push({ id: 'dra-needs-1-34', message: `asks for the EFA DRA driver, but cluster ${cluster.node.path} runs Kubernetes ${version} and the driver needs 1.34 or later; use EfaKubernetesPlugin.DEVICE_PLUGIN or upgrade the cluster.` });
  }
  const id = CHART_IDS[plugin.name];
  const otherId = Object.values(CHART_IDS).find((v) => v !== id)!;
  if (cluster.node.tryFindChild(otherId) !== undefined && !(karpenter && otherId === CHART_IDS['dra-driver'])) {
    problems.push({ id: 'both-efa-plugins', message: `asks for the ${plugin.chart} chart, but cluster ${cluster.node.path} already gets the other EFA plugin (${otherId}) from another EFA node group or Karpenter node pool, and the device plugin and the DRA driver must not run on one cluster; give every EFA node group of the cluster the same kubernetesPlugin (Karpenter node pools use the device plugin).` });
  }
  const installedVersion = (cluster.node.tryFindChild(id) as { readonly version?: string } | undefined)?.version;
  const comparable = installedVersion !== undefined && !Token.isUnresolved(installedVersion) && !Token.isUnresolved(plugin.chartVersion);
  if (comparable && installedVersion !== plugin.chartVersion) {
    problems.push({ id: 'plugin-chart-version-conflict', message: `asks for the ${plugin.chart} chart at version ${plugin.chartVersion}, but cluster ${cluster.node.path} already gets it at version ${installedVersion} from another EFA node group or Karpenter node pool, and one cluster runs one version of the chart; give every EFA node group and Karpenter node pool of the cluster the same kubernetesPlugin (for example EfaKubernetesPlugin.${plugin.name === 'dra-driver' ? `draDriver('${installedVersion}')` : `devicePlugin('${installedVersion}')`}), or leave it unset to follow the installed one.` });
  }
  const settings: ChartSettings = {
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
  };
  return { plugin, chart: { id, settings }, problems };
}

/**
 * `karpenter-with-dra-driver`: the cluster gets the EFA DRA driver, which cannot share it with a Karpenter node pool.
 * Checked when the pool is created (a node group on the DRA driver came first) and again when the app is synthesized
 * (one came after).
 */
export function karpenterWithDraDriverProblem(cluster: IConstruct): Problem {
  return { id: 'karpenter-with-dra-driver', message: `runs on cluster ${cluster.node.path}, which also gets the EFA DRA driver (${CHART_IDS['dra-driver']}) for an EFA node group, but Karpenter nodes need the EFA device plugin, and the DRA driver's DaemonSet would run beside it on every node labelled ${EFA_SUPPORTED_LABEL}: the two must not run on one cluster's nodes. Give the cluster's EFA node groups kubernetesPlugin: EfaKubernetesPlugin.DEVICE_PLUGIN (on Kubernetes 1.34 and later they default to the plugin the cluster already gets), or run the Karpenter node pool on another cluster.` };
}

/** Whether the cluster gets the EFA DRA driver from an EFA node group. */
export function hasDraDriver(cluster: IConstruct): boolean {
  return cluster.node.tryFindChild(CHART_IDS['dra-driver']) !== undefined;
}
