import { Token } from 'aws-cdk-lib';
import { InstanceTypeCapabilities } from './capabilities';
import { EfaInstanceTypes } from './instance-types';
import { InterfaceType, NetworkInterfaceSpec } from './network-interface';
import { recommendationFor } from './private/aws-recommendations';
import { describeProblem, efaError, throwIfProblems } from './private/errors';
import { describeCards, efaCapableCards, layoutProblems, summarize } from './private/layout-rules';

/**
 * What the primary network interface (network card 0, device index 0) is.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export enum PrimaryInterface {
  /** An ENA (`interface`), as AWS recommends; card 0's EFA, if any, is `efa-only` at device 1. */
  ENA = 'ena',
  /** EFA with ENA (`efa`): the legacy single-interface layout. Not possible where card 0 is ENA-only. */
  EFA = 'efa',
}

/**
 * Which extra ENA (`interface`) network interfaces a layout adds, beyond the primary.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html#efa-for-p5
 */
export class LayoutProfile {
  /**
   * AWS "use case 1": one IP address per node (only the primary carries IP), the most EFA interfaces.
   *
   * Conserves subnet IP addresses; all EFA traffic uses OS-bypass.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static readonly SINGLE_IP = new LayoutProfile('single-ip');

  /**
   * AWS "use case 2": use case 1 plus an ENA at the next free device index on the cards AWS documents for the family,
   * for more IP bandwidth and IP addresses.
   *
   * Documented for p5 and p5e (cards 4, 8, …, 28), p6-b200 (cards 1–7) and p6-b300 (cards 1–16). A layout with this
   * profile throws for other instance types: list the cards with `LayoutProfile.enaOnCards()` instead.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static readonly MAX_BANDWIDTH = new LayoutProfile('max-bandwidth');

  /**
   * Use case 1 plus an ENA at the next free device index on each of the given network cards.
   *
   * The layout throws if a card does not exist or has no free device index left.
   *
   * @param networkCardIndexes card indexes, each at most once, for example `[4, 8, 12]`
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static enaOnCards(networkCardIndexes: number[]): LayoutProfile {
    const seen = new Set<number>();
    for (const card of networkCardIndexes) {
      if (!Number.isInteger(card) || card < 0) {
        throw efaError('invalid-ena-card', `enaOnCards() received ${card}, which is not a network card index; give whole numbers from 0 upward, for example [4, 8, 12].`);
      }
      if (seen.has(card)) {
        throw efaError('invalid-ena-card', `enaOnCards() received network card ${card} twice; list each card once (each card gets one extra ENA).`);
      }
      seen.add(card);
    }
    return new LayoutProfile('ena-cards', [...networkCardIndexes].sort((a, b) => a - b));
  }

  private constructor(
    /** The profile's name: `single-ip`, `max-bandwidth` or `ena-cards`. */
    public readonly name: string,
    /**
     * The cards that get an extra ENA, when they are given explicitly.
     *
     * @default - none for `SINGLE_IP`; the documented cards for `MAX_BANDWIDTH`
     */
    public readonly enaNetworkCards?: number[],
  ) {}
}

/**
 * Options for the recommended layout.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export interface EfaLayoutOptions {
  /**
   * How many EFA interfaces (`efa` plus `efa-only`) to create, a count.
   *
   * Fewer than the maximum are spread evenly over the EFA-capable cards, starting at the first.
   *
   * @default - the most AWS recommends for the type: every EFA-capable card, up to `maximumEfaInterfaces`
   *            (8 for p6e-gb200)
   */
  readonly efaCount?: number;

  /**
   * The primary interface.
   *
   * @default - `PrimaryInterface.ENA`, except where card 0 can carry an EFA but only one interface (hpc6id.32xlarge),
   *            where the primary is `efa` so that card 0's EFA is not lost
   */
  readonly primaryInterface?: PrimaryInterface;

  /**
   * Extra ENA interfaces for IP bandwidth and addresses.
   *
   * @default LayoutProfile.SINGLE_IP
   */
  readonly profile?: LayoutProfile;
}

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
}

