import { Token } from './tokens';
import { InstanceTypeCapabilities, NetworkCardCapabilities } from '../capabilities';
import type { EfaLayoutSummary } from '../layout-summary';
import { InterfaceType, NetworkInterfaceSpec } from '../network-interface';
import { capabilitiesProblems, cardSupports, describeInterfaceTypes, isInterfaceType, supportedInterfaceTypes, INTERFACE_TYPES } from './capabilities-rules';
import { Problem, echo, echoName } from './errors';
import { isCheckedTableRow } from './instance-table';
import { closestNames } from './suggest';

/**
 * The rules EC2 enforces on a launch's network interfaces: the one home of layout validation, used by `EfaLayout`
 * and by `EfaChecks`.
 *
 * Sources: EC2 User Guide efa.html ("Differences" table, network cards); eksctl issue #7520 (device index limit);
 * EC2 User Guide efa-acc-inst-types.html and aws-parallelcluster PR #6930 (cards that take only `efa-only`, such as
 * p6e-gb200.36xlarge's odd cards, modelled as the card's `supportedInterfaceTypes`).
 */

/** Whether an interface type carries an EFA (`efa` or `efa-only`). */
export function isEfa(type: InterfaceType): boolean {
  return type === InterfaceType.EFA || type === InterfaceType.EFA_ONLY;
}

