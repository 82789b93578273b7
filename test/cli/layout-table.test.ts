import * as fc from 'fast-check';
import {
  EfaInstanceTypes, EfaLayout, EfaLayoutOptions, InterfaceType, LayoutProfile, NetworkInterfaceSpec, PrimaryInterface,
} from '../../src';
import {
  compactLayoutRows, describeCardRange, expandLayoutRows, layoutSummaryText, layoutTableLines, textTable,
} from '../../src/cli/layout-table';

/** What `cdk-efa layout` prints: the summary line, then the table. */
function printed(layout: EfaLayout, verbose = false): string[] {
  return [`${layout.instanceType}: ${layoutSummaryText(layout.summary)}`, ...layoutTableLines(layout.interfaces, verbose)];
}

const byPosition = (a: NetworkInterfaceSpec, b: NetworkInterfaceSpec) => a.networkCardIndex - b.networkCardIndex
  || a.deviceIndex - b.deviceIndex || a.interfaceType.localeCompare(b.interfaceType);

describe('the compact layout table', () => {
  test('p5.48xlarge, default layout: three rows, the 31 efa-only cards in one, under 10 lines with the summary', () => {
    const lines = printed(EfaLayout.forInstanceType('p5.48xlarge'));
    expect(lines).toEqual([
      'p5.48xlarge: 33 network interfaces, 32 EFA, 1 ENA, 1 IPv4 address per node, 3200 Gbps EFA bandwidth',
      'CARD  DEVICE  TYPE',
      '0     0       interface',
      '0     1       efa-only',
      '1–31  0       efa-only',
    ]);
    expect(lines.length).toBeLessThan(10);
  });

  test('p6e-gb200.36xlarge with efaCount 4: cards 1, 5, 9 and 13 are not consecutive, so each keeps its row', () => {
    expect(printed(EfaLayout.forInstanceType('p6e-gb200.36xlarge', { efaCount: 4 }))).toEqual([
      'p6e-gb200.36xlarge: 5 network interfaces, 4 EFA, 1 ENA, 1 IPv4 address per node, 800 Gbps EFA bandwidth',
      'CARD  DEVICE  TYPE',
      '0     0       interface',
      '1     0       efa-only',
      '5     0       efa-only',
      '9     0       efa-only',
      '13    0       efa-only',
    ]);
  });

  test('p6-b200.48xlarge with MAX_BANDWIDTH: device 0 and device 1 of cards 1–7 each collapse into one row', () => {
    expect(printed(EfaLayout.forInstanceType('p6-b200.48xlarge', { profile: LayoutProfile.MAX_BANDWIDTH }))).toEqual([
      'p6-b200.48xlarge: 16 network interfaces, 8 EFA, 8 ENA, 8 IPv4 addresses per node, 3200 Gbps EFA bandwidth',
      'CARD  DEVICE  TYPE',
      '0     0       interface',
      '0     1       efa-only',
      '1–7   0       efa-only',
      '1–7   1       interface',
    ]);
  });

  test('p5.48xlarge with MAX_BANDWIDTH: the ENAs on cards 4, 8, …, 28 do not break the run of efa-only cards', () => {
    const rows = compactLayoutRows(EfaLayout.forInstanceType('p5.48xlarge', { profile: LayoutProfile.MAX_BANDWIDTH }).interfaces);
    expect(rows.map((r) => `${describeCardRange(r)} ${r.deviceIndex} ${r.interfaceType}`)).toEqual([
      '0 0 interface', '0 1 efa-only', '1–31 0 efa-only', ...[4, 8, 12, 16, 20, 24, 28].map((card) => `${card} 1 interface`),
    ]);
  });

  test('--verbose keeps one row per interface, in the order given', () => {
    const layout = EfaLayout.forInstanceType('p5.48xlarge');
    const lines = layoutTableLines(layout.interfaces, true);
    expect(lines).toHaveLength(1 + 33);
    expect(lines.slice(0, 4)).toEqual(['CARD  DEVICE  TYPE', '0     0       interface', '0     1       efa-only', '1     0       efa-only']);
    expect(lines[33]).toBe('31    0       efa-only');
  });

  test('collapses runs whatever order the interfaces come in, and two cards make a run', () => {
    const rows = compactLayoutRows([
      { networkCardIndex: 2, deviceIndex: 0, interfaceType: InterfaceType.EFA_ONLY },
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.EFA },
      { networkCardIndex: 1, deviceIndex: 0, interfaceType: InterfaceType.EFA_ONLY },
    ]);
    expect(rows).toEqual([
      { firstNetworkCardIndex: 0, lastNetworkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.EFA },
      { firstNetworkCardIndex: 1, lastNetworkCardIndex: 2, deviceIndex: 0, interfaceType: InterfaceType.EFA_ONLY },
    ]);
    expect(describeCardRange(rows[1])).toBe('1–2');
  });

  test('keeps a repeated (card, device) pair of an invalid layout as a row of its own', () => {
    const efaOnly = (card: number) => ({ networkCardIndex: card, deviceIndex: 0, interfaceType: InterfaceType.EFA_ONLY });
    const rows = compactLayoutRows([efaOnly(1), efaOnly(2), efaOnly(2), efaOnly(3)]);
    expect(rows.map(describeCardRange)).toEqual(['1–2', '2–3']);
  });

  test('the summary line says "address" for one and "addresses" for more, and leaves out unknown bandwidth', () => {
    expect(layoutSummaryText({ networkInterfaceCount: 1, efaCount: 1, enaCount: 1, ipv4AddressesPerNode: 1 }))
      .toBe('1 network interface, 1 EFA, 1 ENA, 1 IPv4 address per node');
  });

  test('text tables pad every column but the last', () => {
    expect(textTable(['A', 'BB'], [['ccc', 'd'], ['e', 'ffff']])).toEqual(['A    BB', 'ccc  d', 'e    ffff']);
  });
});

