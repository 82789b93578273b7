import { Token } from 'aws-cdk-lib';
import { InstanceArchitecture, PlacementGroupStrategy } from 'aws-cdk-lib/aws-ec2';
import { AcceleratorKind, EfaInstanceTypes, EfaLayout, InstanceTypeCapabilities, InterfaceType } from '../../src';
import { ARCHITECTURES, PLACEMENT_GROUP_STRATEGIES } from '../../src/core/private/capabilities-rules';
import { MAX_ECHOED_CHARACTERS } from '../../src/core/private/errors';

describe('lookup', () => {
  test('p5.48xlarge: 32 cards of 2 interfaces, 32 EFAs, 8 NVIDIA H100, x86_64', () => {
    const caps = EfaInstanceTypes.lookup('p5.48xlarge');
    expect(caps.networkCards).toHaveLength(32);
    expect(caps.networkCards.every((c) => c.maximumNetworkInterfaces === 2 && c.efaSupported)).toBe(true);
    expect(caps.maximumEfaInterfaces).toBe(32);
    expect(caps.architecture).toBe(InstanceArchitecture.X86_64);
    expect(caps.accelerators).toEqual([{ kind: AcceleratorKind.GPU, manufacturer: 'NVIDIA', name: 'H100', count: 8 }]);
  });

  test.each(['p6-b300.48xlarge', 'p6e-gb200.36xlarge'])('%s: card 0 cannot hold an EFA, cards 1-16 can', (type) => {
    const caps = EfaInstanceTypes.lookup(type);
    expect(caps.networkCards).toHaveLength(17);
    expect(caps.networkCards.filter((c) => !c.efaSupported).map((c) => c.networkCardIndex)).toEqual([0]);
    expect(caps.maximumEfaInterfaces).toBe(16);
  });

  test('p6e-gb200.36xlarge: odd cards take one interface, only efa-only; Arm with NVIDIA GPUs', () => {
    const caps = EfaInstanceTypes.lookup('p6e-gb200.36xlarge');
    const odd = [1, 3, 5, 7, 9, 11, 13, 15];
    expect(caps.networkCards.filter((c) => c.maximumNetworkInterfaces === 1).map((c) => c.networkCardIndex)).toEqual(odd);
    // efa-rules §2: odd cards take only efa-only; card 0 and the even cards take the default (what efaSupported implies).
    expect(caps.networkCards.filter((c) => c.supportedInterfaceTypes !== undefined).map((c) => c.networkCardIndex)).toEqual(odd);
    const restricted = caps.networkCards.filter((c) => c.supportedInterfaceTypes !== undefined);
    expect(restricted.every((c) => c.supportedInterfaceTypes?.join() === InterfaceType.EFA_ONLY)).toBe(true);
    expect(caps.architecture).toBe(InstanceArchitecture.ARM_64);
    expect(caps.accelerators?.[0]).toMatchObject({ kind: AcceleratorKind.GPU, manufacturer: 'NVIDIA' });
  });

  test('trn2.48xlarge carries Neuron devices', () => {
    expect(EfaInstanceTypes.lookup('trn2.48xlarge').accelerators).toEqual([{ kind: AcceleratorKind.NEURON, manufacturer: 'AWS', name: 'Trainium2', count: 16 }]);
  });

  test('hpc7g.16xlarge is a Graviton CPU type', () => {
    const caps = EfaInstanceTypes.lookup('hpc7g.16xlarge');
    expect(caps.architecture).toBe(InstanceArchitecture.ARM_64);
    expect(caps.accelerators ?? []).toEqual([]);
  });

  test('inferred rows are marked unverified, documented ones are not', () => {
    expect(EfaInstanceTypes.lookup('trn2u.48xlarge').verified).toBe(false);
    expect(EfaInstanceTypes.lookup('p5.48xlarge').verified).not.toBe(false);
  });

  test('the table covers the EFA types and leaves out those with unknown values', () => {
    const all = EfaInstanceTypes.all();
    expect(all.length).toBeGreaterThanOrEqual(290);
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['c5n.18xlarge', 'hpc6id.32xlarge', 'hpc7a.96xlarge', 'p4d.24xlarge', 'p6e-gb200.36xlarge']));
    expect(all).not.toContain('dl1.24xlarge');
    expect(all).not.toContain('u7inh-32tb.480xlarge');
  });

  // Max-pods from the EKS AMI's eni-max-pods.txt, which is `ENIs on the default card × (addresses − 1) + 2`, so the
  // table's IPv4 figure (from the VPC CNI limits file) and card 0's interfaces must reproduce it.
  test.each<[string, number, number]>([
    ['p5.48xlarge', 50, 100],
    ['p5en.48xlarge', 50, 198],
    ['c5n.18xlarge', 50, 737],
    ['hpc6id.32xlarge', 50, 51],
    ['g4dn.8xlarge', 15, 58],
    ['trn2.3xlarge', 15, 30],
    ['g5.8xlarge', 30, 234],
    ['g7e.8xlarge', 64, 506],
    ['c8i.96xlarge', 64, 1514],
  ])('%s: %d IPv4 addresses per interface, which gives the EKS AMI max-pods of %d', (type, ipv4, maxPods) => {
    const caps = EfaInstanceTypes.lookup(type);
    expect(caps.ipv4AddressesPerInterface).toBe(ipv4);
    expect(caps.networkCards[0].maximumNetworkInterfaces * (ipv4 - 1) + 2).toBe(maxPods);
  });

  test('every type has ipv4AddressesPerInterface but the two the VPC CNI limits file lacks', () => {
    const unknown = EfaInstanceTypes.all().filter((type) => EfaInstanceTypes.lookup(type).ipv4AddressesPerInterface === undefined);
    expect(unknown).toEqual(['p6e-gb200.36xlarge', 'trn2u.48xlarge']);
    const figures = new Set(EfaInstanceTypes.all().map((type) => EfaInstanceTypes.lookup(type).ipv4AddressesPerInterface));
    expect([...figures].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([15, 30, 50, 64, undefined]);
  });

  test('isEfaSupported and tryLookup never throw', () => {
    expect(EfaInstanceTypes.isEfaSupported('p5.48xlarge')).toBe(true);
    expect(EfaInstanceTypes.isEfaSupported('t3.micro')).toBe(false);
    expect(EfaInstanceTypes.isEfaSupported('nonsense')).toBe(false);
    expect(EfaInstanceTypes.tryLookup('t3.micro')).toBeUndefined();
    for (const bad of [undefined, null, 42, {}]) {
      expect(EfaInstanceTypes.isEfaSupported(bad as any)).toBe(false);
      expect(EfaInstanceTypes.tryLookup(bad as any)).toBeUndefined();
    }
  });

  test('only the p6-b300 and p6e-gb200 rows restrict a card, and every row passes validateCapabilities', () => {
    const restricted = EfaInstanceTypes.all()
      .filter((type) => EfaInstanceTypes.lookup(type).networkCards.some((c) => !c.efaSupported || c.supportedInterfaceTypes));
    expect(restricted).toEqual(['p6-b300.48xlarge', 'p6e-gb200.36xlarge']);
    for (const type of EfaInstanceTypes.all()) {
      expect(() => EfaInstanceTypes.validateCapabilities(EfaInstanceTypes.lookup(type))).not.toThrow();
    }
  });

  test("the core's architecture and placement strategy values are aws-ec2's", () => {
    expect([...ARCHITECTURES].sort()).toEqual(Object.values(InstanceArchitecture).sort());
    expect([...PLACEMENT_GROUP_STRATEGIES].sort()).toEqual(Object.values(PlacementGroupStrategy).sort());
  });
});

