import * as fc from 'fast-check';
import {
  EfaInstanceTypes, EfaKarpenterLayout, EfaLayout, EfaLayoutOptions, InterfaceType, KarpenterNetworkInterface, LayoutProfile, PrimaryInterface,
} from '../../src';
import { karpenterLayoutProblems } from '../../src/core/private/karpenter-rules';

const TYPES = EfaInstanceTypes.all();

/**
 * Karpenter's validation of `EC2NodeClass.spec.networkInterfaces`, transcribed independently of the library from
 * aws/karpenter-provider-aws pkg/apis/v1/ec2nodeclass.go (v1.11.0 on): the interfaceType enum and the two CEL rules.
 */
function celAccepts(list: KarpenterNetworkInterface[]): boolean {
  const enumOk = list.every((x) => x.interfaceType === 'interface' || x.interfaceType === 'efa-only');
  // self.size() == 0 || self.exists(x, x.deviceIndex == 0 && x.networkCardIndex == 0 && x.interfaceType == 'interface')
  const primaryOk = list.length === 0 || list.some((x) => x.deviceIndex === 0 && x.networkCardIndex === 0 && x.interfaceType === 'interface');
  // self.all(x, self.filter(y, same pair).size() == 1 && (x.interfaceType != 'efa-only' || self.filter(y, same card && y efa-only).size() == 1))
  const pairsOk = list.every((x) =>
    list.filter((y) => x.networkCardIndex === y.networkCardIndex && x.deviceIndex === y.deviceIndex).length === 1
    && (x.interfaceType !== 'efa-only' || list.filter((y) => x.networkCardIndex === y.networkCardIndex && y.interfaceType === 'efa-only').length === 1));
  return enumOk && primaryOk && pairsOk;
}

/** The Karpenter layout, or undefined when it is refused with a cdk-efa error (anything else fails the test). */
function karpenterOrRefused(type: string, options?: EfaLayoutOptions): EfaKarpenterLayout | undefined {
  try {
    return EfaKarpenterLayout.forInstanceType(type, options);
  } catch (e) {
    expect((e as Error).message).toMatch(/\[cdk-efa:[a-z0-9-]+\]/);
    return undefined;
  }
}