/**
 * An ordered, validated list of network interfaces for one instance type.
 *
 * Get AWS's recommended layout with `EfaLayout.recommended()` or `EfaLayout.forInstanceType()`, or check a hand-written
 * one with `EfaLayout.fromInterfaces()`. Every layout is validated against the rules EC2 enforces at launch.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export class EfaLayout {
  /**
   * AWS's recommended layout for an instance type in the capability table.
   *
   * @param instanceType for example `p5.48xlarge`
   * @param options EFA count, primary interface and profile
   * @throws if the type is unknown or does not support EFA (see `EfaInstanceTypes.lookup`), or if the options
   *         cannot be met by the type
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static forInstanceType(instanceType: string, options: EfaLayoutOptions = {}): EfaLayout {
    return EfaLayout.recommended(EfaInstanceTypes.lookup(instanceType), options);
  }

  /**
   * AWS's recommended layout for the given capabilities.
   *
   * Card 0 device 0 is the primary ENA; card 0 device 1 is `efa-only` where card 0 can carry an EFA; every other
   * EFA-capable card gets `efa-only` at device 0. p6-b300 and p6e-gb200 keep card 0 ENA-only; p6e-gb200 uses its odd
   * cards; hpc6id.32xlarge gets an `efa` primary because its cards take one interface each.
   *
   * @param capabilities the instance type's row, from `EfaInstanceTypes.lookup()` or written by hand
   * @param options EFA count, primary interface and profile
   * @throws if the capabilities are malformed, the EFA count is out of range, an `efa` primary is asked for where
   *         card 0 is ENA-only, the profile names cards that cannot take another interface, or the result breaks a
   *         validation rule
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static recommended(capabilities: InstanceTypeCapabilities, options: EfaLayoutOptions = {}): EfaLayout {
    EfaInstanceTypes.validateCapabilities(capabilities);
    const type = capabilities.instanceType;
    const cards = capabilities.networkCards;
    const card0 = cards[0];
    const recommendation = recommendationFor(type);

    // Which cards may carry an EFA, in AWS's order of preference, and which of those this primary allows.
    const preferred = recommendation.efaNetworkCards?.(capabilities) ?? efaCapableCards(cards).map((c) => c.networkCardIndex);
    if (options.primaryInterface === PrimaryInterface.EFA && !(card0.efaSupported && preferred.includes(0))) {
      throw efaError('efa-on-ena-only-card', `${type} cannot carry an EFA on network card 0 (card 0 is ENA-only in AWS's layout), so the primary cannot be 'efa'; use PrimaryInterface.ENA (the default) and let the EFAs go on cards ${describeCards(preferred.map((i) => cards[i]))}.`);
    }
    const primaryIsEfa = options.primaryInterface === PrimaryInterface.EFA
      || (options.primaryInterface === undefined && card0.efaSupported && card0.maximumNetworkInterfaces < 2 && preferred.includes(0));
    const usable = preferred.filter((index) => {
      const card = cards[index];
      if (card === undefined || !card.efaSupported) {
        return false;
      }
      // Card 0 holds the primary at device 0: its EFA is the primary itself, or efa-only at device 1.
      return index !== 0 || primaryIsEfa || card.maximumNetworkInterfaces >= 2;
    });
    const maxEfa = Math.min(usable.length, capabilities.maximumEfaInterfaces, recommendation.maximumRecommendedEfaCount ?? Infinity);

    const efaCount = options.efaCount ?? maxEfa;
    if (Token.isUnresolved(efaCount)) {
      throw efaError('efa-count-unresolved', `efaCount for ${type} is an unresolved token, but the layout is computed at synth time; give a number from 1 to ${maxEfa}.`);
    }
    if (!Number.isInteger(efaCount) || efaCount < 1 || efaCount > maxEfa) {
      throw efaError('efa-count-out-of-range', `efaCount ${efaCount} is not possible for ${type}: ${maxEfaReason(type, maxEfa, capabilities, options.primaryInterface)}; give a whole number from 1 to ${maxEfa}, or leave efaCount unset for ${maxEfa}.`);
    }

    const interfaces: NetworkInterfaceSpec[] = [{
      networkCardIndex: 0,
      deviceIndex: 0,
      interfaceType: primaryIsEfa ? InterfaceType.EFA : InterfaceType.INTERFACE,
    }];
    for (const card of spreadEvenly(usable, efaCount)) {
      if (card === 0) {
        if (!primaryIsEfa) {
          interfaces.push({ networkCardIndex: 0, deviceIndex: 1, interfaceType: InterfaceType.EFA_ONLY });
        }
      } else {
        interfaces.push({ networkCardIndex: card, deviceIndex: 0, interfaceType: InterfaceType.EFA_ONLY });
      }
    }

    for (const card of enaCardsFor(capabilities, options.profile ?? LayoutProfile.SINGLE_IP)) {
      const used = interfaces.filter((i) => i.networkCardIndex === card).length;
      interfaces.push({ networkCardIndex: card, deviceIndex: used, interfaceType: InterfaceType.INTERFACE });
    }

    return new EfaLayout(capabilities, interfaces);
  }

  /**
   * A hand-written layout, checked against the rules EC2 enforces at launch.
   *
   * The interfaces are sorted by card and then device index. Values that are unresolved tokens are not checked.
   *
   * @param capabilities the instance type's row, from `EfaInstanceTypes.lookup()` or written by hand
   * @param interfaces the network interfaces, in any order
   * @throws with every broken rule listed (see `EfaLayout.validate`)
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static fromInterfaces(capabilities: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[]): EfaLayout {
    EfaInstanceTypes.validateCapabilities(capabilities);
    return new EfaLayout(capabilities, interfaces);
  }

  /**
   * The rules a layout breaks, as messages; an empty list when it is valid.
   *
   * The rules: a primary interface (card 0, device 0) exists and is not `efa-only`; every card exists; every device
   * index is below its card's `maximumNetworkInterfaces`; each (card, device) pair appears once; at most one EFA per
   * card; no more EFAs than `maximumEfaInterfaces`; no EFA on a card that cannot carry one; no more interfaces than
   * `maximumNetworkInterfaces`.
   *
   * @param capabilities the instance type's row
   * @param interfaces the network interfaces, in any order
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html
   */
  public static validate(capabilities: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[]): string[] {
    return layoutProblems(capabilities, interfaces).map(describeProblem);
  }

  /** The instance type this layout is for. */
  public readonly instanceType: string;

  /** The capabilities the layout was computed or checked against. */
  public readonly capabilities: InstanceTypeCapabilities;

  /** The network interfaces, sorted by card and then device index. */
  public readonly interfaces: NetworkInterfaceSpec[];

  /** EFA and ENA counts, IP addresses per node and EFA bandwidth. */
  public readonly summary: EfaLayoutSummary;

  private constructor(capabilities: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[]) {
    const sorted = [...interfaces].sort((a, b) => a.networkCardIndex - b.networkCardIndex || a.deviceIndex - b.deviceIndex);
    throwIfProblems(`EFA layout for ${capabilities.instanceType}`, layoutProblems(capabilities, sorted));
    this.instanceType = capabilities.instanceType;
    this.capabilities = capabilities;
    this.interfaces = sorted;
    this.summary = summarize(capabilities, sorted);
  }
}

