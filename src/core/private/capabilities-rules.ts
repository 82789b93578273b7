import { Token } from './tokens';
import { AcceleratorKind, InstanceTypeCapabilities, NetworkCardCapabilities } from '../capabilities';
import { InterfaceType } from '../network-interface';
import { Problem, echo, echoName } from './errors';

/**
 * The shape and coherence of an `InstanceTypeCapabilities`: the one home of capability validation, used by
 * `EfaInstanceTypes.validateCapabilities`, the layout engine and (through `layoutProblems`) `EfaChecks`.
 *
 * Capabilities may come from JavaScript or a jsii language, where nothing checks their types; every field is checked,
 * and every problem is reported, so that no raw TypeError, NaN or silent zero comes out of the engine.
 */

/** Every EC2 `InterfaceType` value. */
export const INTERFACE_TYPES: readonly string[] = Object.values(InterfaceType);

/** Whether a value is one of the `InterfaceType` values. */
export function isInterfaceType(value: unknown): value is InterfaceType {
  return typeof value === 'string' && INTERFACE_TYPES.includes(value);
}

/** The interface types a card accepts: its `supportedInterfaceTypes`, or what `efaSupported` implies. */
export function supportedInterfaceTypes(card: NetworkCardCapabilities): InterfaceType[] {
  if (card.supportedInterfaceTypes !== undefined) {
    return card.supportedInterfaceTypes;
  }
  return card.efaSupported ? [InterfaceType.INTERFACE, InterfaceType.EFA, InterfaceType.EFA_ONLY] : [InterfaceType.INTERFACE];
}

/** Whether a card accepts an interface of the given type. */
export function cardSupports(card: NetworkCardCapabilities, type: InterfaceType): boolean {
  return supportedInterfaceTypes(card).includes(type);
}

