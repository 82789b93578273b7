/**
 * What a layout delivers and costs.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export interface EfaLayoutSummary {
  /** EFA interfaces (`efa` plus `efa-only`), a count. */
  readonly efaCount: number;

  /** Interfaces that carry IP traffic (`interface` plus `efa`), a count. */
  readonly enaCount: number;

  /** All network interfaces, a count. */
  readonly networkInterfaceCount: number;

  /**
   * Private IPv4 addresses one node consumes from its subnet for its interfaces' primary addresses, a count.
   *
   * Each `interface` and `efa` interface takes one; `efa-only` takes none. Secondary addresses or prefixes that a CNI
   * assigns come on top.
   */
  readonly ipv4AddressesPerNode: number;

  /**
   * EFA bandwidth, in Gbps: the sum of the baseline bandwidth of the network cards that carry an EFA.
   */
  readonly efaBandwidthInGbps: number;

  /**
   * Network interfaces the Amazon VPC CNI can use for pod IP addresses on one node, a count.
   *
   * The VPC CNI manages network card 0 only (other cards need its multi-NIC mode, `ENABLE_MULTI_NIC`, v1.20 and
   * later), and an `efa-only` interface on card 0 takes one of card 0's `maximumNetworkInterfaces`. So this is card 0's
   * maximum minus the layout's `efa-only` interfaces on card 0: 1 for p5.48xlarge's recommended layout, 2 with an `efa`
   * primary. ENA interfaces on other cards add nothing.
   *
   * @default - always set for layouts from `EfaLayout`; optional so that hand-built summaries stay valid
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   */
  readonly vpcCniNetworkInterfaces?: number;

  /**
   * Pod IPv4 addresses the Amazon VPC CNI can assign on one node in its default secondary-IP mode, a count.
   *
   * `vpcCniNetworkInterfaces × (ipv4AddressesPerInterface − 1)`: each interface's primary address is not used for pods.
   * Pods that use the host network (aws-node, kube-proxy) need none.
   *
   * @default - unknown: the capabilities do not give `ipv4AddressesPerInterface`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html
   */
  readonly podIpv4Addresses?: number;

  /**
   * Pod IPv4 addresses the Amazon VPC CNI can assign on one node with prefix delegation
   * (`ENABLE_PREFIX_DELEGATION=true`), a count.
   *
   * Each secondary address slot holds a /28 prefix of 16 addresses: `podIpv4Addresses × 16`. The subnet needs free,
   * contiguous /28 blocks for this.
   *
   * @default - unknown: the capabilities do not give `ipv4AddressesPerInterface`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
   */
  readonly podIpv4AddressesWithPrefixDelegation?: number;

  /**
   * The max-pods an EKS managed node group sets by default in secondary-IP mode, a count of pods.
   *
   * `card 0's maximumNetworkInterfaces × (ipv4AddressesPerInterface − 1) + 2`, the EKS AMI's formula (p5.48xlarge:
   * 2 × 49 + 2 = 100), capped at 250. The formula counts every interface of card 0 whatever the layout, so a layout
   * with `efa-only` on card 0 has fewer `podIpv4Addresses` than this needs (`defaultMaxPods − 2`). EKS caps max-pods
   * at 110 below 30 vCPUs and 250 from 30 vCPUs; the capability table has no vCPU count, so 250 is assumed.
   *
   * @default - unknown: the capabilities do not give `ipv4AddressesPerInterface`
   * @see https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html
   */
  readonly defaultMaxPods?: number;
}