describe('lookup errors', () => {
  test('fails when the type is unknown, naming the closest known types', () => {
    expect(() => EfaInstanceTypes.lookup('p5.48xlarg')).toThrow(/Unknown instance type p5\.48xlarg.*Did you mean p5\.48xlarge.*capabilities.*cdk-efa:unknown-instance-type/);
  });

  test('fails when the type is unknown and nothing is close, explaining how to supply capabilities', () => {
    expect(() => EfaInstanceTypes.lookup('zz99.mega')).toThrow(/Unknown instance type zz99\.mega.*describe-instance-types.*update-instance-types/);
    expect(() => EfaInstanceTypes.lookup('zz99.mega')).not.toThrow(/Did you mean/);
  });

  test.each(['t3.micro', 'm5.large'])('fails when %s, a known type without EFA, is used', (type) => {
    expect(() => EfaInstanceTypes.lookup(type)).toThrow(new RegExp(`${type.replace('.', '\\.')} does not support EFA.*cdk-efa:efa-not-supported`));
  });

  test('fails when a non-EFA size of an EFA family is used, naming the EFA sizes', () => {
    expect(() => EfaInstanceTypes.lookup('c5n.large')).toThrow(/c5n\.large does not support EFA; in the c5n family only c5n\.18xlarge, c5n\.9xlarge, c5n\.metal do/);
  });

  test('fails when the type is an unresolved token', () => {
    expect(() => EfaInstanceTypes.lookup(Token.asString({ Ref: 'InstanceType' }))).toThrow(/unresolved token.*pass `capabilities`.*cdk-efa:instance-type-unresolved/);
  });

  test.each<[string, unknown, string]>([
    ['undefined', undefined, 'missing'],
    ['null', null, 'null'],
    ['empty', '', "''"],
    ['blank', '  ', "'  '"],
    ['a number', 48, '48'],
    ['an object', { name: 'p5.48xlarge' }, '{"name":"p5.48xlarge"}'],
  ])('fails when the type is %s, with a cdk-efa error rather than a TypeError', (_, given, shown) => {
    const expected = new RegExp(`The instance type is ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, not the name of an EC2 instance type; give one such as 'p5\\.48xlarge'.*cdk-efa:invalid-instance-type`);
    expect(() => EfaInstanceTypes.lookup(given as any)).toThrow(expected);
    expect(() => EfaLayout.forInstanceType(given as any)).toThrow(expected);
  });

  test('fails when the type is 100 kB long, echoing at most 80 characters of it, once or twice', () => {
    const huge = `p5.${'x'.repeat(100_000)}`;
    const started = Date.now();
    let message = '';
    try {
      EfaInstanceTypes.lookup(huge);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(Date.now() - started).toBeLessThan(2000);
    expect(message).toMatch(/^\[?Unknown instance type p5\.x{77}…: .*<type>.*cdk-efa:unknown-instance-type/);
    expect(message.length).toBeLessThan(700);
    expect(message.split('x'.repeat(MAX_ECHOED_CHARACTERS - 3)).length - 1).toBeLessThanOrEqual(2);
  });
});

describe('validateCapabilities', () => {
  const good: InstanceTypeCapabilities = {
    instanceType: 'x9.big',
    efaSupported: true,
    maximumEfaInterfaces: 1,
    architecture: InstanceArchitecture.X86_64,
    networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 2, efaSupported: true }],
  };
  const card = (change: object) => ({ networkCards: [{ ...good.networkCards[0], ...change }] });

  test('accepts a complete row, with or without the optional fields', () => {
    expect(() => EfaInstanceTypes.validateCapabilities(good)).not.toThrow();
    expect(() => EfaInstanceTypes.validateCapabilities({
      ...good,
      ...card({ baselineBandwidthInGbps: 0, peakBandwidthInGbps: 100, supportedInterfaceTypes: [InterfaceType.INTERFACE, InterfaceType.EFA_ONLY] }),
      defaultNetworkCardIndex: 0,
      maximumNetworkInterfaces: 2,
      ipv4AddressesPerInterface: 50,
      accelerators: [{ kind: AcceleratorKind.GPU, manufacturer: 'NVIDIA', name: 'H100', count: 8 }],
      placementGroupStrategies: [PlacementGroupStrategy.CLUSTER],
      verified: false,
    })).not.toThrow();
  });

  test('fails when efaSupported is false', () => {
    expect(() => EfaInstanceTypes.validateCapabilities({ ...good, efaSupported: false })).toThrow(/x9\.big: efaSupported is false, so the type does not support EFA.*cdk-efa:efa-not-supported/);
  });

  const NUMBER_TOKEN = Token.asNumber({ Ref: 'Count' });

  test.each<[string, object, RegExp]>([
    ['maximumEfaInterfaces is 0', { maximumEfaInterfaces: 0 }, /maximumEfaInterfaces is 0; it must be a whole number from 1/],
    ['maximumEfaInterfaces is NaN', { maximumEfaInterfaces: NaN }, /maximumEfaInterfaces is NaN/],
    ['maximumEfaInterfaces is missing', { maximumEfaInterfaces: undefined }, /maximumEfaInterfaces is missing/],
    ['maximumEfaInterfaces is a token', { maximumEfaInterfaces: NUMBER_TOKEN }, /maximumEfaInterfaces is an unresolved token, but capabilities are read at synth time/],
    ['there are no cards', { networkCards: [] }, /networkCards is empty, but every instance has network card 0/],
    ['networkCards is missing', { networkCards: undefined }, /networkCards is missing; it must be a list/],
    ['networkCards is null', { networkCards: null }, /networkCards is null; it must be a list/],
    ['a card is null', { networkCards: [null] }, /networkCards\[0\] is null; each entry must be a NetworkCardCapabilities object/],
    ['cards are out of order', card({ networkCardIndex: 1 }), /networkCards\[0\]\.networkCardIndex is 1; list the cards in order 0, 1, 2 …, so this one must be 0/],
    ['a card takes no interface', card({ maximumNetworkInterfaces: 0 }), /networkCards\[0\]\.maximumNetworkInterfaces is 0; it must be a whole number from 1/],
    ['a card takes -1 interfaces', card({ maximumNetworkInterfaces: -1 }), /maximumNetworkInterfaces is -1/],
    ['a card takes NaN interfaces', card({ maximumNetworkInterfaces: NaN }), /maximumNetworkInterfaces is NaN/],
    ['a card has no efaSupported', card({ efaSupported: undefined }), /networkCards\[0\]\.efaSupported is missing; it must be true or false/],
    ['a bandwidth is negative', card({ baselineBandwidthInGbps: -100 }), /baselineBandwidthInGbps is -100; it must be a number of Gbps from 0/],
    ['a bandwidth is NaN', card({ peakBandwidthInGbps: NaN }), /peakBandwidthInGbps is NaN/],
    ['a bandwidth is a string', card({ baselineBandwidthInGbps: '100' }), /baselineBandwidthInGbps is '100'/],
    ['the peak is below the baseline', card({ baselineBandwidthInGbps: 200, peakBandwidthInGbps: 100 }), /peakBandwidthInGbps is 100, below its baselineBandwidthInGbps of 200/],
    ['no card takes EFA', card({ efaSupported: false }), /no network card has efaSupported true/],
    ['supportedInterfaceTypes is empty', card({ supportedInterfaceTypes: [] }), /supportedInterfaceTypes is empty/],
    ['supportedInterfaceTypes holds a non-type', card({ supportedInterfaceTypes: ['efa_only'] }), /supportedInterfaceTypes\[0\] is 'efa_only'; it must be one of 'interface', 'efa', 'efa-only'/],
    ['supportedInterfaceTypes repeats a type', card({ supportedInterfaceTypes: ['efa', 'efa'] }), /list each interface type once/],
    ['an ENA-only card lists an EFA type', { networkCards: [good.networkCards[0], { networkCardIndex: 1, maximumNetworkInterfaces: 1, efaSupported: false, supportedInterfaceTypes: ['efa-only'] }] },
      /networkCards\[1\] has efaSupported false, but its supportedInterfaceTypes lists 'efa-only'/],
    ['an EFA card lists no EFA type', card({ supportedInterfaceTypes: ['interface'] }), /efaSupported true, but its supportedInterfaceTypes lists neither 'efa' nor 'efa-only'/],
    ['card 0 takes no primary', card({ supportedInterfaceTypes: ['efa-only'] }), /network card 0\) holds the primary interface.*lists 'efa-only'; add 'interface' or 'efa'/],
    ['defaultNetworkCardIndex names no card', { defaultNetworkCardIndex: 3 }, /defaultNetworkCardIndex is 3; it must be the index of a listed card \(0 to 0\)/],
    ['maximumNetworkInterfaces is -1', { maximumNetworkInterfaces: -1 }, /maximumNetworkInterfaces is -1; it must be a whole number from 1/],
    ['maximumNetworkInterfaces is NaN', { maximumNetworkInterfaces: NaN }, /maximumNetworkInterfaces is NaN/],
    ['ipv4AddressesPerInterface is 0', { ipv4AddressesPerInterface: 0 }, /ipv4AddressesPerInterface is 0/],
    ['ipv4AddressesPerInterface is fractional', { ipv4AddressesPerInterface: 2.5 }, /ipv4AddressesPerInterface is 2\.5/],
    ['the architecture is unknown', { architecture: 'arm' }, /architecture is 'arm'; it must be one of 'arm64', 'x86_64'/],
    ['an accelerator is malformed', { accelerators: [{ kind: 'tpu', manufacturer: 'X', name: 'Y', count: NaN }] }, /accelerators\[0\]\.kind is 'tpu'.*\n.*accelerators\[0\]\.count is NaN/],
    ['a placement strategy is unknown', { placementGroupStrategies: ['ring'] }, /placementGroupStrategies\[0\] is 'ring'/],
    ['verified is a string', { verified: 'yes' }, /verified is 'yes'; it must be true or false/],
    ['instanceType is missing', { instanceType: undefined }, /The capabilities: instanceType is missing; it must be a non-empty string/],
    ['instanceType is a token', { instanceType: Token.asString({ Ref: 'Type' }) }, /The capabilities: instanceType is an unresolved token/],
  ])('fails when %s', (_, change, message) => {
    const caps = { ...good, ...change } as unknown as InstanceTypeCapabilities;
    expect(() => EfaInstanceTypes.validateCapabilities(caps)).toThrow(message);
    expect(() => EfaInstanceTypes.validateCapabilities(caps)).toThrow('[cdk-efa:invalid-capabilities]');
    expect(() => EfaInstanceTypes.validateCapabilities(caps)).not.toThrow(/\$\{Token/);
  });

  test.each<[string, unknown]>([
    ['undefined', undefined], ['null', null], ['a string', 'p5.48xlarge'], ['a list', [good]], ['a number', 7],
  ])('fails when the capabilities are %s, with a cdk-efa error rather than a TypeError', (_, given) => {
    expect(() => EfaInstanceTypes.validateCapabilities(given as any)).toThrow(/The capabilities are .*, not an InstanceTypeCapabilities object.*cdk-efa:invalid-capabilities/);
    expect(() => EfaLayout.recommended(given as any)).toThrow(/cdk-efa:invalid-capabilities/);
    expect(() => EfaLayout.fromInterfaces(given as any, [])).toThrow(/cdk-efa:invalid-capabilities/);
    expect(EfaLayout.validate(given as any, []).join()).toMatch(/cdk-efa:invalid-capabilities/);
  });

  test('lists every problem of the shape together', () => {
    const caps = {
      ...good,
      maximumEfaInterfaces: -1,
      maximumNetworkInterfaces: NaN,
      networkCards: [null, { networkCardIndex: 1, maximumNetworkInterfaces: 1, baselineBandwidthInGbps: -5 }],
    } as unknown as InstanceTypeCapabilities;
    let message = '';
    try {
      EfaInstanceTypes.validateCapabilities(caps);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Invalid InstanceTypeCapabilities: 5 problems:\n/);
    for (const field of ['maximumEfaInterfaces is -1', 'networkCards[0] is null', 'networkCards[1].efaSupported is missing', 'networkCards[1].baselineBandwidthInGbps is -5', 'maximumNetworkInterfaces is NaN']) {
      expect(message).toContain(field);
    }
  });

  test(`echoes at most ${MAX_ECHOED_CHARACTERS} characters of a value`, () => {
    const caps = { ...good, instanceType: 'z'.repeat(100_000), architecture: 'a'.repeat(100_000) } as unknown as InstanceTypeCapabilities;
    let message = '';
    try {
      EfaInstanceTypes.validateCapabilities(caps);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`${'z'.repeat(MAX_ECHOED_CHARACTERS)}…: architecture is '${'a'.repeat(MAX_ECHOED_CHARACTERS)}…'`);
    expect(message.length).toBeLessThan(500);
  });
});