/** `'efa-only'`, `'interface' or 'efa'`: interface types for a message. */
export function describeInterfaceTypes(types: readonly string[]): string {
  const quoted = types.map((t) => `'${t}'`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/**
 * The `InstanceArchitecture` values of aws-cdk-lib/aws-ec2, spelled out because the core loads no construct module at
 * run time (test/core/instance-types.test.ts checks them against aws-ec2).
 */
export const ARCHITECTURES: readonly string[] = ['arm64', 'x86_64'];

/** The `PlacementGroupStrategy` values of aws-cdk-lib/aws-ec2, spelled out for the same reason. */
export const PLACEMENT_GROUP_STRATEGIES: readonly string[] = ['cluster', 'partition', 'spread'];

const ACCELERATOR_KINDS: readonly string[] = Object.values(AcceleratorKind);

const FIX = 'copy it from `aws ec2 describe-instance-types`';

/**
 * Upper bounds far above any EC2 figure (today at most 80 interfaces, 32 EFAs, 64 addresses per interface, 400 Gbps
 * per card), so that a mistyped huge value is refused rather than turning layout figures into Infinity.
 */
const MAX_COUNT = 1024;
const MAX_GBPS = 100_000;

type Fields = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A number that stands for a token: capabilities are read at synth time, so a token cannot be used. */
function isNumberToken(value: unknown): boolean {
  return typeof value === 'number' && !(Number.isSafeInteger(value) && value >= 0 && value < 1024) && Token.isUnresolved(value);
}

/** Collects the problems of one capabilities object, each naming the field by its path. */
class ShapeChecker {
  public readonly problems: Problem[] = [];

  public constructor(private readonly type: string) {}

  public problem(field: string, given: unknown, rule: string): void {
    const value = isNumberToken(given) || (typeof given === 'string' && Token.isUnresolved(given))
      ? 'an unresolved token, but capabilities are read at synth time'
      : echo(given);
    this.problems.push({ id: 'invalid-capabilities', message: `${this.type}: ${field} is ${value}; ${rule}.` });
  }

  public note(message: string): void {
    this.problems.push({ id: 'invalid-capabilities', message: `${this.type}: ${message}.` });
  }

  /** A whole number from `min`; `optional` lets it be undefined. */
  public count(field: string, value: unknown, min: number, what: string, optional = false): boolean {
    if (optional && value === undefined) {
      return true;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_COUNT || isNumberToken(value)) {
      this.problem(field, value, `it must be a whole number from ${min} to ${MAX_COUNT} (${what}); ${FIX}`);
      return false;
    }
    return true;
  }

  /** A finite number of at least 0, or undefined. */
  public bandwidth(field: string, value: unknown, what: string): boolean {
    if (value === undefined) {
      return true;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_GBPS || isNumberToken(value)) {
      this.problem(field, value, `it must be a number of Gbps from 0 to ${MAX_GBPS}, or left out when unknown (${what}); ${FIX}`);
      return false;
    }
    return true;
  }

  public boolean(field: string, value: unknown, what: string, optional = false): boolean {
    if ((optional && value === undefined) || typeof value === 'boolean') {
      return true;
    }
    this.problem(field, value, `it must be true or false (${what})`);
    return false;
  }

  public string(field: string, value: unknown, what: string): boolean {
    if (typeof value === 'string' && value !== '' && !Token.isUnresolved(value)) {
      return true;
    }
    this.problem(field, value, `it must be a non-empty string (${what})`);
    return false;
  }

  public oneOf(field: string, value: unknown, allowed: readonly string[], what: string): boolean {
    if (typeof value === 'string' && allowed.includes(value)) {
      return true;
    }
    this.problem(field, value, `it must be one of ${allowed.map((a) => `'${a}'`).join(', ')} (${what})`);
    return false;
  }

  /** An array (`optional`: or undefined); returns its entries, or undefined when it is not an array. */
  public list(field: string, value: unknown, what: string, optional = true): readonly unknown[] | undefined {
    if (Array.isArray(value)) {
      return value;
    }
    if (!(optional && value === undefined)) {
      this.problem(field, value, `it must be a list (${what})`);
    }
    return undefined;
  }
}

function checkCardInterfaceTypes(check: ShapeChecker, field: string, card: Fields, position: number): void {
  const types = check.list(`${field}.supportedInterfaceTypes`, card.supportedInterfaceTypes, 'InterfaceType values the card accepts');
  if (types === undefined) {
    return;
  }
  const valid = types.filter((type, i): type is InterfaceType =>
    check.oneOf(`${field}.supportedInterfaceTypes[${i}]`, type, INTERFACE_TYPES, 'an InterfaceType'));
  if (types.length === 0) {
    check.note(`${field}.supportedInterfaceTypes is empty, but a card accepts at least one interface type; list them, or leave the field out for what efaSupported implies`);
    return;
  }
  if (valid.length < types.length) {
    return;
  }
  if (new Set(valid).size < valid.length) {
    check.problem(`${field}.supportedInterfaceTypes`, types, 'list each interface type once');
  }
  if (position === 0 && !valid.includes(InterfaceType.INTERFACE) && !valid.includes(InterfaceType.EFA)) {
    check.note(`${field} (network card 0) holds the primary interface, which is 'interface' or 'efa', but its supportedInterfaceTypes lists ${describeInterfaceTypes(valid)}; add 'interface' or 'efa'`);
  }
  const efaTypes = valid.filter((type) => type !== InterfaceType.INTERFACE);
  if (card.efaSupported === false && efaTypes.length > 0) {
    check.note(`${field} has efaSupported false, but its supportedInterfaceTypes lists ${describeInterfaceTypes(efaTypes)}; an ENA-only card takes 'interface' only: set efaSupported true, or remove them`);
  }
  if (card.efaSupported === true && efaTypes.length === 0) {
    check.note(`${field} has efaSupported true, but its supportedInterfaceTypes lists neither 'efa' nor 'efa-only'; add the EFA types the card takes, or set efaSupported false`);
  }
}

function checkCard(check: ShapeChecker, card: unknown, position: number): boolean {
  const field = `networkCards[${position}]`;
  if (!isObject(card)) {
    check.problem(field, card, 'each entry must be a NetworkCardCapabilities object (EC2 NetworkCards[])');
    return false;
  }
  if (card.networkCardIndex !== position) {
    check.problem(`${field}.networkCardIndex`, card.networkCardIndex, `list the cards in order 0, 1, 2 …, so this one must be ${position}`);
  }
  check.count(`${field}.maximumNetworkInterfaces`, card.maximumNetworkInterfaces, 1, 'every card takes at least 1 interface; EC2 MaximumNetworkInterfaces of the card');
  const efa = check.boolean(`${field}.efaSupported`, card.efaSupported, 'whether the card can carry an EFA');
  const baseline = check.bandwidth(`${field}.baselineBandwidthInGbps`, card.baselineBandwidthInGbps, 'EC2 BaselineBandwidthInGbps');
  const peak = check.bandwidth(`${field}.peakBandwidthInGbps`, card.peakBandwidthInGbps, 'EC2 PeakBandwidthInGbps');
  if (baseline && peak && typeof card.baselineBandwidthInGbps === 'number' && typeof card.peakBandwidthInGbps === 'number'
    && card.peakBandwidthInGbps < card.baselineBandwidthInGbps) {
    check.note(`${field}.peakBandwidthInGbps is ${card.peakBandwidthInGbps}, below its baselineBandwidthInGbps of ${card.baselineBandwidthInGbps}; the peak is at least the baseline, ${FIX}`);
  }
  checkCardInterfaceTypes(check, field, card, position);
  return efa && card.efaSupported === true;
}

function checkAccelerators(check: ShapeChecker, value: unknown): void {
  const accelerators = check.list('accelerators', value, 'AcceleratorCapabilities');
  accelerators?.forEach((accelerator, i) => {
    const field = `accelerators[${i}]`;
    if (!isObject(accelerator)) {
      check.problem(field, accelerator, 'each entry must be an AcceleratorCapabilities object');
      return;
    }
    check.oneOf(`${field}.kind`, accelerator.kind, ACCELERATOR_KINDS, 'an AcceleratorKind');
    check.string(`${field}.manufacturer`, accelerator.manufacturer, 'for example NVIDIA');
    check.string(`${field}.name`, accelerator.name, 'for example H100');
    check.count(`${field}.count`, accelerator.count, 1, 'accelerators of this model on one instance');
  });
}

/**
 * Every problem of a capabilities object: its shape (types, whole numbers, ranges) and its coherence (cards in order,
 * at least one EFA-capable card, `supportedInterfaceTypes` agreeing with `efaSupported`). `efaSupported: false` is the
 * `efa-not-supported` problem; every other is `invalid-capabilities`.
 */
export function capabilitiesProblems(capabilities: unknown): Problem[] {
  if (!isObject(capabilities)) {
    return [{
      id: 'invalid-capabilities',
      message: `The capabilities are ${echo(capabilities)}, not an InstanceTypeCapabilities object; get one from EfaInstanceTypes.lookup(), or build it from \`aws ec2 describe-instance-types\` NetworkInfo.`,
    }];
  }
  const caps = capabilities as Fields;
  const type = capabilitiesName(caps);
  const check = new ShapeChecker(type);
  check.string('instanceType', caps.instanceType, 'the instance type the capabilities describe, for example p5.48xlarge');
  if (caps.efaSupported === false) {
    check.problems.push({ id: 'efa-not-supported', message: `${type}: efaSupported is false, so the type does not support EFA; choose an EFA-capable instance type (EfaInstanceTypes.all()).` });
  } else {
    check.boolean('efaSupported', caps.efaSupported, 'EC2 NetworkInfo.EfaSupported');
  }
  check.count('maximumEfaInterfaces', caps.maximumEfaInterfaces, 1, 'an EFA-capable type has at least 1; EC2 EfaInfo.MaximumEfaInterfaces');

  const cards = check.list('networkCards', caps.networkCards, 'one NetworkCardCapabilities per network card, card 0 first', false);
  if (cards !== undefined && cards.length === 0) {
    check.note('networkCards is empty, but every instance has network card 0; list every card (EC2 NetworkInfo.NetworkCards)');
  }
  const efaCards = (cards ?? []).filter((card, position) => checkCard(check, card, position));
  if (cards !== undefined && cards.length > 0 && cards.every(isObject) && efaCards.length === 0
    && cards.every((card) => typeof (card as Fields).efaSupported === 'boolean')) {
    check.note('no network card has efaSupported true; mark the cards that can carry an EFA');
  }

  const defaultCard = caps.defaultNetworkCardIndex;
  if (defaultCard !== undefined && check.count('defaultNetworkCardIndex', defaultCard, 0, 'EC2 DefaultNetworkCardIndex')
    && cards !== undefined && cards.length > 0 && (defaultCard as number) >= cards.length) {
    check.problem('defaultNetworkCardIndex', defaultCard, `it must be the index of a listed card (0 to ${cards.length - 1})`);
  }
  check.count('maximumNetworkInterfaces', caps.maximumNetworkInterfaces, 1, 'EC2 NetworkInfo.MaximumNetworkInterfaces, across all cards', true);
  check.count('ipv4AddressesPerInterface', caps.ipv4AddressesPerInterface, 1, 'EC2 NetworkInfo.Ipv4AddressesPerInterface', true);
  check.oneOf('architecture', caps.architecture, ARCHITECTURES, 'an InstanceArchitecture');
  checkAccelerators(check, caps.accelerators);
  check.list('placementGroupStrategies', caps.placementGroupStrategies, 'PlacementGroupStrategy values')
    ?.forEach((strategy, i) => check.oneOf(`placementGroupStrategies[${i}]`, strategy, PLACEMENT_GROUP_STRATEGIES, 'a PlacementGroupStrategy'));
  check.boolean('verified', caps.verified, 'whether the values were read from EC2', true);
  return check.problems;
}

/** The capabilities' instance type for the subject of a message, or `The capabilities` when it has no usable one. */
function capabilitiesName(capabilities: unknown): string {
  const name = isObject(capabilities) ? (capabilities as Partial<InstanceTypeCapabilities>).instanceType : undefined;
  return typeof name === 'string' && name !== '' && !Token.isUnresolved(name) ? echoName(name) : 'The capabilities';
}
