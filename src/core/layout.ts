import { InstanceTypeCapabilities } from './capabilities';
import { EfaInstanceTypes } from './instance-types';
import { EfaLayoutSummary } from './layout-summary';
import { InterfaceType, NetworkInterfaceSpec } from './network-interface';
import { recommendationFor } from './private/aws-recommendations';
import { cardSupports, describeInterfaceTypes, supportedInterfaceTypes } from './private/capabilities-rules';
import { Problem, describeProblem, echo, echoName, efaError, throwIfProblems } from './private/errors';
import { isCheckedTableRow } from './private/instance-table';
import { EKS_MAX_PODS_CAP, HOST_NETWORK_PODS, describeCards, efaCapableCards, interfaceProblems, layoutProblems, summarize } from './private/layout-rules';
import { Token } from './private/tokens';

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
   * The layout throws (`cdk-efa:invalid-ena-card`) if a card does not exist, takes no `interface`, or has no free
   * device index left once the EFAs are placed.
   *
   * @param networkCardIndexes card indexes, each at most once, for example `[4, 8, 12]`
   * @throws `cdk-efa:invalid-ena-card` if the list is not a list of whole numbers from 0, each at most once
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static enaOnCards(networkCardIndexes: number[]): LayoutProfile {
    if (!Array.isArray(networkCardIndexes)) {
      throw efaError('invalid-ena-card', `enaOnCards() received ${echo(networkCardIndexes)}, not a list of network card indexes; give one, for example [4, 8, 12].`);
    }
    const seen = new Set<number>();
    for (const card of networkCardIndexes) {
      if (!Number.isInteger(card) || card < 0) {
        throw efaError('invalid-ena-card', `enaOnCards() received ${echo(card)}, which is not a network card index; give whole numbers from 0 upward, for example [4, 8, 12].`);
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
   * @default - `PrimaryInterface.ENA`, except where card 0 can carry an EFA but not as `efa-only` beside an ENA
   *            primary (hpc6id.32xlarge, whose card 0 takes one interface), where the primary is `efa` so that card
   *            0's EFA is not lost
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
 * How many pods a Kubernetes node runs, and how the Amazon VPC CNI gives them addresses.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
 */
export interface EfaKubernetesPodOptions {
  /**
   * The kubelet's max-pods on these nodes, a count of pods.
   *
   * The VPC CNI must have `maxPods − 2` pod IPv4 addresses (aws-node and kube-proxy use the host network). An
   * unresolved token counts as unknown.
   *
   * @default - 250 with `prefixDelegation`; otherwise the layout summary's `defaultMaxPods`, what EKS managed node
   *            groups set (unknown when the capabilities do not give `ipv4AddressesPerInterface`)
   * @see https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html
   */
  readonly maxPods?: number;

  /**
   * Whether the VPC CNI runs with prefix delegation (`ENABLE_PREFIX_DELEGATION=true`), which gives each interface
   * 16 times the pod addresses.
   *
   * @default false
   * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
   */
  readonly prefixDelegation?: boolean;
}

/**
 * Options for `EfaLayout.forKubernetesNodes()`: the layout options, plus how many pods each node runs.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export interface EfaKubernetesLayoutOptions extends EfaLayoutOptions, EfaKubernetesPodOptions {
}

/**
 * The layout `EfaLayout.forKubernetesNodes()` chose, and whether it leaves the Amazon VPC CNI enough pod IPv4
 * addresses for max-pods.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
 */
export interface EfaKubernetesLayout {
  /** The layout to use. */
  readonly layout: EfaLayout;

  /**
   * The primary interface of `layout`. Passing it as `primaryInterface`, with the same `efaCount` and `profile`, to
   * `EfaLayout.recommended()` or `EfaLaunchTemplate` gives the same layout.
   */
  readonly primaryInterface: PrimaryInterface;

  /**
   * The max-pods the check used, a count of pods: the one given, or the default.
   *
   * @default - unknown: no usable `maxPods` was given and the capabilities do not give `ipv4AddressesPerInterface`
   */
  readonly maxPods?: number;

  /**
   * Pod IPv4 addresses the VPC CNI needs on one node, a count: `maxPods − 2`.
   *
   * @default - unknown, as `maxPods`
   */
  readonly podIpv4AddressesNeeded?: number;

  /**
   * Pod IPv4 addresses the VPC CNI can assign on one node with `layout`, a count, in the mode asked for
   * (`podIpv4Addresses`, or `podIpv4AddressesWithPrefixDelegation` with `prefixDelegation`).
   *
   * @default - unknown: the capabilities do not give `ipv4AddressesPerInterface`
   */
  readonly podIpv4Addresses?: number;

  /**
   * Whether `podIpv4Addresses` is at least `podIpv4AddressesNeeded`. False means pods past `podIpv4Addresses` stay
   * in ContainerCreating with "failed to assign an IP address": turn on prefix delegation or lower max-pods (`reason`
   * gives the numbers).
   *
   * @default - unknown: one of the two numbers is unknown
   */
  readonly podIpv4AddressesSufficient?: boolean;

  /** Why this layout was chosen, with the numbers, and what to do when the addresses do not suffice. */
  readonly reason: string;
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
   * For a row of the capability table, each set of options is computed and validated once: later calls with the same
   * row and equal options return a new layout with the same content.
   *
   * @param capabilities the instance type's row, from `EfaInstanceTypes.lookup()` or written by hand
   * @param options EFA count, primary interface and profile
   * @throws if the capabilities are malformed (`cdk-efa:invalid-capabilities`), an option is not of its type
   *         (`cdk-efa:invalid-layout-option`), the EFA count is out of range, an `efa` primary is asked for where card 0
   *         is ENA-only, the profile names cards that cannot take another ENA (`cdk-efa:invalid-ena-card`), or the
   *         result breaks a validation rule
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public static recommended(capabilities: InstanceTypeCapabilities, options: EfaLayoutOptions = {}): EfaLayout {
    EfaInstanceTypes.validateCapabilities(capabilities);
    options = checkedOptions(capabilities, options);
    // The rows of the capability table do not change: each (row, options) is computed and validated once, as apps
    // build many templates of one type (bench/FINDINGS.md §3), and later calls get a new layout with the same content.
    const key = isCheckedTableRow(capabilities) ? knownLayoutKey(options) : undefined;
    if (key === undefined) {
      return EfaLayout.computeRecommended(capabilities, options);
    }
    let layouts = KNOWN_LAYOUTS.get(capabilities);
    if (layouts === undefined) {
      layouts = new Map();
      KNOWN_LAYOUTS.set(capabilities, layouts);
    }
    const known = layouts.get(key);
    if (known !== undefined) {
      return new EfaLayout(capabilities, known.interfaces, known.summary);
    }
    const layout = EfaLayout.computeRecommended(capabilities, options);
    layouts.set(key, new EfaLayout(capabilities, layout.interfaces, layout.summary));
    return layout;
  }

  /**
   * The layout for Kubernetes nodes that use the Amazon VPC CNI (EKS managed, self-managed or Karpenter nodes):
   * AWS's recommended layout unless it leaves the CNI too few pod IPv4 addresses.
   *
   * The VPC CNI uses network card 0 only, and an `efa-only` interface on card 0 takes one of card 0's interfaces. On
   * types whose card 0 takes 2 interfaces (p5, p5e, trn2, hpc7a), AWS's recommended layout (`interface` plus
   * `efa-only` on card 0) leaves the CNI one interface: 49 pod addresses where EKS sets max-pods 100. When
   * `primaryInterface` is not set, this returns:
   * 1. AWS's recommended layout, when it leaves the CNI at least `maxPods − 2` pod addresses;
   * 2. otherwise the same layout with an `efa` primary, which keeps the same EFA count and frees card 0's slot, when
   *    that leaves enough, or when `ipv4AddressesPerInterface` is unknown (then the addresses cannot be counted, and
   *    the layout that leaves the CNI more interfaces is the safe choice);
   * 3. otherwise AWS's recommended layout, with `podIpv4AddressesSufficient` false and the fix in `reason`
   *    (prefix delegation, or a lower max-pods), so that turning on prefix delegation does not change the layout.
   *
   * When `primaryInterface` is set, the layout uses it and the result only reports. Outside Kubernetes, use
   * `EfaLayout.recommended()`.
   *
   * @param capabilities the instance type's row, from `EfaInstanceTypes.lookup()` or written by hand
   * @param options EFA count, primary interface, profile, max-pods and prefix delegation
   * @throws as `EfaLayout.recommended()`, if `maxPods` is not a whole number of at least 1, and if `prefixDelegation`
   *         is not a boolean (`cdk-efa:invalid-layout-option`)
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   * @see https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html
   */
  public static forKubernetesNodes(capabilities: InstanceTypeCapabilities, options: EfaKubernetesLayoutOptions = {}): EfaKubernetesLayout {
    options = options ?? {};
    const layoutOptions: EfaLayoutOptions = { efaCount: options.efaCount, primaryInterface: options.primaryInterface, profile: options.profile };
    const recommended = EfaLayout.recommended(capabilities, layoutOptions);
    const target = podTarget(recommended, options);
    const chosen = (layout: EfaLayout, reason: string) => podIpResult(layout, target, reason);

    const forRecommended = assessPodIps(recommended, target);
    const alternative = options.primaryInterface === undefined ? efaPrimaryAlternative(capabilities, recommended, layoutOptions) : undefined;
    if (options.primaryInterface !== undefined || forRecommended.sufficient === true || alternative === undefined) {
      return chosen(recommended, describePodIps(recommended, target, options.primaryInterface !== undefined ? 'as given' : 'recommended'));
    }
    const forAlternative = assessPodIps(alternative, target);
    if (forAlternative.sufficient !== false) {
      return chosen(alternative, describeSwitch(recommended, alternative, target));
    }
    return chosen(recommended, describePodIps(recommended, target, 'recommended', alternative));
  }

  /**
   * Whether a layout of your own leaves the Amazon VPC CNI enough pod IPv4 addresses for max-pods, with the numbers;
   * the same check `EfaLayout.forKubernetesNodes()` makes, without choosing a layout.
   *
   * @param layout the layout the Kubernetes nodes launch with, for example an `EfaLaunchTemplate`'s `layout`
   * @param options max-pods and prefix delegation
   * @throws if `maxPods` is not a whole number of at least 1, or `prefixDelegation` is not a boolean
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/node-efa.html
   * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
   */
  public static assessKubernetesPodIps(layout: EfaLayout, options: EfaKubernetesPodOptions = {}): EfaKubernetesLayout {
    if (!(layout instanceof EfaLayout)) {
      throw efaError('invalid-layout-option', `assessKubernetesPodIps() received ${echo(layout)} as the layout, not an EfaLayout; pass one from EfaLayout.recommended(), EfaLayout.fromInterfaces() or an EfaLaunchTemplate's \`layout\`.`);
    }
    options = options ?? {};
    const target = podTarget(layout, options);
    return podIpResult(layout, target, describePodIps(layout, target, 'as given'));
  }

  /**
   * A hand-written layout, checked against the rules EC2 enforces at launch.
   *
   * The interfaces are sorted by card and then device index. Values that are unresolved tokens are not checked.
   *
   * @param capabilities the instance type's row, from `EfaInstanceTypes.lookup()` or written by hand
   * @param interfaces the network interfaces, in any order
   * @throws if the capabilities are malformed (`cdk-efa:invalid-capabilities`), or with every broken rule listed (see
   *         `EfaLayout.validate`)
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
   * The rules: every interface type is one of EC2's (`interface`, `efa`, `efa-only`); a primary interface (card 0,
   * device 0) exists and is not `efa-only`; every card exists; every device index is below its card's
   * `maximumNetworkInterfaces`; each (card, device) pair appears once; at most one EFA per card; no more EFAs than
   * `maximumEfaInterfaces`; no EFA on a card that cannot carry one; no interface type on a card that does not take it
   * (p6e-gb200.36xlarge's odd cards take only `efa-only`); no more interfaces than `maximumNetworkInterfaces`.
   *
   * Never throws: malformed capabilities give their own problems (`cdk-efa:invalid-capabilities`) instead of the
   * rules, and entries that are not interfaces give `cdk-efa:invalid-network-interface`.
   *
   * @param capabilities the instance type's row
   * @param interfaces the network interfaces, in any order
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html
   */
  public static validate(capabilities: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[]): string[] {
    return layoutProblems(capabilities, interfaces).map(describeProblem);
  }

  /** `recommended`, with checked capabilities and options. */
  private static computeRecommended(capabilities: InstanceTypeCapabilities, options: EfaLayoutOptions): EfaLayout {
    const type = echoName(capabilities.instanceType);
    const cards = capabilities.networkCards;
    const card0 = cards[0];
    const recommendation = recommendationFor(capabilities.instanceType);

    // Which cards may carry an EFA, in AWS's order of preference, and which of those this primary allows.
    const preferred = recommendation.efaNetworkCards?.(capabilities) ?? efaCapableCards(cards).map((c) => c.networkCardIndex);
    const card0TakesEfa = cardSupports(card0, InterfaceType.EFA) && preferred.includes(0);
    if (options.primaryInterface === PrimaryInterface.EFA && !card0TakesEfa) {
      const why = card0.efaSupported ? 'card 0 takes no \'efa\' interface' : 'card 0 is ENA-only in AWS\'s layout';
      throw efaError('efa-on-ena-only-card', `${type} cannot carry an EFA on network card 0 (${why}), so the primary cannot be 'efa'; use PrimaryInterface.ENA (the default) and let the EFAs go on cards ${describeCards(preferred.map((i) => cards[i]))}.`);
    }
    // Card 0 holds the primary at device 0: its EFA is the primary itself (efa), or efa-only at device 1. Without a
    // choice, the primary is efa where card 0's EFA would otherwise be lost, or where card 0 takes no ENA.
    const card0EfaOnlyFits = cardSupports(card0, InterfaceType.EFA_ONLY) && card0.maximumNetworkInterfaces >= 2;
    const primaryIsEfa = options.primaryInterface === PrimaryInterface.EFA
      || (options.primaryInterface === undefined && card0TakesEfa && (!card0EfaOnlyFits || !cardSupports(card0, InterfaceType.INTERFACE)));
    const usable = preferred.filter((index) => {
      const card = cards[index];
      if (card === undefined || !card.efaSupported) {
        return false;
      }
      if (index === 0) {
        return primaryIsEfa || (card0EfaOnlyFits && preferred.includes(0));
      }
      return cardSupports(card, InterfaceType.EFA_ONLY);
    });
    const maxEfa = Math.min(usable.length, capabilities.maximumEfaInterfaces, recommendation.maximumRecommendedEfaCount ?? Infinity);

    const efaCount = options.efaCount ?? maxEfa;
    if (Token.isUnresolved(efaCount)) {
      throw efaError('efa-count-unresolved', `efaCount for ${type} is an unresolved token, but the layout is computed at synth time; give a number from 1 to ${maxEfa}.`);
    }
    if (!Number.isInteger(efaCount) || efaCount < 1 || efaCount > maxEfa) {
      throw efaError('efa-count-out-of-range', `efaCount ${echo(efaCount)} is not possible for ${type}: ${maxEfaReason(maxEfa, capabilities, options.primaryInterface)}; give a whole number from 1 to ${maxEfa}, or leave efaCount unset for ${maxEfa}.`);
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

    const profile = options.profile ?? LayoutProfile.SINGLE_IP;
    const enaCards = enaCardsFor(capabilities, profile);
    throwIfProblems(`EFA layout for ${type}`, enaCardProblems(capabilities, interfaces, enaCards, profile));
    for (const card of enaCards) {
      const used = interfaces.filter((i) => i.networkCardIndex === card).length;
      interfaces.push({ networkCardIndex: card, deviceIndex: used, interfaceType: InterfaceType.INTERFACE });
    }

    return new EfaLayout(capabilities, interfaces);
  }

  /** The instance type this layout is for. */
  public readonly instanceType: string;

  /** The capabilities the layout was computed or checked against. */
  public readonly capabilities: InstanceTypeCapabilities;

  /** The network interfaces, sorted by card and then device index. */
  public readonly interfaces: NetworkInterfaceSpec[];

  /** EFA and ENA counts, IP addresses per node and EFA bandwidth. */
  public readonly summary: EfaLayoutSummary;

  /**
   * @param checked the summary of `interfaces` when they are a layout's sorted and validated interfaces already (a copy
   *        of a known layout); otherwise they are validated, sorted and summarized here
   */
  private constructor(capabilities: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[], checked?: EfaLayoutSummary) {
    let sorted: NetworkInterfaceSpec[];
    if (checked === undefined) {
      // Every caller has checked the capabilities (validateCapabilities), so only the interfaces are checked here.
      throwIfProblems(`EFA layout for ${echoName(capabilities.instanceType)}`, interfaceProblems(capabilities, interfaces));
      sorted = [...interfaces].sort((a, b) => a.networkCardIndex - b.networkCardIndex || a.deviceIndex - b.deviceIndex);
    } else {
      sorted = interfaces.map((i) => ({ ...i })); // a copy a caller may change without changing the known layout
    }
    this.instanceType = capabilities.instanceType;
    this.capabilities = capabilities;
    this.interfaces = sorted;
    this.summary = checked === undefined ? summarize(capabilities, sorted) : { ...checked };
  }
}

/**
 * The recommended layouts of the capability table's checked rows, by row and then by `knownLayoutKey`: private copies,
 * which no caller can change, and which `recommended` copies again for each caller.
 */
const KNOWN_LAYOUTS = new WeakMap<InstanceTypeCapabilities, Map<string, EfaLayout>>();

/**
 * The key of checked `options` among the known layouts, or undefined when they should not be kept: an `efaCount` that
 * is not a whole number (the layout engine refuses it with its own message, and JSON would not tell NaN from null).
 */
function knownLayoutKey(options: EfaLayoutOptions): string | undefined {
  if (options.efaCount !== undefined && options.efaCount !== null && !Number.isInteger(options.efaCount)) {
    return undefined;
  }
  const profile = options.profile;
  return JSON.stringify([options.efaCount ?? null, options.primaryInterface ?? null, profile?.name ?? null, profile?.enaNetworkCards ?? null]);
}

/** `count` of `items`, spread evenly and always starting with the first (which is card 0 where card 0 takes EFA). */
function spreadEvenly(items: number[], count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(items[Math.floor((i * items.length) / count)]);
  }
  return out;
}

function maxEfaReason(maxEfa: number, caps: InstanceTypeCapabilities, primary?: PrimaryInterface): string {
  const card0 = caps.networkCards[0];
  if (primary === PrimaryInterface.ENA && card0.efaSupported && card0.maximumNetworkInterfaces < 2) {
    return `with an ENA primary, network card 0 has no room for an EFA (it takes ${card0.maximumNetworkInterfaces} interface), so at most ${maxEfa} EFA fit (use PrimaryInterface.EFA for one more)`;
  }
  const cap = recommendationFor(caps.instanceType).maximumRecommendedEfaCount;
  if (cap !== undefined && maxEfa === cap) {
    return `AWS recommends at most ${cap} EFA interfaces for this type; write the layout by hand with EfaLayout.fromInterfaces() for more`;
  }
  return `it supports at most ${maxEfa} EFA interface(s), one per EFA-capable network card (maximumEfaInterfaces ${caps.maximumEfaInterfaces})`;
}

const PRIMARY_INTERFACES: readonly string[] = Object.values(PrimaryInterface);

/** The options, or `{}` for null; refuses a `primaryInterface` or `profile` that is not of its type. */
function checkedOptions(caps: InstanceTypeCapabilities, options: EfaLayoutOptions | null | undefined): EfaLayoutOptions {
  if (options === undefined || options === null) {
    return {};
  }
  const type = echoName(caps.instanceType);
  const problems: Problem[] = [];
  if (typeof options !== 'object') {
    problems.push({ id: 'invalid-layout-option', message: `The layout options for ${type} are ${echo(options)}, not an EfaLayoutOptions object; give { efaCount, primaryInterface, profile }, or nothing for AWS's recommended layout.` });
  } else {
    const primary: unknown = options.primaryInterface;
    if (primary !== undefined && !(typeof primary === 'string' && PRIMARY_INTERFACES.includes(primary))) {
      problems.push({ id: 'invalid-layout-option', message: `primaryInterface for ${type} is ${echo(primary)}, which is not a PrimaryInterface; use PrimaryInterface.ENA ('ena') or PrimaryInterface.EFA ('efa'), or leave it unset.` });
    }
    if (options.profile !== undefined && !(options.profile instanceof LayoutProfile)) {
      problems.push({ id: 'invalid-layout-option', message: `profile for ${type} is ${echo(options.profile)}, which is not a LayoutProfile; use LayoutProfile.SINGLE_IP, LayoutProfile.MAX_BANDWIDTH or LayoutProfile.enaOnCards([...]), or leave it unset.` });
    }
  }
  throwIfProblems(`EFA layout for ${type}`, problems);
  return options;
}

/**
 * Why the cards a profile names cannot each take one more ENA after the EFAs are placed, in the terms the user chose:
 * a card that does not exist, a card that takes no `interface`, a card whose device indexes are all in use.
 */
function enaCardProblems(caps: InstanceTypeCapabilities, efaLayout: NetworkInterfaceSpec[], enaCards: number[], profile: LayoutProfile): Problem[] {
  const type = echoName(caps.instanceType);
  const cards = caps.networkCards;
  const asked = profile.enaNetworkCards !== undefined ? 'LayoutProfile.enaOnCards()' : 'LayoutProfile.MAX_BANDWIDTH';
  const used = (card: number) => efaLayout.filter((i) => i.networkCardIndex === card);
  const free = cards.filter((c) => cardSupports(c, InterfaceType.INTERFACE) && used(c.networkCardIndex).length < c.maximumNetworkInterfaces);
  const instead = free.length > 0
    ? `choose cards with room for an ENA (${describeCards(free)})`
    : 'no card has room for another ENA; lower efaCount to free a card, or use LayoutProfile.SINGLE_IP';
  const problems: Problem[] = [];
  for (const index of enaCards) {
    const card = cards[index];
    if (card === undefined) {
      problems.push({ id: 'invalid-ena-card', message: `${asked} asks for an extra ENA on network card ${index}, but ${type} has ${cards.length} network card(s), 0–${cards.length - 1}; ${instead}.` });
    } else if (!cardSupports(card, InterfaceType.INTERFACE)) {
      problems.push({ id: 'invalid-ena-card', message: `${asked} asks for an extra ENA on network card ${index}, but ${type} network card ${index} takes only ${describeInterfaceTypes(supportedInterfaceTypes(card))} interfaces, so it cannot carry an ENA; ${instead}.` });
    } else if (used(index).length >= card.maximumNetworkInterfaces) {
      const taken = used(index).map((i) => `'${i.interfaceType}' at device ${i.deviceIndex}`).join(' and ');
      const primaryHint = index === 0 && used(0).some((i) => i.interfaceType === InterfaceType.EFA_ONLY) && cardSupports(card, InterfaceType.EFA)
        ? ', or use PrimaryInterface.EFA, which frees card 0\'s device 1' : '';
      problems.push({ id: 'invalid-ena-card', message: `${asked} asks for an extra ENA on network card ${index}, but ${type} network card ${index} takes ${card.maximumNetworkInterfaces} network interface(s) and the layout already puts ${taken} there; ${instead}${primaryHint}.` });
    }
  }
  return problems;
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
    throw efaError('no-documented-max-bandwidth-layout', `AWS documents no max-bandwidth ("use case 2") layout for ${echoName(caps.instanceType)} (only for p5, p5e, p6-b200 and p6-b300 multi-card types); list the cards that should get an extra ENA with LayoutProfile.enaOnCards([...]), or use LayoutProfile.SINGLE_IP.`);
  }
  return documented;
}

/** What the pod-IP check compares against: max-pods (when known) in one VPC CNI mode. */
/** What the VPC CNI must provide: `options.maxPods` when given (and not a token), else the default for the mode. */
function podTarget(layout: EfaLayout, options: EfaKubernetesPodOptions): PodTarget {
  const given = options.maxPods;
  if (options.prefixDelegation !== undefined && typeof options.prefixDelegation !== 'boolean') {
    throw efaError('invalid-layout-option', `prefixDelegation for ${echoName(layout.instanceType)} is ${echo(options.prefixDelegation)}, not true or false; say whether the VPC CNI runs with ENABLE_PREFIX_DELEGATION=true, or leave it unset for false.`);
  }
  if (given !== undefined && !Token.isUnresolved(given) && (!Number.isInteger(given) || given < 1)) {
    throw efaError('invalid-max-pods', `maxPods ${echo(given)} for ${echoName(layout.instanceType)} is not a number of pods; give a whole number from 1 (EKS sets at most 250), or leave it unset for the default EKS sets (${layout.summary.defaultMaxPods ?? 'unknown for this type'}).`);
  }
  return {
    prefixDelegation: options.prefixDelegation === true,
    maxPods: given !== undefined && !Token.isUnresolved(given)
      ? given
      : (options.prefixDelegation === true ? EKS_MAX_PODS_CAP : layout.summary.defaultMaxPods),
  };
}

interface PodTarget {
  readonly maxPods?: number;
  readonly prefixDelegation: boolean;
}

interface PodIpAssessment {
  readonly needed?: number;
  readonly available?: number;
  readonly sufficient?: boolean;
}

function assessPodIps(layout: EfaLayout, target: PodTarget): PodIpAssessment {
  const needed = target.maxPods === undefined ? undefined : Math.max(0, target.maxPods - HOST_NETWORK_PODS);
  const available = target.prefixDelegation ? layout.summary.podIpv4AddressesWithPrefixDelegation : layout.summary.podIpv4Addresses;
  const sufficient = needed === undefined || available === undefined ? undefined : available >= needed;
  return { needed, available, sufficient };
}

function podIpResult(layout: EfaLayout, target: PodTarget, reason: string): EfaKubernetesLayout {
  const { needed, available, sufficient } = assessPodIps(layout, target);
  return {
    layout,
    primaryInterface: layout.interfaces[0].interfaceType === InterfaceType.EFA ? PrimaryInterface.EFA : PrimaryInterface.ENA,
    maxPods: target.maxPods,
    podIpv4AddressesNeeded: needed,
    podIpv4Addresses: available,
    podIpv4AddressesSufficient: sufficient,
    reason,
  };
}

/**
 * The recommended layout with an `efa` primary in place of card 0's `efa-only`, when that keeps the EFA count; undefined
 * when the recommended layout has no `efa-only` on card 0 (nothing to free).
 */
function efaPrimaryAlternative(caps: InstanceTypeCapabilities, recommended: EfaLayout, options: EfaLayoutOptions): EfaLayout | undefined {
  const efaOnlyOnCard0 = recommended.interfaces.some((i) => i.networkCardIndex === 0 && i.interfaceType === InterfaceType.EFA_ONLY);
  if (!efaOnlyOnCard0) {
    return undefined;
  }
  // Card 0 carries an EFA here, so an efa primary is allowed and reaches at least as many cards: this cannot throw.
  const alternative = EfaLayout.recommended(caps, { ...options, efaCount: recommended.summary.efaCount, primaryInterface: PrimaryInterface.EFA });
  return alternative.summary.efaCount === recommended.summary.efaCount ? alternative : undefined;
}

function modeName(target: PodTarget): string {
  return target.prefixDelegation ? 'with prefix delegation' : 'in secondary-IP mode';
}

/** `N of network card 0's M network interfaces` for a layout. */
function cniInterfaces(layout: EfaLayout): string {
  const card0 = layout.capabilities.networkCards[0].maximumNetworkInterfaces;
  return `${layout.summary.vpcCniNetworkInterfaces} of network card 0's ${card0} network interface(s)`;
}

function primaryName(layout: EfaLayout): string {
  return layout.interfaces[0].interfaceType === InterfaceType.EFA ? 'an efa primary' : 'an ENA primary';
}

function describeSwitch(recommended: EfaLayout, alternative: EfaLayout, target: PodTarget): string {
  const type = echoName(recommended.instanceType);
  const efa = `keeps the ${alternative.summary.efaCount} EFA interface(s) and leaves the VPC CNI ${cniInterfaces(alternative)}`;
  const before = assessPodIps(recommended, target);
  const after = assessPodIps(alternative, target);
  if (before.available === undefined || after.available === undefined) {
    return `${type}: ipv4AddressesPerInterface is unknown, so pod IPv4 addresses cannot be counted; an efa primary ${efa}, where AWS's recommended layout (efa-only at network card 0 device 1) leaves it ${recommended.summary.vpcCniNetworkInterfaces}.`;
  }
  return `${type}: AWS's recommended layout (efa-only at network card 0 device 1) leaves the VPC CNI ${cniInterfaces(recommended)}: ${before.available} pod IPv4 addresses ${modeName(target)}, fewer than the ${before.needed} that max-pods ${target.maxPods} needs; an efa primary ${efa}: ${after.available} addresses.`;
}

/**
 * Why `layout` is used, with its numbers; when they fall short, the fixes. `alternative` is an efa-primary layout that
 * was tried and also falls short.
 */
function describePodIps(layout: EfaLayout, target: PodTarget, origin: 'as given' | 'recommended', alternative?: EfaLayout): string {
  const type = echoName(layout.instanceType);
  const what = origin === 'as given' ? `the layout with ${primaryName(layout)} (as given)` : 'AWS\'s recommended layout';
  const { needed, available, sufficient } = assessPodIps(layout, target);
  const leaves = `${what} leaves the VPC CNI ${cniInterfaces(layout)}`;
  if (available === undefined) {
    return `${type}: ${leaves}; ipv4AddressesPerInterface is unknown, so pod IPv4 addresses cannot be counted.`;
  }
  if (needed === undefined || sufficient !== false) {
    const enough = needed === undefined ? '' : `, enough for max-pods ${target.maxPods}`;
    return `${type}: ${leaves}: ${available} pod IPv4 addresses ${modeName(target)}${enough}.`;
  }
  const fixes: string[] = [];
  const efaOnlyOnCard0 = layout.interfaces.some((i) => i.networkCardIndex === 0 && i.interfaceType === InterfaceType.EFA_ONLY);
  if (origin === 'as given' && efaOnlyOnCard0) {
    fixes.push('leave primaryInterface unset or use PrimaryInterface.EFA, which keeps the EFA count and frees card 0\'s slot');
  }
  const withPrefixes = layout.summary.podIpv4AddressesWithPrefixDelegation;
  if (!target.prefixDelegation && withPrefixes !== undefined) {
    fixes.push(`turn on VPC CNI prefix delegation (ENABLE_PREFIX_DELEGATION=true), which gives ${withPrefixes}${withPrefixes >= needed ? '' : ' (still too few)'}`);
  }
  const withAlternative = alternative === undefined ? undefined : assessPodIps(alternative, target).available;
  fixes.push(withAlternative === undefined
    ? `set max-pods to ${available + HOST_NETWORK_PODS} or lower`
    : `set max-pods to ${withAlternative + HOST_NETWORK_PODS} or lower (then the efa primary is chosen)`);
  const tried = withAlternative === undefined ? '' : `; an efa primary, which keeps the EFA count, gives ${withAlternative}, also too few`;
  return `${type}: ${leaves}: ${available} pod IPv4 addresses ${modeName(target)}, fewer than the ${needed} that max-pods ${target.maxPods} needs, so pods past the first ${available} fail with "failed to assign an IP address"${tried}. To fix it, ${fixes.join(', or ')}.`;
}
