import { Token } from 'aws-cdk-lib';
import { InstanceArchitecture } from 'aws-cdk-lib/aws-ec2';
import {
  EfaInstanceTypes, EfaLayout, InstanceTypeCapabilities, InterfaceType, LayoutProfile, NetworkInterfaceSpec, PrimaryInterface,
} from '../../src';

/** A layout as compact `card/device type` strings, in layout order. */
function compact(interfaces: NetworkInterfaceSpec[]): string[] {
  return interfaces.map((i) => `${i.networkCardIndex}/${i.deviceIndex} ${i.interfaceType}`);
}

function efaOnlyAt(cards: number[], device = 0): string[] {
  return cards.map((c) => `${c}/${device} efa-only`);
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i += step) out.push(i);
  return out;
}

/** Interleaves extra ENAs at device 1 into a card-sorted layout, as the engine sorts them. */
function withEnaAtDevice1(base: string[], cards: number[]): string[] {
  return [...base, ...cards.map((c) => `${c}/1 interface`)]
    .sort((a, b) => {
      const [ca, da] = a.split(' ')[0].split('/').map(Number);
      const [cb, db] = b.split(' ')[0].split('/').map(Number);
      return ca - cb || da - db;
    });
}

const P5_USE_CASE_1 = ['0/0 interface', '0/1 efa-only', ...efaOnlyAt(range(1, 31))];

describe('documented layouts (efa-rules §2)', () => {
  test.each(['p5.48xlarge', 'p5e.48xlarge'])('%s use case 1: ENA primary, efa-only at card 0 device 1 and cards 1-31 device 0', (type) => {
    const layout = EfaLayout.forInstanceType(type);
    expect(compact(layout.interfaces)).toEqual(P5_USE_CASE_1);
    expect(layout.summary).toEqual({
      efaCount: 32,
      enaCount: 1,
      networkInterfaceCount: 33,
      ipv4AddressesPerNode: 1,
      efaBandwidthInGbps: 3200,
      vpcCniNetworkInterfaces: 1,
      podIpv4Addresses: 49,
      podIpv4AddressesWithPrefixDelegation: 784,
      defaultMaxPods: 100,
    });
  });

  test.each(['p5.48xlarge', 'p5e.48xlarge'])('%s use case 2 adds an ENA at device 1 on cards 4, 8, ..., 28', (type) => {
    const layout = EfaLayout.forInstanceType(type, { profile: LayoutProfile.MAX_BANDWIDTH });
    expect(compact(layout.interfaces)).toEqual(withEnaAtDevice1(P5_USE_CASE_1, [4, 8, 12, 16, 20, 24, 28]));
    expect(layout.summary.ipv4AddressesPerNode).toBe(8);
    expect(layout.summary.efaCount).toBe(32);
  });

  test('p6-b200.48xlarge matches the EKS User Guide launch template: 1 ENA + 8 efa-only', () => {
    const layout = EfaLayout.forInstanceType('p6-b200.48xlarge');
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', '0/1 efa-only', ...efaOnlyAt(range(1, 7))]);
    expect(layout.summary.efaBandwidthInGbps).toBe(3200);
  });

  test('p6-b200.48xlarge use case 2 adds an ENA at device 1 on cards 1-7', () => {
    const layout = EfaLayout.forInstanceType('p6-b200.48xlarge', { profile: LayoutProfile.MAX_BANDWIDTH });
    expect(compact(layout.interfaces)).toEqual(withEnaAtDevice1(['0/0 interface', '0/1 efa-only', ...efaOnlyAt(range(1, 7))], range(1, 7)));
    expect(layout.summary.ipv4AddressesPerNode).toBe(8);
  });

  test('p6-b300.48xlarge keeps card 0 ENA-only: efa-only on cards 1-16', () => {
    const layout = EfaLayout.forInstanceType('p6-b300.48xlarge');
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', ...efaOnlyAt(range(1, 16))]);
    expect(layout.summary.efaCount).toBe(16);
    expect(layout.summary.efaBandwidthInGbps).toBe(6400);
  });

  test('p6-b300.48xlarge use case 2 adds an ENA at device 1 on cards 1-16', () => {
    const layout = EfaLayout.forInstanceType('p6-b300.48xlarge', { profile: LayoutProfile.MAX_BANDWIDTH });
    expect(compact(layout.interfaces)).toEqual(withEnaAtDevice1(['0/0 interface', ...efaOnlyAt(range(1, 16))], range(1, 16)));
  });

  test('p6e-gb200.36xlarge puts efa-only on the 8 odd cards', () => {
    const layout = EfaLayout.forInstanceType('p6e-gb200.36xlarge');
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', ...efaOnlyAt([1, 3, 5, 7, 9, 11, 13, 15])]);
    expect(layout.summary.efaBandwidthInGbps).toBe(1600);
  });

  test('p6e-gb200.36xlarge with 4 EFAs uses cards 1, 5, 9 and 13', () => {
    const layout = EfaLayout.forInstanceType('p6e-gb200.36xlarge', { efaCount: 4 });
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', ...efaOnlyAt([1, 5, 9, 13])]);
  });

  test('hpc6id.32xlarge gets an efa primary and efa-only at card 1 device 0', () => {
    const layout = EfaLayout.forInstanceType('hpc6id.32xlarge');
    expect(compact(layout.interfaces)).toEqual(['0/0 efa', '1/0 efa-only']);
    expect(layout.summary).toMatchObject({ efaCount: 2, ipv4AddressesPerNode: 1 });
  });

  test('hpc6id.32xlarge with an explicit ENA primary keeps only card 1 EFA', () => {
    const layout = EfaLayout.forInstanceType('hpc6id.32xlarge', { primaryInterface: PrimaryInterface.ENA });
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', '1/0 efa-only']);
  });

  test.each(['c5n.18xlarge', 'hpc7g.16xlarge'])('single-card %s gets interface plus efa-only', (type) => {
    expect(compact(EfaLayout.forInstanceType(type).interfaces)).toEqual(['0/0 interface', '0/1 efa-only']);
  });

  test('single-card legacy layout: one efa primary', () => {
    const layout = EfaLayout.forInstanceType('c5n.18xlarge', { primaryInterface: PrimaryInterface.EFA });
    expect(compact(layout.interfaces)).toEqual(['0/0 efa']);
    expect(layout.summary).toMatchObject({ efaCount: 1, enaCount: 1, networkInterfaceCount: 1 });
  });

  test('trn2.48xlarge: 16 EFAs, one IP', () => {
    const layout = EfaLayout.forInstanceType('trn2.48xlarge');
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', '0/1 efa-only', ...efaOnlyAt(range(1, 15))]);
    expect(layout.summary.ipv4AddressesPerNode).toBe(1);
  });
});

