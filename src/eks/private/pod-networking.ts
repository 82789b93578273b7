import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { EfaKubernetesLayout } from '../../core/layout';
import { InterfaceType } from '../../core/network-interface';

/**
 * Warns when Kubernetes nodes' layout leaves the Amazon VPC CNI too few pod addresses (`pod-ip-shortfall`), or has ENAs
 * on cards the CNI does not use (`ena-needs-multi-nic`: it manages network card 0 only, unless ENABLE_MULTI_NIC is on).
 * For every kind of EFA Kubernetes node: managed node groups and self-managed nodes.
 */
export function warnOnPodNetworking(scope: IConstruct, pods: EfaKubernetesLayout): void {
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