describe('EfaKarpenterLayout', () => {
  test('renders the EKS User Guide\'s p6-b200 EC2NodeClass networkInterfaces exactly', () => {
    // The EKS User Guide's example (device-management-efa, "Karpenter"): a P6-B200 EC2NodeClass with 1 ENA interface
    // and 8 efa-only interfaces, entry by entry.
    const expected = [{ networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' }, { networkCardIndex: 0, deviceIndex: 1, interfaceType: 'efa-only' },
      ...[1, 2, 3, 4, 5, 6, 7].map((card) => ({ networkCardIndex: card, deviceIndex: 0, interfaceType: 'efa-only' }))];
    expect(EfaKarpenterLayout.forInstanceType('p6-b200.48xlarge').networkInterfaces).toEqual(expected);
  });

  test('p5.48xlarge: an ENA primary, efa-only at card 0 device 1 and at device 0 of cards 1–31', () => {
    const k = EfaKarpenterLayout.forInstanceType('p5.48xlarge');
    expect(k.networkInterfaces).toHaveLength(33);
    expect(k.networkInterfaces[0]).toEqual({ networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' });
    expect(k.layout.summary.efaCount).toBe(32);
    expect(k.layout.summary.ipv4AddressesPerNode).toBe(1);
  });

  test('p6e-gb200.36xlarge: card 0 ENA-only, efa-only on the odd cards', () => {
    const k = EfaKarpenterLayout.forInstanceType('p6e-gb200.36xlarge');
    expect(k.networkInterfaces.filter((i) => i.interfaceType === 'efa-only').map((i) => i.networkCardIndex)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
  });

  test('efaCount and profile reach the layout (p5 MAX_BANDWIDTH adds ENAs at device 1 of cards 4, 8, …, 28)', () => {
    const k = EfaKarpenterLayout.forInstanceType('p5.48xlarge', { profile: LayoutProfile.MAX_BANDWIDTH });
    expect(k.networkInterfaces.filter((i) => i.interfaceType === 'interface' && i.networkCardIndex > 0).map((i) => i.networkCardIndex))
      .toEqual([4, 8, 12, 16, 20, 24, 28]);
    expect(EfaKarpenterLayout.forInstanceType('p5.48xlarge', { efaCount: 4 }).layout.summary.efaCount).toBe(4);
  });

  test('forCapabilities takes a row written by hand, and PrimaryInterface.ENA explicitly', () => {
    const caps = EfaInstanceTypes.lookup('c5n.18xlarge');
    const k = EfaKarpenterLayout.forCapabilities(caps, { primaryInterface: PrimaryInterface.ENA });
    expect(k.networkInterfaces).toEqual([
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' },
      { networkCardIndex: 0, deviceIndex: 1, interfaceType: 'efa-only' },
    ]);
    expect(k.layout.instanceType).toBe('c5n.18xlarge');
  });

  test('fails for hpc6id.32xlarge, whose recommended layout needs an efa primary, naming the alternatives', () => {
    expect(() => EfaKarpenterLayout.forInstanceType('hpc6id.32xlarge'))
      .toThrow(/hpc6id\.32xlarge: .*'efa' interface.*EfaNodeGroup or an EfaLaunchTemplate.*PrimaryInterface\.ENA.*1 EFA interface\(s\) instead of 2.*\[cdk-efa:karpenter-needs-efa-interface\]/);
    // With an ENA primary, Karpenter can express it: one EFA on card 1.
    expect(EfaKarpenterLayout.forInstanceType('hpc6id.32xlarge', { primaryInterface: PrimaryInterface.ENA }).networkInterfaces).toEqual([
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' },
      { networkCardIndex: 1, deviceIndex: 0, interfaceType: 'efa-only' },
    ]);
  });

  test('fails when PrimaryInterface.EFA is asked for', () => {
    expect(() => EfaKarpenterLayout.forInstanceType('p5.48xlarge', { primaryInterface: PrimaryInterface.EFA }))
      .toThrow(/primaryInterface is PrimaryInterface\.EFA.*\[cdk-efa:karpenter-needs-efa-interface\]/);
  });

  test('fails for an unknown type and out-of-range options, with the layout engine\'s errors', () => {
    expect(() => EfaKarpenterLayout.forInstanceType('p5.48xlarg')).toThrow(/cdk-efa:unknown-instance-type/);
    expect(() => EfaKarpenterLayout.forInstanceType('p5.48xlarge', { efaCount: 33 })).toThrow(/cdk-efa:efa-count-out-of-range/);
  });

  test('fromLayout accepts a hand-written layout Karpenter can express', () => {
    const caps = EfaInstanceTypes.lookup('p6-b200.48xlarge');
    const layout = EfaLayout.fromInterfaces(caps, [
      { networkCardIndex: 1, deviceIndex: 0, interfaceType: InterfaceType.EFA_ONLY },
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.INTERFACE },
    ]);
    expect(EfaKarpenterLayout.fromLayout(layout).networkInterfaces).toEqual([
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' },
      { networkCardIndex: 1, deviceIndex: 0, interfaceType: 'efa-only' },
    ]);
  });

  test('fails in fromLayout for a layout with an efa primary, with both Karpenter rules it breaks', () => {
    const layout = EfaLayout.recommended(EfaInstanceTypes.lookup('c5n.18xlarge'), { primaryInterface: PrimaryInterface.EFA });
    const error = () => EfaKarpenterLayout.fromLayout(layout);
    expect(error).toThrow(/cdk-efa:karpenter-unsupported-interface-type/);
    expect(error).toThrow(/cdk-efa:karpenter-no-primary-interface/);
  });

  test('fails in fromLayout for something that is not an EfaLayout', () => {
    expect(() => EfaKarpenterLayout.fromLayout({ interfaces: [] } as unknown as EfaLayout)).toThrow(/not an EfaLayout.*cdk-efa:invalid-layout-option/);
  });

  test('validate() reports Karpenter\'s rules as messages, and never throws', () => {
    expect(EfaKarpenterLayout.validate([{ networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' }])).toEqual([]);
    expect(EfaKarpenterLayout.validate([])).toEqual([]);
    expect(EfaKarpenterLayout.validate(null as unknown as KarpenterNetworkInterface[])).toEqual([expect.stringMatching(/not a list.*cdk-efa:invalid-network-interface/)]);
    expect(EfaKarpenterLayout.validate([null, 'x', { networkCardIndex: 1, deviceIndex: 0, interfaceType: 'efa-only' }] as unknown as KarpenterNetworkInterface[])).toEqual([
      expect.stringMatching(/2 entries are not an object.*cdk-efa:invalid-network-interface/),
      expect.stringMatching(/cdk-efa:karpenter-no-primary-interface/),
    ]);
  });
});

describe('karpenterLayoutProblems (Karpenter\'s rules)', () => {
  const ids = (list: KarpenterNetworkInterface[]) => karpenterLayoutProblems(list).map((p) => p.id);
  const entry = (networkCardIndex: number, deviceIndex: number, interfaceType: string) => ({ networkCardIndex, deviceIndex, interfaceType });

  test.each([
    ['an efa interface', [entry(0, 0, 'interface'), entry(1, 0, 'efa')], ['karpenter-unsupported-interface-type']],
    ['a misspelt type', [entry(0, 0, 'interface'), entry(0, 1, 'efa_only')], ['karpenter-unsupported-interface-type']],
    ['no primary', [entry(1, 0, 'efa-only')], ['karpenter-no-primary-interface']],
    ['an efa-only primary', [entry(0, 0, 'efa-only')], ['karpenter-no-primary-interface']],
    ['a duplicate pair', [entry(0, 0, 'interface'), entry(1, 0, 'efa-only'), entry(1, 0, 'interface')], ['karpenter-duplicate-interface']],
    ['two efa-only on one card', [entry(0, 0, 'interface'), entry(1, 0, 'efa-only'), entry(1, 1, 'efa-only')], ['karpenter-multiple-efa-only-on-card']],
  ])('fails for %s', (_name, list, expected) => {
    expect(ids(list)).toEqual(expected);
    expect(celAccepts(list)).toBe(false);
  });

  test('the messages say what to do', () => {
    expect(karpenterLayoutProblems([entry(0, 0, 'interface'), entry(1, 0, 'efa')])[0].message)
      .toMatch(/network card 1 device 0 has interfaceType 'efa'.*EfaNodeGroup or EfaLaunchTemplate/);
  });

  test('accepts an empty list, as Karpenter does', () => {
    expect(ids([])).toEqual([]);
  });

  test('property: the library\'s rules agree with the transcribed CEL rules on random lists', () => {
    let rejected = 0;
    let accepted = 0;
    const lists = fc.array(fc.record({
      networkCardIndex: fc.integer({ min: 0, max: 3 }),
      deviceIndex: fc.integer({ min: 0, max: 2 }),
      interfaceType: fc.constantFrom('interface', 'efa-only', 'efa'),
    }), { maxLength: 6 });
    fc.assert(fc.property(lists, (list) => {
      const ok = karpenterLayoutProblems(list).length === 0;
      expect(ok).toBe(celAccepts(list));
      if (ok) accepted++; else rejected++;
    }), { numRuns: 1000 });
    expect(accepted).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(200);
  });
});

describe('Karpenter layout properties', () => {
  test('every table type whose layout Karpenter can express passes Karpenter\'s CEL rules and EC2\'s rules', () => {
    let checked = 0;
    const refused: string[] = [];
    for (const type of TYPES) {
      const k = karpenterOrRefused(type);
      if (k === undefined) {
        refused.push(type);
        continue;
      }
      expect(celAccepts(k.networkInterfaces)).toBe(true);
      expect(EfaLayout.validate(k.layout.capabilities, k.layout.interfaces)).toEqual([]);
      expect(k.networkInterfaces).toEqual(k.layout.interfaces.map((i) => ({ ...i })));
      // The same EFAs as AWS's recommended layout, unless that layout needs an efa interface.
      expect(k.layout.summary.efaCount).toBe(EfaLayout.forInstanceType(type).summary.efaCount);
      checked++;
    }
    expect(checked).toBeGreaterThan(250);
    expect(refused).toContain('hpc6id.32xlarge');
    expect(refused.length).toBeLessThan(10);
  });

  test('property: with random options, each type gives a layout passing both rule sets, or a cdk-efa error', () => {
    let checked = 0;
    const options: fc.Arbitrary<EfaLayoutOptions> = fc.record({
      efaCount: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      primaryInterface: fc.constantFrom(undefined, PrimaryInterface.ENA),
      profile: fc.oneof(
        fc.constant(undefined),
        fc.constant(LayoutProfile.SINGLE_IP),
        fc.constant(LayoutProfile.MAX_BANDWIDTH),
        fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }).map((cards) => LayoutProfile.enaOnCards(cards)),
      ),
    });
    fc.assert(fc.property(fc.constantFrom(...TYPES), options, (type, opts) => {
      const k = karpenterOrRefused(type, opts);
      if (k === undefined) return;
      expect(celAccepts(k.networkInterfaces)).toBe(true);
      expect(karpenterLayoutProblems(k.networkInterfaces)).toEqual([]);
      expect(EfaLayout.validate(k.layout.capabilities, k.layout.interfaces)).toEqual([]);
      if (opts.efaCount !== undefined) expect(k.layout.summary.efaCount).toBe(opts.efaCount);
      checked++;
    }), { numRuns: 1500 });
    expect(checked).toBeGreaterThan(300);
  });
});