/** `count` of `items`, spread evenly and always starting with the first (which is card 0 where card 0 takes EFA). */
function spreadEvenly(items: number[], count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(items[Math.floor((i * items.length) / count)]);
  }
  return out;
}

function maxEfaReason(type: string, maxEfa: number, caps: InstanceTypeCapabilities, primary?: PrimaryInterface): string {
  const card0 = caps.networkCards[0];
  if (primary === PrimaryInterface.ENA && card0.efaSupported && card0.maximumNetworkInterfaces < 2) {
    return `with an ENA primary, network card 0 has no room for an EFA (it takes ${card0.maximumNetworkInterfaces} interface), so at most ${maxEfa} EFA fit (use PrimaryInterface.EFA for one more)`;
  }
  const cap = recommendationFor(type).maximumRecommendedEfaCount;
  if (cap !== undefined && maxEfa === cap) {
    return `AWS recommends at most ${cap} EFA interfaces for this type; write the layout by hand with EfaLayout.fromInterfaces() for more`;
  }
  return `it supports at most ${maxEfa} EFA interface(s), one per EFA-capable network card (maximumEfaInterfaces ${caps.maximumEfaInterfaces})`;
}

function enaCardsFor(caps: InstanceTypeCapabilities, profile: LayoutProfile): number[] {
  if (profile.name === LayoutProfile.SINGLE_IP.name) {
    return [];
  }
  if (profile.enaNetworkCards !== undefined) {
    return profile.enaNetworkCards;
  }
  const documented = recommendationFor(caps.instanceType).maxBandwidthEnaCards?.(caps) ?? [];
  if (documented.length === 0) {
    throw efaError('no-documented-max-bandwidth-layout', `AWS documents no max-bandwidth ("use case 2") layout for ${caps.instanceType} (only for p5, p5e, p6-b200 and p6-b300 multi-card types); list the cards that should get an extra ENA with LayoutProfile.enaOnCards([...]), or use LayoutProfile.SINGLE_IP.`);
  }
  return documented;
}
