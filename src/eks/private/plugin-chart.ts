import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Problem } from '../../core/private/errors';
import { EfaKubernetesPlugin } from '../efa-kubernetes-plugin';
import { ChartSettings } from './eks-settings';

/** The node label every EfaNodeGroup node carries, and the EFA plugin's DaemonSet selects by. */
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

/**
 * Chooses the Kubernetes plugin of a node group and the Helm chart that installs it, given the cluster construct (the
 * charts' parent) and its Kubernetes version (for example `1.34`; undefined when unknown). Creates nothing.
 *
 * Problems (for the node group's one pass): `dra-needs-1-34` when the DRA driver is asked for below Kubernetes 1.34;
 * `both-efa-plugins` when the cluster already gets the other plugin; `plugin-chart-version-conflict` when it already
 * gets the same chart at another version (one cluster runs one version: cdk-efa refuses rather than letting the first
 * node group win silently).
 */
export function choosePlugin(cluster: IConstruct, version: string | undefined, asked?: EfaKubernetesPlugin): PluginChoice {
  const minor = version === undefined ? undefined : Number(version.split('.')[1]);
  const atLeast134 = minor !== undefined && version!.startsWith('1.') && minor >= 34;
  const plugin = asked ?? (atLeast134 ? EfaKubernetesPlugin.DRA_DRIVER : EfaKubernetesPlugin.DEVICE_PLUGIN);
  if (plugin.name === EfaKubernetesPlugin.NONE.name) {
    return { plugin, problems: [] };
  }
  const problems: Problem[] = [];
  if (plugin.name === 'dra-driver' && minor !== undefined && !atLeast134) {
    problems.push({ id: 'dra-needs-1-34', message: `asks for the EFA DRA driver, but cluster ${cluster.node.path} runs Kubernetes ${version} and the driver needs 1.34 or later; use EfaKubernetesPlugin.DEVICE_PLUGIN or upgrade the cluster.` });
  }
  const id = CHART_IDS[plugin.name];
  const otherId = Object.values(CHART_IDS).find((v) => v !== id)!;
  if (cluster.node.tryFindChild(otherId) !== undefined) {
    problems.push({ id: 'both-efa-plugins', message: `asks for the ${plugin.chart} chart, but cluster ${cluster.node.path} already gets the other EFA plugin (${otherId}) from another node group, and the device plugin and the DRA driver must not run on one cluster; give every EFA node group of the cluster the same kubernetesPlugin.` });
  }
  // aws-eks and aws-eks-v2 HelmChart both expose the version they were given.
  const installed = (cluster.node.tryFindChild(id) as { readonly version?: string } | undefined)?.version;
  const comparable = installed !== undefined && !Token.isUnresolved(installed) && !Token.isUnresolved(plugin.chartVersion);
  if (comparable && installed !== plugin.chartVersion) {
    problems.push({ id: 'plugin-chart-version-conflict', message: `asks for the ${plugin.chart} chart at version ${plugin.chartVersion}, but cluster ${cluster.node.path} already gets it at version ${installed} from another node group, and one cluster runs one version of the chart; give every EFA node group of the cluster the same kubernetesPlugin (for example EfaKubernetesPlugin.${plugin.name === 'dra-driver' ? `draDriver('${installed}')` : `devicePlugin('${installed}')`}).` });
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
