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

  test('fails when an ENA card has no free device, saying what holds card 0 rather than naming a device index the user never chose', () => {
    const thrown = () => EfaLayout.forInstanceType('p5.48xlarge', { profile: LayoutProfile.enaOnCards([0]) });
    expect(thrown).toThrow("LayoutProfile.enaOnCards() asks for an extra ENA on network card 0, but p5.48xlarge network card 0 takes 2 network interface(s) and the layout already puts 'interface' at device 0 and 'efa-only' at device 1 there; choose cards with room for an ENA (1–31), or use PrimaryInterface.EFA, which frees card 0's device 1. [cdk-efa:invalid-ena-card]");
    expect(thrown).not.toThrow(/device index 2/);
  });

  test('fails when no card has room for an ENA, saying how to free one', () => {
    expect(() => EfaLayout.forInstanceType('hpc6id.32xlarge', { profile: LayoutProfile.enaOnCards([1]) }))
      .toThrow(/network card 1 takes 1 network interface\(s\) and the layout already puts 'efa-only' at device 0 there; no card has room for another ENA; lower efaCount to free a card, or use LayoutProfile\.SINGLE_IP\. \[cdk-efa:invalid-ena-card\]/);
    expect(compact(EfaLayout.forInstanceType('hpc6id.32xlarge', { efaCount: 1, profile: LayoutProfile.enaOnCards([1]) }).interfaces))
      .toEqual(['0/0 efa', '1/0 interface']);
  });

  test('fails when an ENA card does not exist', () => {
    expect(() => EfaLayout.forInstanceType('p6-b200.48xlarge', { profile: LayoutProfile.enaOnCards([8]) }))
      .toThrow(/enaOnCards\(\) asks for an extra ENA on network card 8, but p6-b200\.48xlarge has 8 network card\(s\), 0–7.*cdk-efa:invalid-ena-card/);
  });

  test('fails when an ENA card of p6e-gb200 takes only efa-only, or is full, listing every such card and the cards that fit', () => {
    const thrown = () => EfaLayout.forInstanceType('p6e-gb200.36xlarge', { efaCount: 4, profile: LayoutProfile.enaOnCards([1, 2, 3]) });
    // Cards 1 (which holds efa-only) and 3 (free with efaCount 4) take only efa-only; card 2 is fine.
    expect(thrown).toThrow(/2 problems:\n.*network card 1, but p6e-gb200\.36xlarge network card 1 takes only 'efa-only' interfaces.*\n.*network card 3 takes only 'efa-only' interfaces, so it cannot carry an ENA; choose cards with room for an ENA \(0, 2, 4, 6, 8, 10, 12, 14, 16\)/);
    expect(compact(EfaLayout.forInstanceType('p6e-gb200.36xlarge', { profile: LayoutProfile.enaOnCards([2, 16]) }).interfaces))
      .toEqual(['0/0 interface', '1/0 efa-only', '2/0 interface', ...efaOnlyAt([3, 5, 7, 9, 11, 13, 15]), '16/0 interface']);
  });

  test.each<[string, unknown, string]>([
    ['-1', [-1], '-1'],
    ['1.5', [1.5], '1.5'],
    ['a repeated card', [2, 2], 'network card 2 twice'],
    ['a string', ['1'], "'1'"],
    ['NaN', [NaN], 'NaN'],
    ['undefined', undefined, 'missing, not a list'],
    ['a number, not a list', 4, '4, not a list'],
  ])('fails when enaOnCards gets %s', (_, cards, shown) => {
    expect(() => LayoutProfile.enaOnCards(cards as any)).toThrow(shown);
    expect(() => LayoutProfile.enaOnCards(cards as any)).toThrow(/cdk-efa:invalid-ena-card/);
  });

  test.each<[string, object, RegExp]>([
    ['primaryInterface is not a PrimaryInterface', { primaryInterface: 'EFA' }, /primaryInterface for p5\.48xlarge is 'EFA', which is not a PrimaryInterface; use PrimaryInterface\.ENA \('ena'\) or PrimaryInterface\.EFA \('efa'\)/],
    ['primaryInterface is an InterfaceType', { primaryInterface: InterfaceType.INTERFACE }, /primaryInterface for p5\.48xlarge is 'interface'/],
    ['profile is a string', { profile: 'max-bandwidth' }, /profile for p5\.48xlarge is 'max-bandwidth', which is not a LayoutProfile/],
    ['profile is a look-alike object', { profile: { name: 'single-ip' } }, /profile for p5\.48xlarge is \{"name":"single-ip"\}/],
  ])('fails when %s', (_, options, message) => {
    expect(() => EfaLayout.forInstanceType('p5.48xlarge', options as any)).toThrow(message);
    expect(() => EfaLayout.forInstanceType('p5.48xlarge', options as any)).toThrow(/cdk-efa:invalid-layout-option/);
  });

  test('fails when the options are not an object, and takes null as no options', () => {
    expect(() => EfaLayout.forInstanceType('p5.48xlarge', 'single-ip' as any)).toThrow(/The layout options for p5\.48xlarge are 'single-ip', not an EfaLayoutOptions object.*cdk-efa:invalid-layout-option/);
    expect(compact(EfaLayout.forInstanceType('p5.48xlarge', null as any).interfaces)).toEqual(P5_USE_CASE_1);
  });

  test('fails when prefixDelegation is not a boolean, or the layout to assess is not an EfaLayout', () => {
    const p5 = EfaInstanceTypes.lookup('p5.48xlarge');
    expect(() => EfaLayout.forKubernetesNodes(p5, { prefixDelegation: 'true' as any })).toThrow(/prefixDelegation for p5\.48xlarge is 'true', not true or false.*cdk-efa:invalid-layout-option/);
    expect(() => EfaLayout.assessKubernetesPodIps(undefined as any)).toThrow(/assessKubernetesPodIps\(\) received missing as the layout, not an EfaLayout.*cdk-efa:invalid-layout-option/);
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

  test('echoes at most 80 characters of a huge value', () => {
    const problems = EfaLayout.validate(p5, [ENA0, spec(1, 0, 'e'.repeat(100_000) as InterfaceType)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`interfaceType '${'e'.repeat(80)}…', which is not`);
    expect(problems[0].length).toBeLessThan(400);
  });

  test('skips interfaces whose indexes are unresolved tokens', () => {
    expect(EfaLayout.validate(p5, [ENA0, spec(Token.asNumber({ Ref: 'Card' }), 0, InterfaceType.EFA_ONLY)])).toEqual([]);
  });

  test('a valid layout has no problems', () => {
    expect(EfaLayout.validate(p5, EfaLayout.forInstanceType('p5.48xlarge').interfaces)).toEqual([]);
  });
});

describe('p6e-gb200.36xlarge odd cards take only efa-only (efa-rules §2)', () => {
  const gb200 = EfaInstanceTypes.lookup('p6e-gb200.36xlarge');
  const spec = (networkCardIndex: number, deviceIndex: number, interfaceType: InterfaceType): NetworkInterfaceSpec =>
    ({ networkCardIndex, deviceIndex, interfaceType });
  const ENA0 = spec(0, 0, InterfaceType.INTERFACE);

  test.each(range(1, 15, 2).flatMap((card) => [[card, InterfaceType.INTERFACE], [card, InterfaceType.EFA]]))(
    'fails when odd network card %d carries %s', (card, type) => {
      const interfaces = [ENA0, spec(card as number, 0, type as InterfaceType)];
      const expected = `p6e-gb200.36xlarge network card ${card} device 0 is '${type}', but network card ${card} takes only 'efa-only' interfaces, and EC2 would reject the launch; make it 'efa-only', or move it to a card that takes '${type}'`;
      expect(EfaLayout.validate(gb200, interfaces)).toEqual([expect.stringContaining(expected)]);
      expect(() => EfaLayout.fromInterfaces(gb200, interfaces)).toThrow('[cdk-efa:interface-type-not-supported-on-card]');
    });

  test('names the cards that take the type: the even ones for efa, card 0 too for interface', () => {
    const [efa] = EfaLayout.validate(gb200, [ENA0, spec(1, 0, InterfaceType.EFA)]);
    expect(efa).toContain("a card that takes 'efa' (2, 4, 6, 8, 10, 12, 14, 16)");
    const [ena] = EfaLayout.validate(gb200, [ENA0, spec(1, 0, InterfaceType.INTERFACE)]);
    expect(ena).toContain("a card that takes 'interface' (0, 2, 4, 6, 8, 10, 12, 14, 16)");
  });

  test('accepts efa-only on every odd card, and interface, efa or efa-only on the even cards', () => {
    const odd = range(1, 15, 2).map((card) => spec(card, 0, InterfaceType.EFA_ONLY));
    const even = [
      spec(2, 0, InterfaceType.EFA), spec(2, 1, InterfaceType.INTERFACE), spec(4, 0, InterfaceType.EFA_ONLY), spec(6, 0, InterfaceType.INTERFACE),
    ];
    expect(EfaLayout.validate(gb200, [ENA0, ...odd, ...even])).toEqual([]);
    expect(EfaLayout.fromInterfaces(gb200, [ENA0, ...odd, ...even]).summary.efaCount).toBe(10);
  });

  test.each([undefined, 4, 8])('the recommended layout with efaCount %p passes, for Kubernetes nodes too', (efaCount) => {
    const layout = EfaLayout.forInstanceType('p6e-gb200.36xlarge', { efaCount });
    expect(EfaLayout.validate(gb200, layout.interfaces)).toEqual([]);
    expect(EfaLayout.forKubernetesNodes(gb200, { efaCount }).layout.interfaces).toEqual(layout.interfaces);
  });

  test('hand-written capabilities can restrict a card the same way', () => {
    const caps: InstanceTypeCapabilities = {
      instanceType: 'x9.restricted',
      efaSupported: true,
      maximumEfaInterfaces: 2,
      architecture: InstanceArchitecture.ARM_64,
      networkCards: [
        {
          networkCardIndex: 0, maximumNetworkInterfaces: 2, efaSupported: true, supportedInterfaceTypes: [InterfaceType.INTERFACE, InterfaceType.EFA],
        },
        { networkCardIndex: 1, maximumNetworkInterfaces: 2, efaSupported: true, supportedInterfaceTypes: [InterfaceType.EFA_ONLY] },
      ],
    };
    // Card 0 takes no efa-only, so the recommended layout keeps its EFA with an efa primary.
    expect(compact(EfaLayout.recommended(caps).interfaces)).toEqual(['0/0 efa', '1/0 efa-only']);
    expect(compact(EfaLayout.recommended(caps, { primaryInterface: PrimaryInterface.ENA }).interfaces)).toEqual(['0/0 interface', '1/0 efa-only']);
    expect(EfaLayout.validate(caps, [spec(0, 0, InterfaceType.INTERFACE), spec(0, 1, InterfaceType.EFA_ONLY)]).join())
      .toMatch(/network card 0 device 1 is 'efa-only', but network card 0 takes only 'interface' or 'efa' interfaces.*cdk-efa:interface-type-not-supported-on-card/);
  });

  test('fails when an efa primary is asked for where card 0 takes no efa', () => {
    const caps: InstanceTypeCapabilities = {
      instanceType: 'x9.noefa0',
      efaSupported: true,
      maximumEfaInterfaces: 2,
      architecture: InstanceArchitecture.X86_64,
      networkCards: [{
        networkCardIndex: 0,
        maximumNetworkInterfaces: 2,
        efaSupported: true,
        supportedInterfaceTypes: [InterfaceType.INTERFACE, InterfaceType.EFA_ONLY],
      }],
    };
    expect(() => EfaLayout.recommended(caps, { primaryInterface: PrimaryInterface.EFA })).toThrow(/network card 0 \(card 0 takes no 'efa' interface\).*cdk-efa:efa-on-ena-only-card/);
    expect(compact(EfaLayout.recommended(caps).interfaces)).toEqual(['0/0 interface', '0/1 efa-only']);
  });
});

describe('interface types and entries that are not EC2\'s', () => {
  const p5 = EfaInstanceTypes.lookup('p5.48xlarge');
  const ENA0: NetworkInterfaceSpec = { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.INTERFACE };
  const at1 = (interfaceType: unknown) => ({ networkCardIndex: 1, deviceIndex: 0, interfaceType }) as NetworkInterfaceSpec;

  test.each<[unknown, string]>([
    ['efa_only', " (did you mean 'efa-only'?)"],
    ['EFA', " (did you mean 'efa'?)"],
    ['trunk', ''],
    ['', ''],
    [undefined, ''],
    [42, ''],
  ])('fails when the interfaceType is %p, naming it and the valid ones', (type, hint) => {
    const shown = type === undefined ? 'missing' : typeof type === 'string' ? `'${type}'` : String(type);
    const expected = `p5.48xlarge network card 1 device 0 has interfaceType ${shown}, which is not an EC2 interface type${hint}; use 'interface' (InterfaceType.INTERFACE), 'efa' (InterfaceType.EFA) or 'efa-only' (InterfaceType.EFA_ONLY). [cdk-efa:invalid-interface-type]`;
    expect(EfaLayout.validate(p5, [ENA0, at1(type)])).toEqual([expected]);
    expect(() => EfaLayout.fromInterfaces(p5, [ENA0, at1(type)])).toThrow(expected);
  });

  test('fails when the primary has an invalid type, and still checks the other rules', () => {
    const problems = EfaLayout.validate(p5, [{ ...ENA0, interfaceType: 'ENA' as InterfaceType }, at1(InterfaceType.EFA_ONLY), at1(InterfaceType.EFA_ONLY)]);
    expect(problems.map((p) => p.replace(/.*\[cdk-efa:(.*)\]$/, '$1'))).toEqual(['invalid-interface-type', 'duplicate-interface', 'multiple-efa-on-card']);
  });

  test('skips an interfaceType that is an unresolved token', () => {
    expect(EfaLayout.validate(p5, [ENA0, at1(Token.asString({ Ref: 'Type' }))])).toEqual([]);
  });

  test.each<[string, unknown, RegExp]>([
    ['null', [ENA0, null], /network interface 2 of the list is null, not a NetworkInterfaceSpec/],
    ['a string', [ENA0, 'efa-only'], /network interface 2 of the list is 'efa-only', not a NetworkInterfaceSpec/],
    ['not a list', undefined, /the network interfaces are missing, not a list/],
    ['an object, not a list', ENA0, /the network interfaces are \{"networkCardIndex":0,"deviceIndex":0,"interfaceType":"interface"\}, not a list/],
  ])('fails when an entry or the list is %s, with a cdk-efa error rather than a TypeError', (_, interfaces, message) => {
    expect(EfaLayout.validate(p5, interfaces as any).join()).toMatch(message);
    expect(() => EfaLayout.fromInterfaces(p5, interfaces as any)).toThrow(/cdk-efa:invalid-network-interface/);
  });

  test('index values that are not whole numbers are named as given', () => {
    expect(EfaLayout.validate(p5, [ENA0, { ...at1(InterfaceType.EFA_ONLY), networkCardIndex: '1' as any }]).join())
      .toContain("p5.48xlarge network card '1' device 0 is not a valid position");
  });
});