describe('options', () => {
  test('a smaller EFA count spreads evenly from card 0', () => {
    const layout = EfaLayout.forInstanceType('p5.48xlarge', { efaCount: 8 });
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', '0/1 efa-only', ...efaOnlyAt([4, 8, 12, 16, 20, 24, 28])]);
    expect(layout.summary.efaBandwidthInGbps).toBe(800);
  });

  test('an efa primary replaces card 0 efa-only', () => {
    const layout = EfaLayout.forInstanceType('p5.48xlarge', { primaryInterface: PrimaryInterface.EFA });
    expect(compact(layout.interfaces)).toEqual(['0/0 efa', ...efaOnlyAt(range(1, 31))]);
    expect(layout.summary).toMatchObject({ efaCount: 32, ipv4AddressesPerNode: 1 });
  });

  test('ENA on cards the user lists goes at the next free device', () => {
    const layout = EfaLayout.forInstanceType('p5en.48xlarge', { profile: LayoutProfile.enaOnCards([8, 2]) });
    expect(compact(layout.interfaces).filter((i) => i.endsWith('interface'))).toEqual(['0/0 interface', '2/1 interface', '8/1 interface']);
    expect(layout.summary.ipv4AddressesPerNode).toBe(3);
  });

  test('ENA on card 0 of a single-card type goes at device 2', () => {
    const layout = EfaLayout.forInstanceType('c5n.18xlarge', { profile: LayoutProfile.enaOnCards([0]) });
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', '0/1 efa-only', '0/2 interface']);
  });

  test('hand-written capabilities for a type newer than the table', () => {
    const caps: InstanceTypeCapabilities = {
      instanceType: 'p7.48xlarge',
      efaSupported: true,
      maximumEfaInterfaces: 4,
      architecture: InstanceArchitecture.X86_64,
      networkCards: range(0, 3).map((i) => ({ networkCardIndex: i, maximumNetworkInterfaces: 2, efaSupported: true, baselineBandwidthInGbps: 800 })),
    };
    const layout = EfaLayout.recommended(caps);
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', '0/1 efa-only', ...efaOnlyAt([1, 2, 3])]);
    expect(layout.summary.efaBandwidthInGbps).toBe(3200);
  });

  test('a hand-written valid layout is sorted by card and device', () => {
    const caps = EfaInstanceTypes.lookup('p6-b200.48xlarge');
    const layout = EfaLayout.fromInterfaces(caps, [
      { networkCardIndex: 1, deviceIndex: 0, interfaceType: InterfaceType.EFA_ONLY },
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.INTERFACE },
    ]);
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', '1/0 efa-only']);
    expect(layout.summary.efaBandwidthInGbps).toBe(400);
  });
});

