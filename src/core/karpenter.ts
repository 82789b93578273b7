import { InstanceTypeCapabilities } from './capabilities';
import { EfaInstanceTypes } from './instance-types';
import { EfaLayout, EfaLayoutOptions, PrimaryInterface } from './layout';
import { InterfaceType } from './network-interface';
import { describeProblem, echo, echoName, efaError, throwIfProblems } from './private/errors';
import { karpenterLayoutProblems } from './private/karpenter-rules';

/**
 * One entry of a Karpenter `EC2NodeClass`'s `spec.networkInterfaces` (Karpenter v1.11 or later), in Karpenter's shape.
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specnetworkinterfaces
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export interface KarpenterNetworkInterface {
  /** The network card (`networkCardIndex`), starting at 0. */
  readonly networkCardIndex: number;

  /** The device index on that card (`deviceIndex`), starting at 0. */
  readonly deviceIndex: number;

  /** The interface type (`interfaceType`): `interface` (ENA) or `efa-only`, the two Karpenter accepts. */
  readonly interfaceType: string;
}

/**
 * An EFA layout that a Karpenter `EC2NodeClass` can express, and its `spec.networkInterfaces` list.
 *
 * Karpenter (v1.11 or later) takes per-interface configuration in `EC2NodeClass.spec.networkInterfaces` with two
 * interface types only, `interface` and `efa-only`, and checks the list with rules of its own besides EC2's: an
 * `interface` at network card 0, device 0; each (card, device) pair once; at most one `efa-only` per card. This class
 * takes AWS's recommended layout from `EfaLayout` (always with an ENA primary) and checks it against both sets of
 * rules. Types whose recommended layout needs an `efa` interface (hpc6id.32xlarge, whose network card 0 takes one
 * interface, so card 0's EFA must be the primary itself) are refused: use an `EfaNodeGroup` or `EfaLaunchTemplate`.
 *
 * Karpenter sets a node's max-pods from network card 0's free interfaces, and counts an `efa-only` on card 0 as used
 * (so p5.48xlarge nodes get 51 pods by default, where EKS managed node groups set 100).
 *
 * @see https://karpenter.sh/docs/concepts/nodeclasses/#specnetworkinterfaces
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export class EfaKarpenterLayout {
  /**
   * AWS's recommended layout for an instance type in the capability table, for a Karpenter `EC2NodeClass`.
   *
   * @param instanceType for example `p5.48xlarge`
   * @param options EFA count and profile, as for `EfaLayout.recommended()`; the primary interface must be left unset
   *                or be `PrimaryInterface.ENA`
   * @throws as `EfaInstanceTypes.lookup()` for an unknown or non-EFA type, and as `EfaKarpenterLayout.forCapabilities()`
   *
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specnetworkinterfaces
   */
  public static forInstanceType(instanceType: string, options?: EfaLayoutOptions): EfaKarpenterLayout {
    return EfaKarpenterLayout.forCapabilities(EfaInstanceTypes.lookup(instanceType), options);
  }

  /**
   * AWS's recommended layout for the given capabilities, for a Karpenter `EC2NodeClass`.
   *
   * @param capabilities the instance type's row, from `EfaInstanceTypes.lookup()` or written by hand
   * @param options EFA count and profile, as for `EfaLayout.recommended()`; the primary interface must be left unset
   *                or be `PrimaryInterface.ENA`
   * @throws `cdk-efa:karpenter-needs-efa-interface` when the options ask for an `efa` primary, or the type's
   *         recommended layout has an `efa` interface (hpc6id.32xlarge); as `EfaLayout.recommended()` when the options
   *         cannot be met
   *
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specnetworkinterfaces
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static forCapabilities(capabilities: InstanceTypeCapabilities, options?: EfaLayoutOptions): EfaKarpenterLayout {
    const given = options ?? {};
    const type = echoName(capabilities?.instanceType);
    if (typeof given === 'object' && given.primaryInterface === PrimaryInterface.EFA) {
      throw efaError('karpenter-needs-efa-interface', `${type}: primaryInterface is PrimaryInterface.EFA, but Karpenter's EC2NodeClass accepts only 'interface' and 'efa-only' network interfaces, and its primary (network card 0, device 0) must be 'interface'; leave primaryInterface unset, or use an EfaNodeGroup or EfaLaunchTemplate for an 'efa' primary.`);
    }
    const layout = EfaLayout.recommended(capabilities, given);
    if (layout.interfaces.some((i) => i.interfaceType === InterfaceType.EFA)) {
      throw efaError('karpenter-needs-efa-interface', `${type}: AWS's recommended layout needs an 'efa' interface (EFA with ENA) at network card 0, device 0, because ${card0Reason(capabilities)}, but Karpenter's EC2NodeClass accepts only 'interface' and 'efa-only'. Use an EfaNodeGroup or an EfaLaunchTemplate for this type${enaPrimaryHint(capabilities, given, layout)}.`);
    }
    return new EfaKarpenterLayout(layout);
  }

  /**
   * A layout of your own, checked against Karpenter's rules (EC2's were checked when it was made).
   *
   * @param layout a layout from `EfaLayout.recommended()`, `EfaLayout.fromInterfaces()` or an `EfaLaunchTemplate`
   * @throws `cdk-efa:invalid-layout-option` if `layout` is not an `EfaLayout`; with every broken Karpenter rule
   *         (`cdk-efa:karpenter-unsupported-interface-type`, `cdk-efa:karpenter-no-primary-interface`,
   *         `cdk-efa:karpenter-duplicate-interface`, `cdk-efa:karpenter-multiple-efa-only-on-card`)
   *
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specnetworkinterfaces
   */
  public static fromLayout(layout: EfaLayout): EfaKarpenterLayout {
    if (!(layout instanceof EfaLayout)) {
      throw efaError('invalid-layout-option', `EfaKarpenterLayout.fromLayout() received ${echo(layout)}, not an EfaLayout; pass one from EfaLayout.recommended(), EfaLayout.fromInterfaces() or an EfaLaunchTemplate's \`layout\`.`);
    }
    return new EfaKarpenterLayout(layout);
  }

  /**
   * The problems Karpenter would report for a list of `networkInterfaces` entries, as messages; an empty list when
   * Karpenter accepts it. Checks Karpenter's own rules only (for EC2's, use `EfaLayout.validate()`). Never throws.
   *
   * @param networkInterfaces the entries, in any order
   *
   * @see https://karpenter.sh/docs/concepts/nodeclasses/#specnetworkinterfaces
   */
  public static validate(networkInterfaces: KarpenterNetworkInterface[]): string[] {
    if (!Array.isArray(networkInterfaces)) {
      return [`The network interfaces are ${echo(networkInterfaces)}, not a list; give a list of { networkCardIndex, deviceIndex, interfaceType }. [cdk-efa:invalid-network-interface]`];
    }
    const objects = networkInterfaces.filter((e) => typeof e === 'object' && e !== null);
    const notObjects = networkInterfaces.length - objects.length;
    const messages = notObjects === 0 ? [] : [`${notObjects} entr${notObjects === 1 ? 'y is' : 'ies are'} not an object; give { networkCardIndex, deviceIndex, interfaceType }. [cdk-efa:invalid-network-interface]`];
    return [...messages, ...karpenterLayoutProblems(objects).map(describeProblem)];
  }

  /** The layout, with its summary (EFA count, IP addresses per node, bandwidth). */
  public readonly layout: EfaLayout;

  /** The `EC2NodeClass` `spec.networkInterfaces` list, sorted by card and then device index. */
  public readonly networkInterfaces: KarpenterNetworkInterface[];

  private constructor(layout: EfaLayout) {
    this.networkInterfaces = layout.interfaces.map((i) => ({
      networkCardIndex: i.networkCardIndex,
      deviceIndex: i.deviceIndex,
      interfaceType: i.interfaceType as string,
    }));
    throwIfProblems(`Karpenter layout for ${echoName(layout.instanceType)}`, karpenterLayoutProblems(this.networkInterfaces));
    this.layout = layout;
  }
}

/** Why card 0's EFA must be the primary itself. */
function card0Reason(caps: InstanceTypeCapabilities): string {
  const card0 = caps.networkCards[0];
  return card0.maximumNetworkInterfaces < 2
    ? `network card 0 takes ${card0.maximumNetworkInterfaces} network interface, so it cannot hold an ENA primary and an 'efa-only' side by side`
    : 'network card 0 takes no \'interface\' (ENA) primary';
}

/** `, or …` naming the ENA-primary layout and its EFA count, when there is one. */
function enaPrimaryHint(caps: InstanceTypeCapabilities, options: EfaLayoutOptions, recommended: EfaLayout): string {
  try {
    const ena = EfaLayout.recommended(caps, { ...options, efaCount: undefined, primaryInterface: PrimaryInterface.ENA });
    return `, or set primaryInterface: PrimaryInterface.ENA for a layout Karpenter takes, with ${ena.summary.efaCount} EFA interface(s) instead of ${recommended.summary.efaCount}`;
  } catch {
    return '';
  }
}
