import { InstanceArchitecture } from 'aws-cdk-lib/aws-ec2';
import * as fc from 'fast-check';
import {
  EfaInstanceTypes, EfaLayout, EfaLayoutOptions, InstanceTypeCapabilities, InterfaceType, LayoutProfile, NetworkInterfaceSpec, PrimaryInterface,
} from '../../src';
import * as layoutRules from '../../src/core/private/layout-rules';

const TYPES = EfaInstanceTypes.all();

const options: fc.Arbitrary<EfaLayoutOptions> = fc.record({
  efaCount: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
  primaryInterface: fc.constantFrom(undefined, PrimaryInterface.ENA, PrimaryInterface.EFA),
  profile: fc.oneof(
    fc.constant(undefined),
    fc.constant(LayoutProfile.SINGLE_IP),
    fc.constant(LayoutProfile.MAX_BANDWIDTH),
    fc.uniqueArray(fc.integer({ min: 0, max: 33 }), { maxLength: 6 }).map((cards) => LayoutProfile.enaOnCards(cards)),
  ),
});

function isEfa(i: NetworkInterfaceSpec): boolean {
  return i.interfaceType === InterfaceType.EFA || i.interfaceType === InterfaceType.EFA_ONLY;
}

/** The invariants every accepted layout must keep, checked independently of the engine's own validation. */
function assertInvariants(caps: InstanceTypeCapabilities, layout: EfaLayout): void {
  const ifaces = layout.interfaces;
  const primary = ifaces[0];
  expect(primary).toMatchObject({ networkCardIndex: 0, deviceIndex: 0 });
  expect(primary.interfaceType).not.toBe(InterfaceType.EFA_ONLY);
  const keys = ifaces.map((i) => `${i.networkCardIndex}/${i.deviceIndex}`);
  expect(new Set(keys).size).toBe(keys.length);
  for (const i of ifaces) {
    const card = caps.networkCards[i.networkCardIndex];
    expect(card).toBeDefined();
    expect(i.deviceIndex).toBeLessThan(card.maximumNetworkInterfaces);
    if (isEfa(i)) expect(card.efaSupported).toBe(true);
    if (card.supportedInterfaceTypes !== undefined) expect(card.supportedInterfaceTypes).toContain(i.interfaceType);
  }
  const efa = ifaces.filter(isEfa);
  expect(efa.length).toBeLessThanOrEqual(caps.maximumEfaInterfaces);
  expect(new Set(efa.map((i) => i.networkCardIndex)).size).toBe(efa.length);
  const sorted = [...ifaces].sort((a, b) => a.networkCardIndex - b.networkCardIndex || a.deviceIndex - b.deviceIndex);
  expect(ifaces).toEqual(sorted);
  expect(layout.summary.efaCount).toBe(efa.length);
  expect(layout.summary.ipv4AddressesPerNode).toBe(ifaces.length - ifaces.filter((i) => i.interfaceType === InterfaceType.EFA_ONLY).length);
  // The VPC CNI gets card 0's interfaces but those taken by efa-only (efa-rules §5).
  const efaOnlyOnCard0 = ifaces.filter((i) => i.networkCardIndex === 0 && i.interfaceType === InterfaceType.EFA_ONLY).length;
  expect(layout.summary.vpcCniNetworkInterfaces).toBe(caps.networkCards[0].maximumNetworkInterfaces - efaOnlyOnCard0);
  expect(EfaLayout.validate(caps, ifaces)).toEqual([]);
}

/** The recommended layout, or undefined when the engine refuses the options with a cdk-efa error (anything else fails). */
function recommendedOrRefused(caps: InstanceTypeCapabilities, opts: EfaLayoutOptions): EfaLayout | undefined {
  try {
    return EfaLayout.recommended(caps, opts);
  } catch (e) {
    expect((e as Error).message).toMatch(/\[cdk-efa:[a-z0-9-]+\]/);
    return undefined;
  }
}

