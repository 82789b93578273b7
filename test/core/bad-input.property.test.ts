import { Token } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { EfaInstanceTypes, EfaLayout, InstanceTypeCapabilities, InterfaceType, NetworkInterfaceSpec } from '../../src';

/**
 * Bad input to the core (issue #11 §3b): capabilities of the wrong shape and interface types that are not EC2's must
 * give a cdk-efa error naming the problem, never a raw TypeError, a NaN or a silent zero.
 */

const TYPES = EfaInstanceTypes.all();
const CDK_EFA_ERROR = /\[cdk-efa:[a-z0-9-]+\]/;
const NUMBER_TOKEN = Token.asNumber({ Ref: 'Count' });

/** Runs `f`; returns undefined when it succeeds, else the message, failing the test on any error but a cdk-efa one. */
function cdkEfaRefusal(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(CDK_EFA_ERROR);
    return (e as Error).message;
  }
}

function isCard(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a table row that a test may change. */
function copyOf(type: string): Record<string, any> {
  return JSON.parse(JSON.stringify(EfaInstanceTypes.lookup(type)));
}

const notCount = [undefined, null, NaN, -1, 0, 1.5, Infinity, 1e300, 2 ** 53, '2', NUMBER_TOKEN, {}];
const notBandwidth = [null, NaN, -1, -Infinity, Infinity, 1e308, '100', NUMBER_TOKEN, []];
const notBoolean = [undefined, null, 'true', 1, {}];

/** A change to one field that makes any capabilities invalid, and the field path the error must name. */
interface Mutation {
  readonly path: string;
  readonly apply: (caps: Record<string, any>) => void;
}

function topLevel(field: string, values: readonly unknown[]): fc.Arbitrary<Mutation> {
  return fc.constantFrom(...values).map((value) => ({ path: field, apply: (caps) => { caps[field] = value; } }));
}

/** Stands for "the next card's index" in a networkCardIndex mutation, which depends on the card changed. */
const NEXT_INDEX = Symbol('next index');

function cardField(field: string, values: readonly unknown[]): fc.Arbitrary<Mutation> {
  return fc.tuple(fc.nat({ max: 40 }), fc.constantFrom(...values)).map(([n, value]) => ({
    path: 'networkCards[',
    apply: (caps: Record<string, any>) => {
      const position = n % caps.networkCards.length;
      caps.networkCards[position][field] = value === NEXT_INDEX ? position + 1 : value;
      // The path names the card actually changed.
      caps.__path = `networkCards[${position}].${field}`;
    },
  }));
}

const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  topLevel('instanceType', [undefined, null, '', 42, Token.asString({ Ref: 'Type' })]),
  topLevel('efaSupported', notBoolean),
  topLevel('maximumEfaInterfaces', notCount),
  topLevel('networkCards', [undefined, null, {}, 'cards', []]),
  topLevel('defaultNetworkCardIndex', [-1, NaN, 99, 0.5, null, '0']),
  topLevel('maximumNetworkInterfaces', [null, NaN, -1, 0, 2.5, '4', NUMBER_TOKEN]),
  topLevel('ipv4AddressesPerInterface', [null, NaN, -1, 0, 2.5, '50']),
  topLevel('architecture', [undefined, null, 'arm', 'ARM64', 64]),
  topLevel('accelerators', ['gpu', [null], [{ kind: 'tpu', manufacturer: 'X', name: 'Y', count: 1 }], [{ kind: 'gpu', manufacturer: 'X', name: 'Y', count: NaN }]]),
  topLevel('placementGroupStrategies', ['cluster', ['ring'], [null]]),
  topLevel('verified', ['yes', null, 0]),
  fc.nat({ max: 40 }).chain((n) => fc.constantFrom(null, undefined, 42, 'card', []).map((value) => ({
    path: 'networkCards[',
    apply: (caps: Record<string, any>) => {
      const position = n % caps.networkCards.length;
      caps.networkCards[position] = value;
      caps.__path = `networkCards[${position}]`;
    },
  }))),
  cardField('networkCardIndex', [NEXT_INDEX, null, NaN, '0x', -1]),
  cardField('maximumNetworkInterfaces', notCount),
  cardField('efaSupported', notBoolean),
  cardField('baselineBandwidthInGbps', notBandwidth),
  cardField('peakBandwidthInGbps', notBandwidth),
  cardField('supportedInterfaceTypes', [[], ['trunk'], ['EFA'], 'efa-only', null, [InterfaceType.EFA_ONLY, InterfaceType.EFA_ONLY]]),
);

