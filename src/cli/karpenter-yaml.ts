import { Document } from 'yaml';
import { layoutSummaryText } from './layout-table';
import { EfaKarpenterLayout } from '../core/karpenter';
import type { EfaLayoutOptions } from '../core/layout';

/**
 * `cdk-efa layout TYPE --format karpenter`: a layout as the `networkInterfaces` list of a Karpenter `EC2NodeClass`.
 *
 * The CLI loads this module (and with it the `yaml` package) only for that format.
 */

/** The first Karpenter release whose `EC2NodeClass` takes `spec.networkInterfaces`. */
export const KARPENTER_NETWORK_INTERFACES_VERSION = '1.11';

/**
 * The YAML of `karpenter.networkInterfaces` under a `networkInterfaces:` key, ready to paste into an `EC2NodeClass`
 * `spec`. Two comment lines come first: the instance type with its layout summary, and where the list goes and the
 * Karpenter version it needs. Entries keep the core's order and its three keys, in Karpenter's spelling.
 */
export function karpenterYaml(karpenter: EfaKarpenterLayout): string {
  const { layout } = karpenter;
  const doc = new Document({
    networkInterfaces: karpenter.networkInterfaces.map((i) => ({
      networkCardIndex: i.networkCardIndex,
      deviceIndex: i.deviceIndex,
      interfaceType: i.interfaceType,
    })),
  });
  // On the map rather than the document, so that no blank line separates the comment from the key.
  doc.contents!.commentBefore = [
    ` ${layout.instanceType}: ${layoutSummaryText(layout.summary)}`,
    ` Karpenter EC2NodeClass (karpenter.k8s.aws/v1) spec.networkInterfaces: needs Karpenter v${KARPENTER_NETWORK_INTERFACES_VERSION} or later`,
  ].join('\n');
  return doc.toString();
}

/**
 * The `EC2NodeClass` `networkInterfaces` YAML of an instance type's recommended layout (see `karpenterYaml`).
 *
 * @throws as `EfaKarpenterLayout.forInstanceType()`: for an unknown or non-EFA type, options the type cannot meet, or
 *         a layout Karpenter cannot express (`cdk-efa:karpenter-needs-efa-interface`)
 */
export function karpenterLayoutYaml(instanceType: string, options: EfaLayoutOptions): string {
  return karpenterYaml(EfaKarpenterLayout.forInstanceType(instanceType, options));
}