describe('option errors', () => {
  test('fails when efaCount is above the maximum', () => {
    expect(() => EfaLayout.forInstanceType('p6-b200.48xlarge', { efaCount: 9 })).toThrow(/efaCount 9 is not possible for p6-b200.48xlarge.*from 1 to 8.*cdk-efa:efa-count-out-of-range/);
  });

  test.each([0, -1, 2.5])('fails when efaCount is %p', (efaCount) => {
    expect(() => EfaLayout.forInstanceType('p5.48xlarge', { efaCount })).toThrow(/cdk-efa:efa-count-out-of-range/);
  });

  test('fails when efaCount is above the 8 AWS recommends for p6e-gb200', () => {
    expect(() => EfaLayout.forInstanceType('p6e-gb200.36xlarge', { efaCount: 9 })).toThrow(/AWS recommends at most 8/);
  });

  test('fails when hpc6id gets 2 EFAs with an ENA primary', () => {
    expect(() => EfaLayout.forInstanceType('hpc6id.32xlarge', { efaCount: 2, primaryInterface: PrimaryInterface.ENA }))
      .toThrow(/network card 0 has no room for an EFA.*PrimaryInterface.EFA/);
  });

  test('fails when efaCount is a token', () => {
    expect(() => EfaLayout.forInstanceType('p5.48xlarge', { efaCount: Token.asNumber({ Ref: 'Count' }) })).toThrow(/cdk-efa:efa-count-unresolved/);
  });

  test.each(['p6-b300.48xlarge', 'p6e-gb200.36xlarge'])('fails when %s is asked for an efa primary on its ENA-only card 0', (type) => {
    expect(() => EfaLayout.forInstanceType(type, { primaryInterface: PrimaryInterface.EFA }))
      .toThrow(new RegExp(`${type.replace('.', '\\.')} cannot carry an EFA on network card 0.*PrimaryInterface.ENA.*cdk-efa:efa-on-ena-only-card`));
  });

  test.each(['c5n.18xlarge', 'trn2.48xlarge', 'p5.4xlarge'])('fails when max-bandwidth is asked for %s, which AWS does not document', (type) => {
    expect(() => EfaLayout.forInstanceType(type, { profile: LayoutProfile.MAX_BANDWIDTH })).toThrow(/LayoutProfile.enaOnCards.*cdk-efa:no-documented-max-bandwidth-layout/);
  });

  test('fails when an ENA card is on a card with no free device', () => {
    expect(() => EfaLayout.forInstanceType('p5.48xlarge', { profile: LayoutProfile.enaOnCards([0]) }))
      .toThrow(/device index 2 exceeds the card's maximum of 2.*cdk-efa:device-index-exceeds-card/);
  });

  test('fails when an ENA card does not exist', () => {
    expect(() => EfaLayout.forInstanceType('p6-b200.48xlarge', { profile: LayoutProfile.enaOnCards([8]) })).toThrow(/has no network card 8.*cdk-efa:unknown-network-card/);
  });

  test.each([[[-1]], [[1.5]], [[2, 2]]])('fails when enaOnCards gets %p', (cards) => {
    expect(() => LayoutProfile.enaOnCards(cards)).toThrow(/cdk-efa:invalid-ena-card/);
  });
});

describe('validation of hand-written layouts', () => {
  const p5 = EfaInstanceTypes.lookup('p5.48xlarge');
  const b300 = EfaInstanceTypes.lookup('p6-b300.48xlarge');
  const c5n = EfaInstanceTypes.lookup('c5n.18xlarge');
  const spec = (networkCardIndex: number, deviceIndex: number, interfaceType: InterfaceType): NetworkInterfaceSpec =>
    ({ networkCardIndex, deviceIndex, interfaceType });
  const ENA0 = spec(0, 0, InterfaceType.INTERFACE);

  test.each<[string, InstanceTypeCapabilities, NetworkInterfaceSpec[], string]>([
    ['the primary is efa-only', p5, [spec(0, 0, InterfaceType.EFA_ONLY)], 'efa-only-primary'],
    ['there is no primary', p5, [spec(1, 0, InterfaceType.EFA_ONLY)], 'no-primary-interface'],
    ['a device index reaches the card maximum', p5, [ENA0, spec(1, 2, InterfaceType.EFA_ONLY)], 'device-index-exceeds-card'],
    ['a (card, device) pair repeats', p5, [ENA0, spec(1, 0, InterfaceType.EFA_ONLY), spec(1, 0, InterfaceType.INTERFACE)], 'duplicate-interface'],
    ['a card has two EFAs', p5, [ENA0, spec(1, 0, InterfaceType.EFA_ONLY), spec(1, 1, InterfaceType.EFA)], 'multiple-efa-on-card'],
    ['there are more EFAs than the type allows', c5n, [spec(0, 0, InterfaceType.EFA), spec(0, 1, InterfaceType.EFA_ONLY)], 'too-many-efa'],
    ['an EFA is on an ENA-only card (p6-b300 card 0)', b300, [ENA0, spec(0, 1, InterfaceType.EFA_ONLY)], 'efa-on-ena-only-card'],
    ['an efa primary is on p6-b300 card 0', b300, [spec(0, 0, InterfaceType.EFA)], 'efa-on-ena-only-card'],
    ['a card does not exist', c5n, [ENA0, spec(1, 0, InterfaceType.EFA_ONLY)], 'unknown-network-card'],
    ['an index is negative', c5n, [ENA0, spec(0, -1, InterfaceType.EFA_ONLY)], 'invalid-index'],
  ])('fails when %s', (_, caps, interfaces, id) => {
    expect(EfaLayout.validate(caps, interfaces).join('\n')).toContain(`cdk-efa:${id}`);
    expect(() => EfaLayout.fromInterfaces(caps, interfaces)).toThrow(`cdk-efa:${id}`);
  });

  test('fails when there are more interfaces than the instance allows', () => {
    const caps: InstanceTypeCapabilities = { ...c5n, maximumNetworkInterfaces: 2 };
    const interfaces = [ENA0, spec(0, 1, InterfaceType.EFA_ONLY), spec(0, 2, InterfaceType.INTERFACE)];
    expect(() => EfaLayout.fromInterfaces(caps, interfaces)).toThrow(/at most 2 network interfaces.*cdk-efa:too-many-interfaces/);
  });

  test('reports every problem together', () => {
    const problems = EfaLayout.validate(b300, [spec(0, 0, InterfaceType.EFA_ONLY), spec(0, 0, InterfaceType.EFA_ONLY)]);
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(() => EfaLayout.fromInterfaces(b300, [spec(0, 0, InterfaceType.EFA_ONLY), spec(0, 0, InterfaceType.EFA_ONLY)]))
      .toThrow(/EFA layout for p6-b300.48xlarge: \d+ problems:\n {2}- /);
  });

  test('skips interfaces whose indexes are unresolved tokens', () => {
    expect(EfaLayout.validate(p5, [ENA0, spec(Token.asNumber({ Ref: 'Card' }), 0, InterfaceType.EFA_ONLY)])).toEqual([]);
  });

  test('a valid layout has no problems', () => {
    expect(EfaLayout.validate(p5, EfaLayout.forInstanceType('p5.48xlarge').interfaces)).toEqual([]);
  });
});