describe('capabilities of the wrong shape', () => {
  test('one or more invalid fields: every entry point refuses with a cdk-efa error naming each field', () => {
    let reached = 0;
    fc.assert(fc.property(fc.constantFrom(...TYPES), fc.array(mutations, { minLength: 1, maxLength: 3 }), (type, changes) => {
      const caps = copyOf(type);
      const paths: string[] = [];
      for (const change of changes) {
        if (!Array.isArray(caps.networkCards) || caps.networkCards.length === 0) {
          if (change.path.startsWith('networkCards[')) continue; // no card left to change
        } else if (change.path.startsWith('networkCards[') && !caps.networkCards.every(isCard)) {
          continue; // a card was replaced: keep the paths unambiguous
        }
        change.apply(caps);
        paths.push(caps.__path ?? change.path);
        delete caps.__path;
      }
      const bad = caps as unknown as InstanceTypeCapabilities;
      const message = cdkEfaRefusal(() => EfaInstanceTypes.validateCapabilities(bad));
      expect(message).toBeDefined();
      expect(message).toMatch(/\[cdk-efa:(invalid-capabilities|efa-not-supported)\]/);
      expect(message).not.toMatch(/\$\{Token/);
      // Every changed field is named, unless a later change replaced the list or card it belongs to.
      const replacedCards = paths.includes('networkCards');
      for (const path of paths) {
        // (defaultNetworkCardIndex 99 is wrong only against a list of cards)
        if (replacedCards && (path.startsWith('networkCards[') || path === 'defaultNetworkCardIndex')) continue;
        const card = /^networkCards\[(\d+)\]\./.exec(path);
        if (card && !isCard(caps.networkCards[Number(card[1])])) continue;
        const field = path === 'efaSupported' && caps.efaSupported === false ? 'efaSupported is false' : path;
        expect(message).toContain(field);
      }
      // The engine's entry points refuse the same way, and validate() returns the problems rather than throwing.
      expect(cdkEfaRefusal(() => EfaLayout.recommended(bad))).toBeDefined();
      const primary: NetworkInterfaceSpec = { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.INTERFACE };
      expect(cdkEfaRefusal(() => EfaLayout.fromInterfaces(bad, [primary]))).toBeDefined();
      expect(cdkEfaRefusal(() => EfaLayout.forKubernetesNodes(bad))).toBeDefined();
      const problems = EfaLayout.validate(bad, []);
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toMatch(CDK_EFA_ERROR);
      reached++;
    }), { numRuns: 600 });
    expect(reached).toBe(600);
  });

  test('any value in any field, or as the whole object: a valid layout with finite figures, or a cdk-efa error', () => {
    const fields = ['instanceType', 'efaSupported', 'maximumEfaInterfaces', 'networkCards', 'defaultNetworkCardIndex', 'maximumNetworkInterfaces',
      'ipv4AddressesPerInterface', 'architecture', 'accelerators', 'placementGroupStrategies', 'verified'];
    const cardFields = ['networkCardIndex', 'maximumNetworkInterfaces', 'efaSupported', 'supportedInterfaceTypes', 'baselineBandwidthInGbps', 'peakBandwidthInGbps'];
    const where = fc.oneof(
      fc.constant({ whole: true, field: '', card: -1 }),
      fc.constantFrom(...fields).map((field) => ({ whole: false, field, card: -1 })),
      fc.tuple(fc.constantFrom(...cardFields), fc.nat({ max: 40 })).map(([field, card]) => ({ whole: false, field, card })),
    );
    let refused = 0;
    let accepted = 0;
    // Any value at all, with plain ones often enough that some land where they are valid.
    const anyValue = fc.oneof(
      { arbitrary: fc.anything({ withNullPrototype: true, withBoxedValues: true }), weight: 3 },
      { arbitrary: fc.constantFrom(undefined, true, false, 0, 1, 2, 4, 50, 100, 1e6, 'x86_64', 'efa-only', []), weight: 2 },
    );
    fc.assert(fc.property(fc.constantFrom(...TYPES), where, anyValue, (type, at, value) => {
      let caps: any = copyOf(type);
      if (at.whole) {
        caps = value;
      } else if (at.card < 0) {
        caps[at.field] = value;
      } else {
        caps.networkCards[at.card % caps.networkCards.length][at.field] = value;
      }
      for (const entry of [() => EfaLayout.recommended(caps), () => EfaLayout.forKubernetesNodes(caps)]) {
        let result: unknown;
        const message = cdkEfaRefusal(() => { result = entry(); });
        if (message !== undefined) {
          refused++;
          continue;
        }
        accepted++;
        const layout = (result as { layout?: EfaLayout }).layout ?? (result as EfaLayout);
        for (const figure of Object.values(layout.summary)) {
          expect(Number.isFinite(figure)).toBe(true);
        }
        expect(layout.summary.efaCount).toBeGreaterThan(0);
      }
      for (const problem of EfaLayout.validate(caps, [])) expect(problem).toMatch(CDK_EFA_ERROR);
    }), { numRuns: 600 });
    // Most values are refused; some (undefined in an optional field, a plain count) are accepted: about 80 of 1200.
    expect(refused).toBeGreaterThanOrEqual(600);
    expect(accepted).toBeGreaterThanOrEqual(30);
  });
});

describe('interface types that are not EC2\'s', () => {
  test('random strings are refused as interface types unless they are interface, efa or efa-only', () => {
    const valid: string[] = Object.values(InterfaceType);
    const typeName = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(...valid, 'efa_only', 'EFA', 'Efa-Only', 'trunk', 'branch', 'ena', ' efa', 'efa '),
    );
    let refusedCount = 0;
    let acceptedCount = 0;
    fc.assert(fc.property(fc.constantFrom('p5.48xlarge', 'c5n.18xlarge', 'p6-b200.48xlarge'), typeName, (type, name) => {
      const caps = EfaInstanceTypes.lookup(type);
      const card = caps.networkCards.length > 1 ? 1 : 0;
      const interfaces: NetworkInterfaceSpec[] = [
        { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.INTERFACE },
        { networkCardIndex: card, deviceIndex: 1, interfaceType: name as InterfaceType },
      ];
      const problems = EfaLayout.validate(caps, interfaces);
      const invalid = problems.filter((p) => p.endsWith('[cdk-efa:invalid-interface-type]'));
      if (valid.includes(name)) {
        expect(invalid).toEqual([]);
        expect(problems).toEqual([]);
        acceptedCount++;
      } else {
        expect(invalid).toHaveLength(1);
        expect(invalid[0]).toContain("use 'interface' (InterfaceType.INTERFACE), 'efa' (InterfaceType.EFA) or 'efa-only' (InterfaceType.EFA_ONLY)");
        expect(cdkEfaRefusal(() => EfaLayout.fromInterfaces(caps, interfaces))).toMatch(/cdk-efa:invalid-interface-type/);
        refusedCount++;
      }
    }), { numRuns: 1000 });
    expect(refusedCount).toBeGreaterThanOrEqual(500);
    expect(acceptedCount).toBeGreaterThanOrEqual(30);
  });
});