describe('layout properties', () => {
  test.each(TYPES)('%s: the default layout is valid, exposes the most EFAs and uses one IP address', (type) => {
    const caps = EfaInstanceTypes.lookup(type);
    const layout = EfaLayout.recommended(caps);
    assertInvariants(caps, layout);
    expect(layout.summary.ipv4AddressesPerNode).toBe(1);
    const expected = type.startsWith('p6e-gb200.') ? 8 : caps.maximumEfaInterfaces;
    expect(layout.summary.efaCount).toBe(expected);
  });

  test('every type with random options either yields a valid layout or throws a cdk-efa error', () => {
    fc.assert(fc.property(fc.constantFrom(...TYPES), options, (type, opts) => {
      const caps = EfaInstanceTypes.lookup(type);
      const layout = recommendedOrRefused(caps, opts);
      if (layout === undefined) return;
      assertInvariants(caps, layout);
      if (opts.efaCount !== undefined) expect(layout.summary.efaCount).toBe(opts.efaCount);
    }), { numRuns: 2000 });
  });

  test('random hand-written layouts are accepted exactly when they keep the invariants', () => {
    const spec = fc.record({
      networkCardIndex: fc.integer({ min: 0, max: 4 }),
      deviceIndex: fc.integer({ min: 0, max: 3 }),
      interfaceType: fc.constantFrom(InterfaceType.INTERFACE, InterfaceType.EFA, InterfaceType.EFA_ONLY),
    });
    const smallTypes = TYPES.filter((t) => EfaInstanceTypes.lookup(t).networkCards.length <= 4);
    fc.assert(fc.property(fc.constantFrom(...smallTypes), fc.array(spec, { minLength: 1, maxLength: 6 }), (type, ifaces) => {
      const caps = EfaInstanceTypes.lookup(type);
      const problems = EfaLayout.validate(caps, ifaces);
      if (problems.length === 0) {
        assertInvariants(caps, EfaLayout.fromInterfaces(caps, ifaces));
      } else {
        expect(() => EfaLayout.fromInterfaces(caps, ifaces)).toThrow(/cdk-efa:/);
      }
    }), { numRuns: 2000 });
  });

  test('user-supplied capabilities with random options yield valid layouts or cdk-efa errors', () => {
    const { INTERFACE, EFA, EFA_ONLY } = InterfaceType;
    // The interface types a card may be restricted to, coherent with efaSupported (undefined: what efaSupported implies).
    type Types = InterfaceType[] | undefined;
    const enaOnly = fc.constantFrom<Types>(undefined, [INTERFACE]);
    const efaCapable = fc.constantFrom<Types>(
      undefined, [EFA_ONLY], [INTERFACE, EFA_ONLY], [INTERFACE, EFA], [EFA], [EFA, EFA_ONLY], [INTERFACE, EFA, EFA_ONLY],
    );
    const capabilities: fc.Arbitrary<InstanceTypeCapabilities> = fc.record({
      cards: fc.array(
        fc.boolean().chain((efa) => fc.record({
          max: fc.integer({ min: 1, max: 4 }),
          efa: fc.constant(efa),
          gbps: fc.integer({ min: 0, max: 800 }),
          types: efa ? efaCapable : enaOnly,
        })),
        { minLength: 1, maxLength: 12 },
      ),
      maxEfa: fc.integer({ min: 1, max: 12 }),
    }).filter((c) => c.cards.some((card) => card.efa))
      // Card 0 holds the primary: it must take 'interface' or 'efa'.
      .filter((c) => c.cards[0].types === undefined || c.cards[0].types.includes(INTERFACE) || c.cards[0].types.includes(EFA))
      .map((c) => ({
        instanceType: 'x99.random',
        efaSupported: true,
        maximumEfaInterfaces: c.maxEfa,
        architecture: InstanceArchitecture.X86_64,
        networkCards: c.cards.map((card, i) => ({
          networkCardIndex: i,
          maximumNetworkInterfaces: card.max,
          efaSupported: card.efa,
          ...(card.types === undefined ? {} : { supportedInterfaceTypes: card.types }),
          baselineBandwidthInGbps: card.gbps,
        })),
      }));
    const takes = (card: InstanceTypeCapabilities['networkCards'][number], type: InterfaceType) =>
      (card.supportedInterfaceTypes ?? (card.efaSupported ? [INTERFACE, EFA, EFA_ONLY] : [INTERFACE])).includes(type);
    let checkedDefaults = 0;
    let restricted = 0;
    fc.assert(fc.property(capabilities, options, (caps, opts) => {
      const layout = recommendedOrRefused(caps, opts);
      if (layout !== undefined) assertInvariants(caps, layout);
      // The default uses every EFA-capable card it can reach, up to the maximum, and one IP address. Card 0's EFA is an
      // efa primary, or efa-only at device 1 when card 0 takes 2 interfaces and efa-only; every other card's EFA is
      // efa-only at device 0.
      const [card0, ...others] = caps.networkCards;
      const card0Reached = card0.efaSupported && (takes(card0, EFA) || (takes(card0, EFA_ONLY) && card0.maximumNetworkInterfaces >= 2));
      const efaCards = others.filter((c) => c.efaSupported && takes(c, EFA_ONLY)).length + (card0Reached ? 1 : 0);
      const defaults = recommendedOrRefused(caps, {});
      if (efaCards === 0) {
        expect(defaults).toBeUndefined();
        return;
      }
      expect(defaults).toBeDefined();
      assertInvariants(caps, defaults!);
      expect(defaults!.summary.efaCount).toBe(Math.min(efaCards, caps.maximumEfaInterfaces));
      expect(defaults!.summary.ipv4AddressesPerNode).toBe(1);
      checkedDefaults++;
      if (caps.networkCards.some((c) => c.supportedInterfaceTypes !== undefined)) restricted++;
    }), { numRuns: 2000 });
    expect(checkedDefaults).toBeGreaterThanOrEqual(1500);
    expect(restricted).toBeGreaterThanOrEqual(1000);
  });
});