/** The cards that can carry an EFA. */
export function efaCapableCards(cards: NetworkCardCapabilities[]): NetworkCardCapabilities[] {
  return cards.filter((c) => c.efaSupported);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Card indexes for a message: `1–16` when contiguous, else `1, 3, 5`. */
export function describeCards(cards: NetworkCardCapabilities[]): string {
  const indexes = cards.map((c) => c.networkCardIndex);
  if (indexes.length === 0) {
    return 'none';
  }
  const contiguous = indexes.every((v, i) => i === 0 || v === indexes[i - 1] + 1);
  return contiguous && indexes.length > 2 ? `${indexes[0]}–${indexes[indexes.length - 1]}` : indexes.join(', ');
}

/**
 * Whether an index is an unresolved token. Token numbers are huge negative doubles, so a small whole number is
 * answered without asking aws-cdk-lib's token map (the slowest part of checking a layout otherwise).
 */
export function isNumberToken(value: number): boolean {
  return !(Number.isSafeInteger(value) && value >= 0 && value < 1024) && Token.isUnresolved(value);
}

/**
 * Every rule the interfaces break, after the capabilities' own problems (when the capabilities are malformed, only
 * those: the rules cannot be read from them). Interfaces whose indexes are unresolved tokens are not checked, nor is
 * an `interfaceType` that is a token.
 */
export function layoutProblems(caps: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[]): Problem[] {
  // A checked row of the capability table is well formed (rows are typed readonly and checked on their first read).
  const capsProblems = isCheckedTableRow(caps) ? [] : capabilitiesProblems(caps);
  return capsProblems.length > 0 ? capsProblems : interfaceProblems(caps, interfaces);
}

/** Where an interface is, for a message: its card and device, or its place in the list when an index is a token. */
function whereIs(iface: NetworkInterfaceSpec, position: number): string {
  if (isNumberToken(iface.networkCardIndex) || isNumberToken(iface.deviceIndex)) {
    return `network interface ${position + 1} of the list`;
  }
  return `network card ${echo(iface.networkCardIndex)} device ${echo(iface.deviceIndex)}`;
}

/** The problem of an `interfaceType` that is not one of EC2's, or undefined when it is one (or a token). */
function interfaceTypeProblem(type: string, iface: NetworkInterfaceSpec, position: number): Problem | undefined {
  const given: unknown = iface.interfaceType;
  if (isInterfaceType(given) || (typeof given === 'string' && Token.isUnresolved(given))) {
    return undefined;
  }
  const suggestions = typeof given === 'string' && given.trim() !== '' ? closestNames(given, INTERFACE_TYPES, 1) : [];
  const didYouMean = suggestions.length > 0 ? ` (did you mean '${suggestions[0]}'?)` : '';
  return {
    id: 'invalid-interface-type',
    message: `${type} ${whereIs(iface, position)} has interfaceType ${echo(given)}, which is not an EC2 interface type${didYouMean}; use 'interface' (InterfaceType.INTERFACE), 'efa' (InterfaceType.EFA) or 'efa-only' (InterfaceType.EFA_ONLY).`,
  };
}

/**
 * The rules of a list of interfaces against capabilities that `capabilitiesProblems` found well formed (`EfaLayout`
 * checks them first; everyone else calls `layoutProblems`).
 */
export function interfaceProblems(caps: InstanceTypeCapabilities, interfaces: readonly unknown[]): Problem[] {
  if (!Array.isArray(interfaces)) {
    return [{ id: 'invalid-network-interface', message: `${echoName(caps.instanceType)}: the network interfaces are ${echo(interfaces)}, not a list; give a list of NetworkInterfaceSpec ({ networkCardIndex, deviceIndex, interfaceType }).` }];
  }
  const type = echoName(caps.instanceType);
  const problems: Problem[] = [];
  const specs: Array<[NetworkInterfaceSpec, number]> = [];
  interfaces.forEach((iface, position) => {
    if (isObject(iface)) {
      specs.push([iface as unknown as NetworkInterfaceSpec, position]);
    } else {
      problems.push({ id: 'invalid-network-interface', message: `${type}: network interface ${position + 1} of the list is ${echo(iface)}, not a NetworkInterfaceSpec; give { networkCardIndex, deviceIndex, interfaceType }.` });
    }
  });
  for (const [iface, position] of specs) {
    const problem = interfaceTypeProblem(type, iface, position);
    if (problem !== undefined) {
      problems.push(problem);
    }
  }
  const resolved = specs.filter(([i]) => !isNumberToken(i.networkCardIndex) && !isNumberToken(i.deviceIndex));
  const pairs = new Set<string>();
  const efaCards = new Map<number, number>();
  let efaTotal = 0;

  for (const [iface, position] of resolved) {
    const { networkCardIndex: card, deviceIndex: device, interfaceType } = iface;
    const where = () => whereIs(iface, position); // for messages only: most interfaces have no problem
    if (!Number.isInteger(card) || card < 0 || !Number.isInteger(device) || device < 0) {
      problems.push({ id: 'invalid-index', message: `${type} ${where()} is not a valid position; card and device indexes are whole numbers from 0.` });
      continue;
    }
    const cardCaps = caps.networkCards[card];
    if (cardCaps === undefined) {
      problems.push({ id: 'unknown-network-card', message: `${type} has no network card ${card} (it has ${caps.networkCards.length}: 0–${caps.networkCards.length - 1}); move the ${echo(interfaceType)} interface to an existing card.` });
      continue;
    }
    if (device >= cardCaps.maximumNetworkInterfaces) {
      problems.push({ id: 'device-index-exceeds-card', message: `${type} ${where()}: device index ${device} exceeds the card's maximum of ${cardCaps.maximumNetworkInterfaces} network interface(s), and EC2 would reject the launch; use device index ${cardCaps.maximumNetworkInterfaces - 1} or lower, or another card.` });
    }
    const key = `${card}/${device}`;
    if (pairs.has(key)) {
      problems.push({ id: 'duplicate-interface', message: `${type} ${where()} appears more than once; each (networkCardIndex, deviceIndex) pair may be used once.` });
    }
    pairs.add(key);
    if (card === 0 && device === 0 && interfaceType === InterfaceType.EFA_ONLY) {
      problems.push({ id: 'efa-only-primary', message: `${type}: the primary interface (network card 0, device 0) is 'efa-only', which has no IP address and cannot be primary; make it 'interface' (ENA) and put the efa-only interface at card 0 device 1.` });
    }
    if (isEfa(interfaceType)) {
      efaTotal++;
      efaCards.set(card, (efaCards.get(card) ?? 0) + 1);
      if (!cardCaps.efaSupported) {
        problems.push({ id: 'efa-on-ena-only-card', message: `${type} cannot carry an EFA on network card ${card} (card ${card} is ENA-only); make it 'interface' or move the EFA to cards ${describeCards(efaCapableCards(caps.networkCards))}.` });
        continue;
      }
    }
    if (isInterfaceType(interfaceType) && !cardSupports(cardCaps, interfaceType)) {
      const accepted = describeInterfaceTypes(supportedInterfaceTypes(cardCaps));
      const elsewhere = caps.networkCards.filter((c) => cardSupports(c, interfaceType));
      problems.push({ id: 'interface-type-not-supported-on-card', message: `${type} ${where()} is '${interfaceType}', but network card ${card} takes only ${accepted} interfaces, and EC2 would reject the launch; make it ${accepted}, or move it to a card that takes '${interfaceType}' (${describeCards(elsewhere)}).` });
    }
  }

  if (resolved.length === interfaces.length && !pairs.has('0/0')) {
    problems.push({ id: 'no-primary-interface', message: `${type}: the layout has no primary interface; add an 'interface' (ENA) at network card 0, device 0.` });
  }
  for (const [card, count] of efaCards) {
    if (count > 1) {
      problems.push({ id: 'multiple-efa-on-card', message: `${type} network card ${card} has ${count} EFA interfaces, but a card takes at most one EFA ('efa' or 'efa-only'); keep one and move the others to other cards.` });
    }
  }
  if (efaTotal > caps.maximumEfaInterfaces) {
    problems.push({ id: 'too-many-efa', message: `${type} supports at most ${caps.maximumEfaInterfaces} EFA interface(s), but the layout has ${efaTotal}; remove ${efaTotal - caps.maximumEfaInterfaces}.` });
  }
  const maxInterfaces = caps.maximumNetworkInterfaces ?? caps.networkCards.reduce((sum, c) => sum + c.maximumNetworkInterfaces, 0);
  if (interfaces.length > maxInterfaces) {
    problems.push({ id: 'too-many-interfaces', message: `${type} supports at most ${maxInterfaces} network interfaces, but the layout has ${interfaces.length}; remove some ENA interfaces.` });
  }
  return problems;
}

/** What a layout delivers and costs; it counts what an invalid layout would expose, too. */
export function summarize(caps: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[]): EfaLayoutSummary {
  const efa = interfaces.filter((i) => isEfa(i.interfaceType));
  const ena = interfaces.filter((i) => i.interfaceType !== InterfaceType.EFA_ONLY);
  const efaCards = new Set(efa.map((i) => i.networkCardIndex));
  const efaBandwidthInGbps = [...efaCards]
    .map((card) => caps.networkCards[card]?.baselineBandwidthInGbps ?? 0)
    .reduce((sum, gbps) => sum + gbps, 0);
  return {
    efaCount: efa.length,
    enaCount: ena.length,
    networkInterfaceCount: interfaces.length,
    ipv4AddressesPerNode: ena.length,
    efaBandwidthInGbps: Math.round(efaBandwidthInGbps * 100) / 100,
    ...podIpCapacity(caps, interfaces),
  };
}

/**
 * Pod-IP model of the Amazon VPC CNI (sources: efa-rules §5; amazon-vpc-cni-k8s `pkg/ipamd/ipamd.go`; the EKS AMI's
 * `eni-max-pods.txt`, "# of ENI × (# of IPv4 per ENI − 1) + 2", counted on the default network card only):
 * - the CNI manages network card 0 only, and an `efa-only` interface on card 0 takes one of card 0's interfaces;
 * - each interface's primary address is not used for pods; prefix delegation turns each other slot into a /28;
 * - the `+ 2` are aws-node and kube-proxy, which use the host network.
 */

/**
 * The highest max-pods EKS managed node groups set: 110 below 30 vCPUs, 250 from 30 vCPUs. The capability table has no
 * vCPU count, so 250 is used for every type. That overstates the need of the few small EFA types (p5.4xlarge,
 * trn2.3xlarge), which is the safe side: callers who know better pass `maxPods`.
 */
export const EKS_MAX_PODS_CAP = 250;

/** Pods on every node that use the host network and take no address from the VPC CNI: aws-node and kube-proxy. */
export const HOST_NETWORK_PODS = 2;

/** IPv4 addresses in one /28 prefix (VPC CNI prefix delegation). */
const ADDRESSES_PER_PREFIX = 16;

type PodIpCapacity = Pick<EfaLayoutSummary,
'vpcCniNetworkInterfaces' | 'podIpv4Addresses' | 'podIpv4AddressesWithPrefixDelegation' | 'defaultMaxPods'>;

/**
 * The pod-IP fields of a summary. Only the fields that are known are present (no `undefined` keys), so summaries of
 * rows without `ipv4AddressesPerInterface` keep their shape.
 */
function podIpCapacity(caps: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[]): PodIpCapacity {
  const card0 = caps.networkCards[0];
  if (card0 === undefined) {
    return {};
  }
  const efaOnlyOnCard0 = interfaces
    .filter((i) => i.networkCardIndex === 0 && i.interfaceType === InterfaceType.EFA_ONLY).length;
  const vpcCniNetworkInterfaces = Math.max(0, card0.maximumNetworkInterfaces - efaOnlyOnCard0);
  const perInterface = caps.ipv4AddressesPerInterface;
  if (perInterface === undefined || isNumberToken(perInterface) || !Number.isInteger(perInterface) || perInterface < 1) {
    return { vpcCniNetworkInterfaces };
  }
  const secondary = perInterface - 1;
  return {
    vpcCniNetworkInterfaces,
    podIpv4Addresses: vpcCniNetworkInterfaces * secondary,
    podIpv4AddressesWithPrefixDelegation: vpcCniNetworkInterfaces * secondary * ADDRESSES_PER_PREFIX,
    defaultMaxPods: Math.min(card0.maximumNetworkInterfaces * secondary + HOST_NETWORK_PODS, EKS_MAX_PODS_CAP),
  };
}
