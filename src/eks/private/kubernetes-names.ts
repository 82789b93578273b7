import { Token } from 'aws-cdk-lib';
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import { Problem, echo } from '../../core/private/errors';

/*
 * Kubernetes' naming rules, in one home for every construct that writes Kubernetes objects or node settings: node
 * labels and taints (EfaNodeGroup, EfaKarpenterNodePool, self-managed nodes) and object names (Karpenter NodePool and
 * EC2NodeClass, DRA claims).
 */

/** Kubernetes' spelling of the EKS taint effects. */
export const TAINT_EFFECTS: Record<string, string> = { NO_SCHEDULE: 'NoSchedule', PREFER_NO_SCHEDULE: 'PreferNoSchedule', NO_EXECUTE: 'NoExecute' };

/** A DNS-1123 label (a namespace, or an object name that is also a label value): at most 63 characters. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The labels the kubelet may set on its own node in the kubernetes.io and k8s.io namespaces. */
const KUBELET_LABELS = [
  'kubernetes.io/hostname', 'kubernetes.io/os', 'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type', 'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region',
];

/** Why a label key is not a Kubernetes qualified name, or undefined when it is. */
function keyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.substring(0, slash);
  const name = slash < 0 ? key : key.substring(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'its prefix is not a DNS subdomain (lowercase letters, digits, \'-\' and \'.\', at most 253 characters)';
  }
  if (name.length > 63 || !LABEL_NAME.test(name)) {
    return 'its name is not 1 to 63 letters, digits, \'-\', \'_\' and \'.\', starting and ending with a letter or digit';
  }
  return undefined;
}

/** Whether the kubelet refuses to set `key` on its node: a kubernetes.io or k8s.io label that is not its own. */
function kubeletRefuses(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const namespace = slash < 0 ? '' : key.substring(0, slash);
  const restricted = ['kubernetes.io', 'k8s.io'].some((n) => namespace === n || namespace.endsWith(`.${n}`));
  const kubelets = ['kubelet.kubernetes.io', 'node.kubernetes.io'].some((n) => namespace === n || namespace.endsWith(`.${n}`));
  return restricted && !kubelets && !KUBELET_LABELS.includes(key);
}

/** `invalid-node-label`: keys and values Kubernetes rejects, and labels the kubelet may not set on its node. */
export function labelProblems(labels: Record<string, string>): Problem[] {
  return Object.entries(labels).flatMap(([key, value]) => {
    if (Token.isUnresolved(key)) {
      return [];
    }
    const why = keyProblem(key)
      ?? (kubeletRefuses(key) ? 'the kubelet refuses --node-labels in the kubernetes.io and k8s.io namespaces except node.kubernetes.io/…, kubelet.kubernetes.io/… and well-known labels such as topology.kubernetes.io/zone, and the node never starts' : undefined)
      ?? (typeof value !== 'string' || (!Token.isUnresolved(value) && (value.length > 63 || !LABEL_VALUE.test(value)))
        ? `its value ${echo(value)} is not at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit`
        : undefined);
    return why === undefined ? [] : [{ id: 'invalid-node-label', message: `has label ${echo(key)}, but ${why}; fix or remove it.` }];
  });
}

/** `invalid-node-taint`: a taint without key or a known effect, or with a key or value Kubernetes rejects. */
export function taintProblems(taints: eksv2.TaintSpec[]): Problem[] {
  return taints.flatMap((t, i) => {
    const key = t?.key;
    const keyWhy = typeof key !== 'string' ? 'it has no key' : Token.isUnresolved(key) ? undefined : keyProblem(key);
    const valueWhy = t?.value !== undefined && !Token.isUnresolved(t.value) && (t.value.length > 63 || !LABEL_VALUE.test(t.value))
      ? `its value ${echo(t.value)} is not a Kubernetes label value` : undefined;
    const effectWhy = TAINT_EFFECTS[t?.effect as string] === undefined ? `its effect ${echo(t?.effect)} is not a TaintEffect` : undefined;
    const why = [keyWhy, valueWhy, effectWhy].filter((w) => w !== undefined);
    return why.length === 0 ? [] : [{ id: 'invalid-node-taint', message: `has taint ${i + 1} ${echo(t)}, but ${why.join(', and ')}; give { key, value, effect: TaintEffect.NO_SCHEDULE } (or PREFER_NO_SCHEDULE, NO_EXECUTE).` }];
  });
}