describe('known layouts', () => {
  /** A copy of a table row that is no row of the table: its layouts are computed each time. */
  const copyOf = (type: string): InstanceTypeCapabilities => JSON.parse(JSON.stringify(EfaInstanceTypes.lookup(type)));

  /** How many times the layout rules check a list of interfaces while `build` runs. */
  function checksDuring(build: () => void): number {
    const spy = jest.spyOn(layoutRules, 'interfaceProblems');
    try {
      build();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  test('a table row and options are computed and checked once; later calls get an equal layout, as a copy of the row does', () => {
    let reused = 0;
    // Mostly options every type can meet, so that most runs reach a known layout (one EFA per type at least).
    const likely: fc.Arbitrary<EfaLayoutOptions> = fc.oneof(
      { arbitrary: fc.record({ efaCount: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }) }), weight: 3 },
      { arbitrary: options, weight: 1 },
    );
    fc.assert(fc.property(fc.constantFrom(...TYPES), likely, (type, opts) => {
      const first = recommendedOrRefused(EfaInstanceTypes.lookup(type), opts);
      const copy = recommendedOrRefused(copyOf(type), opts);
      // Knowing the layout never changes the answer: the same layout, or the same refusal.
      expect(first === undefined).toBe(copy === undefined);
      if (first === undefined || copy === undefined) return;
      expect({ interfaces: first.interfaces, summary: first.summary }).toEqual({ interfaces: copy.interfaces, summary: copy.summary });
      // The same options (a new but equal profile included) are not checked again for the row, and are for the copy.
      const same = { ...opts, profile: opts.profile?.enaNetworkCards ? LayoutProfile.enaOnCards(opts.profile.enaNetworkCards) : opts.profile };
      let again: EfaLayout | undefined;
      expect(checksDuring(() => { again = EfaLayout.recommended(EfaInstanceTypes.lookup(type), same); })).toBe(0);
      expect(again).not.toBe(first);
      expect({ interfaces: again!.interfaces, summary: again!.summary }).toEqual({ interfaces: first.interfaces, summary: first.summary });
      expect(checksDuring(() => EfaLayout.recommended(copyOf(type), opts))).toBe(1);
      reused++;
    }), { numRuns: 500 });
    expect(reused).toBeGreaterThanOrEqual(250);
  });

  test('different options give different layouts', () => {
    const caps = EfaInstanceTypes.lookup('p5.48xlarge');
    const layouts = [
      EfaLayout.recommended(caps),
      EfaLayout.recommended(caps, { efaCount: 8 }),
      EfaLayout.recommended(caps, { primaryInterface: PrimaryInterface.EFA }),
      EfaLayout.recommended(caps, { profile: LayoutProfile.MAX_BANDWIDTH }),
      EfaLayout.recommended(caps, { profile: LayoutProfile.enaOnCards([4]) }),
      EfaLayout.recommended(caps, { profile: LayoutProfile.enaOnCards([8]) }),
    ];
    expect(new Set(layouts.map((l) => JSON.stringify(l.interfaces))).size).toBe(layouts.length);
    expect(EfaLayout.recommended(caps, { efaCount: 32 }).interfaces).toEqual(layouts[0].interfaces);
  });

  test('fails for an efaCount that is no whole number after the default layout is known', () => {
    const caps = EfaInstanceTypes.lookup('p5.48xlarge');
    EfaLayout.recommended(caps);
    EfaLayout.recommended(caps, { efaCount: null as unknown as number });
    for (const efaCount of [NaN, '4' as unknown as number, 2.5]) {
      expect(() => EfaLayout.recommended(caps, { efaCount })).toThrow(/\[cdk-efa:efa-count-out-of-range\]/);
    }
  });

  test('each caller gets its own layout: changing one changes no other', () => {
    const first = EfaLayout.forInstanceType('p5.48xlarge');
    (first.interfaces[0] as { interfaceType: string }).interfaceType = 'efa';
    first.interfaces.push(first.interfaces[0]);
    first.interfaces.reverse();
    (first.summary as { efaCount: number }).efaCount = 1;
    const next = EfaLayout.forInstanceType('p5.48xlarge');
    expect(next.interfaces).toHaveLength(33);
    expect(next.interfaces[0]).toEqual({ networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.INTERFACE });
    expect(next.summary.efaCount).toBe(32);
  });

  test('what the API returns can be tagged by the jsii runtime of the other languages (no object is frozen)', () => {
    // The jsii kernel defines a symbol on every object it hands to Python, Java, Go or C#; a frozen object refuses it.
    const caps = EfaInstanceTypes.lookup('p5.48xlarge');
    const known = EfaLayout.recommended(caps);
    const layouts = [known, EfaLayout.recommended(caps), EfaLayout.fromInterfaces(caps, known.interfaces)];
    const objects: object[] = [caps, caps.networkCards, caps.networkCards[0]];
    for (const layout of layouts) {
      objects.push(layout, layout.interfaces, layout.interfaces[0], layout.summary, layout.capabilities);
    }
    expect(objects.filter((o) => !Object.isExtensible(o))).toEqual([]);
  });
});