describe('compact rows properties', () => {
  // Runs to collapse need several network cards, which few types have: draw types with 4 or more half of the time.
  const manyCards = EfaInstanceTypes.all().filter((t) => EfaInstanceTypes.lookup(t).networkCards.length >= 4);
  const instanceType = fc.oneof(fc.constantFrom(...EfaInstanceTypes.all()), fc.constantFrom(...manyCards));

  /** An instance type with options mostly within what it supports: EFA counts up to its maximum, ENAs on its cards. */
  const typeAndOptions: fc.Arbitrary<[string, EfaLayoutOptions]> = instanceType.chain((type) => {
    const caps = EfaInstanceTypes.lookup(type);
    const options: fc.Arbitrary<EfaLayoutOptions> = fc.record({
      efaCount: fc.option(fc.integer({ min: 1, max: caps.maximumEfaInterfaces }), { nil: undefined }),
      primaryInterface: fc.constantFrom(undefined, PrimaryInterface.ENA, PrimaryInterface.EFA),
      profile: fc.oneof(
        fc.constant(undefined),
        fc.constant(LayoutProfile.MAX_BANDWIDTH),
        fc.uniqueArray(fc.integer({ min: 0, max: caps.networkCards.length - 1 }), { maxLength: 8 }).map((cards) => LayoutProfile.enaOnCards(cards)),
      ),
    });
    return options.map((opts): [string, EfaLayoutOptions] => [type, opts]);
  });

  test("expanding the compact rows gives back exactly the layout's interfaces", () => {
    let checked = 0;
    let collapsed = 0;
    fc.assert(fc.property(typeAndOptions, ([type, opts]) => {
      let layout: EfaLayout;
      try {
        layout = EfaLayout.forInstanceType(type, opts);
      } catch (e) {
        // Options the engine refuses for this type (too many EFAs, a card that does not exist): only cdk-efa errors.
        expect((e as Error).message).toMatch(/\[cdk-efa:[a-z0-9-]+\]/);
        return;
      }
      const rows = compactLayoutRows(layout.interfaces);
      expect(expandLayoutRows(rows)).toEqual(layout.interfaces);
      // Compact: no row could be merged with another.
      for (const a of rows) {
        expect(rows.some((b) => b.deviceIndex === a.deviceIndex && b.interfaceType === a.interfaceType
          && b.firstNetworkCardIndex === a.lastNetworkCardIndex + 1)).toBe(false);
      }
      checked++;
      if (rows.length < layout.interfaces.length) collapsed++;
    }), { numRuns: 500 });
    expect(checked).toBeGreaterThan(250);
    expect(collapsed).toBeGreaterThan(60);
    expect(manyCards.length).toBeGreaterThan(10);
  });

  test('any list of interfaces, even an invalid one, expands back to the same interfaces', () => {
    const spec = fc.record({
      networkCardIndex: fc.integer({ min: 0, max: 8 }),
      deviceIndex: fc.integer({ min: 0, max: 2 }),
      interfaceType: fc.constantFrom(InterfaceType.INTERFACE, InterfaceType.EFA, InterfaceType.EFA_ONLY),
    });
    let reached = 0;
    fc.assert(fc.property(fc.array(spec, { maxLength: 30 }), (interfaces) => {
      const rows = compactLayoutRows(interfaces);
      expect(rows.length).toBeLessThanOrEqual(interfaces.length);
      expect(expandLayoutRows(rows).sort(byPosition)).toEqual([...interfaces].sort(byPosition));
      reached++;
    }), { numRuns: 300 });
    expect(reached).toBe(300);
  });
});
