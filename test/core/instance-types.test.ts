import { Token } from 'aws-cdk-lib';
import { InstanceArchitecture } from 'aws-cdk-lib/aws-ec2';
import { AcceleratorKind, EfaInstanceTypes, InstanceTypeCapabilities } from '../../src';

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

  test('p6e-gb200.36xlarge: odd cards take one interface, Arm with NVIDIA GPUs', () => {
    const caps = EfaInstanceTypes.lookup('p6e-gb200.36xlarge');
    expect(caps.networkCards.filter((c) => c.maximumNetworkInterfaces === 1).map((c) => c.networkCardIndex)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
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
});

describe('validateCapabilities', () => {
  const good: InstanceTypeCapabilities = {
    instanceType: 'x9.big',
    efaSupported: true,
    maximumEfaInterfaces: 1,
    architecture: InstanceArchitecture.X86_64,
    networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 2, efaSupported: true }],
  };

  test('accepts a complete row', () => {
    expect(() => EfaInstanceTypes.validateCapabilities(good)).not.toThrow();
  });

  test.each<[string, Partial<InstanceTypeCapabilities>, RegExp]>([
    ['efaSupported is false', { efaSupported: false }, /does not support EFA/],
    ['maximumEfaInterfaces is 0', { maximumEfaInterfaces: 0 }, /maximumEfaInterfaces is 0/],
    ['there are no cards', { networkCards: [] }, /has no network cards/],
    ['cards are out of order', { networkCards: [{ networkCardIndex: 1, maximumNetworkInterfaces: 2, efaSupported: true }] }, /position 0 has networkCardIndex 1/],
    ['a card takes no interface', { networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 0, efaSupported: true }] }, /maximumNetworkInterfaces 0/],
    ['no card takes EFA', { networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 2, efaSupported: false }] }, /no network card with efaSupported true/],
  ])('fails when %s', (_, change, message) => {
    expect(() => EfaInstanceTypes.validateCapabilities({ ...good, ...change })).toThrow(message);
    expect(() => EfaInstanceTypes.validateCapabilities({ ...good, ...change })).toThrow(change.efaSupported === false ? 'cdk-efa:efa-not-supported' : 'cdk-efa:invalid-capabilities');
  });
});
