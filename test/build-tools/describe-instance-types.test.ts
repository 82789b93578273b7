import { readFileSync } from 'fs';
import * as path from 'path';
import { InstanceArchitecture, PlacementGroupStrategy } from 'aws-cdk-lib/aws-ec2';
import {
  DescribeInstanceTypesOutput,
  InstanceTypeInfo,
  mergeDescribeOutputs,
  parseDescribeOutput,
  parseUpdateArguments,
  patchDescribeOutputs,
  RawDescribeInstanceTypesOutput,
  renderTableJson,
  TABLE_NOTE,
  toCapabilities,
} from '../../build-tools/describe-instance-types';
import { AcceleratorKind, InstanceTypeCapabilities } from '../../src/core/capabilities';
import { InterfaceType } from '../../src/core/network-interface';

const REPO_ROOT = path.join(__dirname, '..', '..');
const DATA_FILE = path.join(REPO_ROOT, 'data', 'efa-instance-types.json');
const TABLE_FILE = path.join(REPO_ROOT, 'src', 'core', 'private', 'instance-types.generated.json');
const FIXTURES = path.join(__dirname, 'fixtures');

function readOutput(file: string): RawDescribeInstanceTypesOutput {
  const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return parseDescribeOutput(json, path.basename(file));
}

function fixture(name: string): RawDescribeInstanceTypesOutput {
  return readOutput(path.join(FIXTURES, name));
}

let committed: DescribeInstanceTypesOutput | undefined;

/** The committed data, read the way the CLI reads it (once). */
function committedData(): DescribeInstanceTypesOutput {
  committed ??= mergeDescribeOutputs(readOutput(DATA_FILE), []).output;
  return committed;
}

function entry(output: DescribeInstanceTypesOutput, instanceType: string): InstanceTypeInfo {
  const found = output.InstanceTypes.find((info) => info.InstanceType === instanceType);
  if (found === undefined) throw new Error(`${instanceType} not in the output`);
  return found;
}

function capabilities(instanceType: string): InstanceTypeCapabilities {
  return toCapabilities(entry(committedData(), instanceType));
}

function names(output: DescribeInstanceTypesOutput): string[] {
  return output.InstanceTypes.map((info) => info.InstanceType);
}

describe('mergeDescribeOutputs', () => {
  const base = fixture('base.json');
  const usEast1 = fixture('us-east-1.json');
  const usWest2 = fixture('us-west-2.json');
  const merged = mergeDescribeOutputs(base, [usEast1, usWest2], { sourceNames: ['us-east-1.json', 'us-west-2.json'] });

  test('keeps only the EC2 fields cdk-efa uses', () => {
    const p5 = entry(merged.output, 'p5.48xlarge');
    expect(Object.keys(p5)).toEqual(['InstanceType', 'ProcessorInfo', 'NetworkInfo', 'GpuInfo', 'PlacementGroupInfo', 'CdkEfa']);
    expect(p5.ProcessorInfo).toEqual({ SupportedArchitectures: ['x86_64'] });
    expect(Object.keys(p5.NetworkInfo ?? {})).toEqual([
      'MaximumNetworkInterfaces',
      'MaximumNetworkCards',
      'DefaultNetworkCardIndex',
      'NetworkCards',
      'Ipv4AddressesPerInterface',
      'EfaSupported',
      'EfaInfo',
    ]);
    expect(p5.NetworkInfo?.NetworkCards?.[5]).toEqual({
      NetworkCardIndex: 5,
      MaximumNetworkInterfaces: 2,
      BaselineBandwidthInGbps: 100,
      PeakBandwidthInGbps: 100,
    });
    expect(p5.GpuInfo).toEqual({ Gpus: [{ Name: 'H100', Manufacturer: 'NVIDIA', Count: 8 }] });
    expect(entry(merged.output, 'trn2.3xlarge').NeuronInfo).toEqual({ NeuronDevices: [{ Name: 'Trainium2', Count: 1 }] });
  });

  test('drops types that do not support EFA', () => {
    expect(names(merged.output)).not.toContain('m5.large');
  });

  test('keeps the base overlay and removes Verified: false once EC2 reports the type', () => {
    const baseTrn2 = entry(mergeDescribeOutputs(base, []).output, 'trn2.3xlarge');
    expect(baseTrn2.CdkEfa?.Verified).toBe(false);

    const trn2 = entry(merged.output, 'trn2.3xlarge');
    expect(trn2.CdkEfa).toEqual({ Source: baseTrn2.CdkEfa?.Source, Notes: baseTrn2.CdkEfa?.Notes });
    expect(trn2.NetworkInfo?.Ipv4AddressesPerInterface).toBe(30);
    expect(toCapabilities(trn2).verified).toBeUndefined();
    expect(entry(merged.output, 'p5.48xlarge').CdkEfa).toEqual({ Source: 'K+C' });
  });

  test('keeps base types absent from the fresh outputs, unchanged', () => {
    expect(entry(merged.output, 'c5n.18xlarge')).toEqual(entry(mergeDescribeOutputs(base, []).output, 'c5n.18xlarge'));
  });

  test('adds types found only in the fresh outputs, without an overlay', () => {
    expect(merged.added).toEqual(['p7.48xlarge']);
    const p7 = entry(merged.output, 'p7.48xlarge');
    expect(p7.CdkEfa).toBeUndefined();
    expect(p7.NetworkInfo?.NetworkCards).toHaveLength(16);
    expect(toCapabilities(p7).maximumEfaInterfaces).toBe(16);
  });

  test('reports base types whose entry changed as updated', () => {
    expect(merged.updated).toEqual(['p5.48xlarge', 'trn2.3xlarge']);
  });

  test('the later file wins a disagreement, which is reported', () => {
    expect(entry(merged.output, 'p5.48xlarge').NetworkInfo?.Ipv4AddressesPerInterface).toBe(64);
    expect(merged.warnings).toEqual([
      'p5.48xlarge: us-east-1.json and us-west-2.json disagree; using us-west-2.json (NetworkInfo.Ipv4AddressesPerInterface: 50 vs 64)',
    ]);

    const reversed = mergeDescribeOutputs(base, [usWest2, usEast1]);
    expect(entry(reversed.output, 'p5.48xlarge').NetworkInfo?.Ipv4AddressesPerInterface).toBe(50);
    expect(reversed.warnings).toEqual([expect.stringContaining('fresh output 1 and fresh output 2 disagree; using fresh output 2')]);
  });

  test('sorts by instance type', () => {
    expect(names(merged.output)).toEqual(['c5n.18xlarge', 'p5.48xlarge', 'p7.48xlarge', 'trn2.3xlarge']);
  });

  test('is idempotent on the committed data', () => {
    const data = committedData();
    const again = mergeDescribeOutputs(data, []);
    expect(again.output).toEqual(data);
    expect(again.warnings).toEqual([]);
    expect(again.added).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(JSON.stringify(data, undefined, 2) + '\n').toBe(readFileSync(DATA_FILE, 'utf8'));
  });

  test('merges fresh outputs into the committed data', () => {
    const result = mergeDescribeOutputs(committedData(), [usEast1, usWest2]);
    expect(result.output.InstanceTypes).toHaveLength(committedData().InstanceTypes.length + 1);
    expect(result.added).toEqual(['p7.48xlarge']);
  });

  test('warns when a fresh output reports no EFA support for a known type', () => {
    const noEfa = { InstanceTypes: [{ InstanceType: 'c5n.18xlarge', NetworkInfo: { EfaSupported: false } }] };
    const result = mergeDescribeOutputs(base, [noEfa], { sourceNames: ['eu-west-1.json'] });
    expect(result.warnings).toEqual(['c5n.18xlarge: eu-west-1.json does not report EFA support; ignored that entry']);
    expect(names(result.output)).toContain('c5n.18xlarge');
  });

  test('fails on a field of the wrong type, naming the type and the field', () => {
    const broken = {
      InstanceTypes: [{ InstanceType: 'p5.48xlarge', NetworkInfo: { EfaSupported: true, NetworkCards: [{ NetworkCardIndex: '0' }] } }],
    };
    expect(() => mergeDescribeOutputs(base, [broken])).toThrow(
      'p5.48xlarge: NetworkInfo.NetworkCards[0].NetworkCardIndex must be a number, got "0"',
    );
  });

  test('fails on an entry without InstanceType', () => {
    expect(() => mergeDescribeOutputs(base, [{ InstanceTypes: [{}] }], { sourceNames: ['x.json'] })).toThrow(
      'x.json: InstanceTypes[0] must be an object with a non-empty string InstanceType',
    );
  });
});

/** A patch setting `NetworkInfo.Ipv4AddressesPerInterface`, the way one cut from the VPC CNI limits file looks. */
function ipv4Patch(figures: Readonly<Record<string, number>>): RawDescribeInstanceTypesOutput {
  return {
    InstanceTypes: Object.entries(figures).map(([InstanceType, Ipv4AddressesPerInterface]) => ({
      InstanceType, NetworkInfo: { Ipv4AddressesPerInterface },
    })),
  };
}

describe('patchDescribeOutputs', () => {
  const base = fixture('base.json');
  const before = mergeDescribeOutputs(base, []).output;

  test('adds the patched field and keeps every other field, in the order EC2 uses', () => {
    const result = patchDescribeOutputs(base, [ipv4Patch({ 'p5.48xlarge': 50, 'trn2.3xlarge': 15 })]);
    const p5 = entry(result.output, 'p5.48xlarge');
    const { NetworkInfo: network, ...rest } = entry(before, 'p5.48xlarge');
    expect(p5).toEqual({ ...rest, NetworkInfo: { ...network, Ipv4AddressesPerInterface: 50 } });
    expect(Object.keys(p5.NetworkInfo ?? {})).toEqual([
      'MaximumNetworkInterfaces', 'MaximumNetworkCards', 'DefaultNetworkCardIndex', 'NetworkCards', 'Ipv4AddressesPerInterface',
      'EfaSupported', 'EfaInfo',
    ]);
    expect(toCapabilities(p5).ipv4AddressesPerInterface).toBe(50);
    expect(toCapabilities(entry(result.output, 'trn2.3xlarge')).ipv4AddressesPerInterface).toBe(15);
  });

  test('leaves types the patch does not name unchanged, and reports only changed types as updated', () => {
    const result = patchDescribeOutputs(base, [ipv4Patch({ 'p5.48xlarge': 50 })]);
    expect(entry(result.output, 'c5n.18xlarge')).toEqual(entry(before, 'c5n.18xlarge'));
    expect(result.updated).toEqual(['p5.48xlarge']);
    expect(result.added).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(names(result.output)).toEqual(names(before));
  });

  test('keeps Verified: false, Notes and a Source that already names the tag', () => {
    const result = patchDescribeOutputs(base, [ipv4Patch({ 'trn2.3xlarge': 15, 'p5.48xlarge': 50 })], { sourceTag: 'C' });
    expect(entry(result.output, 'trn2.3xlarge').CdkEfa).toEqual(entry(before, 'trn2.3xlarge').CdkEfa);
    expect(entry(result.output, 'trn2.3xlarge').CdkEfa?.Verified).toBe(false);
    expect(entry(result.output, 'p5.48xlarge').CdkEfa).toEqual({ Source: 'K+C' });
  });

  test('adds the source tag to the Source of patched entries only', () => {
    const noOverlay = { InstanceTypes: [...base.InstanceTypes, { ...(entry(before, 'p5.48xlarge')), InstanceType: 'p5.4xlarge', CdkEfa: undefined }] };
    const result = patchDescribeOutputs(noOverlay, [ipv4Patch({ 'trn2.3xlarge': 15, 'p5.4xlarge': 30 })], { sourceTag: 'E' });
    expect(entry(result.output, 'trn2.3xlarge').CdkEfa).toMatchObject({ Source: 'D(list)+C+Kbw+E', Verified: false });
    expect(entry(result.output, 'p5.4xlarge').CdkEfa).toEqual({ Source: 'E' });
    expect(entry(result.output, 'p5.48xlarge').CdkEfa).toEqual({ Source: 'K+C' });
  });

  test('an entry with no field cdk-efa reads changes nothing, not even the Source', () => {
    const result = patchDescribeOutputs(base, [{ InstanceTypes: [{ InstanceType: 'p5.48xlarge', VCpuInfo: { DefaultVCpus: 192 }, NetworkInfo: {} }] }], {
      sourceTag: 'E',
    });
    expect(result.output).toEqual(before);
    expect(result.updated).toEqual([]);
  });

  test('merges nested objects key by key', () => {
    const patch = { InstanceTypes: [{ InstanceType: 'p5.48xlarge', NetworkInfo: { EfaInfo: { MaximumEfaInterfaces: 16 } } }] };
    const p5 = entry(patchDescribeOutputs(base, [patch]).output, 'p5.48xlarge');
    expect(p5.NetworkInfo?.EfaInfo).toEqual({ MaximumEfaInterfaces: 16 });
    expect(p5.NetworkInfo?.NetworkCards).toEqual(entry(before, 'p5.48xlarge').NetworkInfo?.NetworkCards);
  });

  test('the later patch wins', () => {
    const result = patchDescribeOutputs(base, [ipv4Patch({ 'p5.48xlarge': 64 }), ipv4Patch({ 'p5.48xlarge': 50 })]);
    expect(entry(result.output, 'p5.48xlarge').NetworkInfo?.Ipv4AddressesPerInterface).toBe(50);
  });

  test('warns once per patch about types not in the base data, and never adds them', () => {
    const result = patchDescribeOutputs(base, [ipv4Patch({ 'm5.large': 10, 'a1.medium': 4, 'p5.48xlarge': 50 })], { sourceNames: ['cni.json'] });
    expect(names(result.output)).toEqual(names(before));
    expect(result.warnings).toEqual([
      'cni.json: ignored 2 entries whose type is not in the base data (a patch never adds a type): a1.medium; m5.large',
    ]);
  });

  test('warns and ignores an entry that would turn EFA support off', () => {
    const patch = { InstanceTypes: [{ InstanceType: 'c5n.18xlarge', NetworkInfo: { EfaSupported: false, Ipv4AddressesPerInterface: 50 } }] };
    const result = patchDescribeOutputs(base, [patch]);
    expect(entry(result.output, 'c5n.18xlarge')).toEqual(entry(before, 'c5n.18xlarge'));
    expect(result.warnings).toEqual(['c5n.18xlarge: patch 1 would leave NetworkInfo.EfaSupported other than true; ignored that entry']);
  });

  test('fails on a field of the wrong type, naming the type and the field', () => {
    const patch = { InstanceTypes: [{ InstanceType: 'p5.48xlarge', NetworkInfo: { Ipv4AddressesPerInterface: '50' } }] };
    expect(() => patchDescribeOutputs(base, [patch])).toThrow('p5.48xlarge: NetworkInfo.Ipv4AddressesPerInterface must be a number, got "50"');
  });

  test.each(['', ' C', 'C+K'])('fails when the source tag is %p', (sourceTag) => {
    expect(() => patchDescribeOutputs(base, [], { sourceTag })).toThrow(/source tag .* must be non-empty, without "\+" or surrounding spaces/);
  });

  test('patching the committed data with its own figures changes nothing', () => {
    const data = committedData();
    const figures = Object.fromEntries(data.InstanceTypes
      .filter((info) => info.NetworkInfo?.Ipv4AddressesPerInterface !== undefined)
      .map((info) => [info.InstanceType, info.NetworkInfo?.Ipv4AddressesPerInterface ?? 0]));
    expect(Object.keys(figures).length).toBeGreaterThan(290);
    const result = patchDescribeOutputs(data, [ipv4Patch(figures)], { sourceTag: 'C' });
    expect(result.output).toEqual(data);
    expect(result.updated).toEqual([]);
    expect(result.warnings).toEqual([]);
  });
});

describe('parseUpdateArguments', () => {
  test('files alone are describe-instance-types output', () => {
    expect(parseUpdateArguments([])).toEqual({ patch: false, files: [] });
    expect(parseUpdateArguments(['a.json', 'b.json'])).toEqual({ patch: false, files: ['a.json', 'b.json'] });
  });

  test('--patch and --source=TAG, in any place', () => {
    expect(parseUpdateArguments(['--patch', '--source=C', 'cni.json'])).toEqual({ patch: true, sourceTag: 'C', files: ['cni.json'] });
    expect(parseUpdateArguments(['cni.json', '--source=C', '--patch'])).toEqual({ patch: true, sourceTag: 'C', files: ['cni.json'] });
  });

  test('fails on an unknown option', () => {
    expect(() => parseUpdateArguments(['--merge', 'a.json'])).toThrow('unknown option --merge; usage: update-instance-types [--patch [--source=TAG]] [file ...]');
  });

  test('fails on --source without a tag or without --patch', () => {
    expect(() => parseUpdateArguments(['--patch', '--source='])).toThrow('--source needs a tag, for example --source=C');
    expect(() => parseUpdateArguments(['--source=C', 'a.json'])).toThrow(/--source only applies to patches; add --patch/);
  });
});

describe('parseDescribeOutput', () => {
  test('rejects JSON that is not DescribeInstanceTypes output', () => {
    expect(() => parseDescribeOutput({ Reservations: [] }, 'x.json')).toThrow(
      'x.json: expected DescribeInstanceTypes output, an object with an "InstanceTypes" array',
    );
    expect(() => parseDescribeOutput([], 'x.json')).toThrow(/x\.json/);
  });
});

describe('toCapabilities', () => {
  test('p5.48xlarge: 32 cards of 2 interfaces, all EFA-capable', () => {
    const p5 = capabilities('p5.48xlarge');
    expect(p5).toMatchObject({
      instanceType: 'p5.48xlarge',
      efaSupported: true,
      maximumEfaInterfaces: 32,
      defaultNetworkCardIndex: 0,
      maximumNetworkInterfaces: 64,
      ipv4AddressesPerInterface: 50,
      architecture: InstanceArchitecture.X86_64,
      accelerators: [{ kind: AcceleratorKind.GPU, manufacturer: 'NVIDIA', name: 'H100', count: 8 }],
      placementGroupStrategies: [PlacementGroupStrategy.CLUSTER, PlacementGroupStrategy.PARTITION, PlacementGroupStrategy.SPREAD],
    });
    expect(p5.networkCards).toHaveLength(32);
    expect(p5.networkCards[31]).toEqual({
      networkCardIndex: 31,
      maximumNetworkInterfaces: 2,
      efaSupported: true,
      baselineBandwidthInGbps: 100,
      peakBandwidthInGbps: 100,
    });
    expect(p5.networkCards.every((card) => card.efaSupported)).toBe(true);
    expect(p5).not.toHaveProperty('verified');
  });

  test('p6-b300.48xlarge: card 0 cannot carry an EFA and has no known bandwidth', () => {
    const b300 = capabilities('p6-b300.48xlarge');
    expect(b300.networkCards).toHaveLength(17);
    expect(b300.maximumEfaInterfaces).toBe(16);
    expect(b300.networkCards[0]).toEqual({ networkCardIndex: 0, maximumNetworkInterfaces: 4, efaSupported: false });
    expect(b300.networkCards.slice(1).every((card) => card.efaSupported && card.baselineBandwidthInGbps === 400)).toBe(true);
  });

  test('p6e-gb200.36xlarge: odd cards take one interface, card 0 no EFA, Grace CPU', () => {
    const gb200 = capabilities('p6e-gb200.36xlarge');
    expect(gb200.architecture).toBe(InstanceArchitecture.ARM_64);
    expect(gb200.accelerators).toEqual([{ kind: AcceleratorKind.GPU, manufacturer: 'NVIDIA', name: 'GB200', count: 4 }]);
    expect(gb200.networkCards.map((card) => card.maximumNetworkInterfaces)).toEqual([2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]);
    expect(gb200.networkCards.map((card) => card.efaSupported)).toEqual([false, ...new Array<boolean>(16).fill(true)]);
    // CdkEfa.EfaOnlyNetworkCards: the odd cards take only efa-only (efa-rules §2); the others keep the default.
    expect(gb200.networkCards.map((card) => card.supportedInterfaceTypes?.join() ?? '-'))
      .toEqual(['-', ...new Array<string[]>(8).fill([InterfaceType.EFA_ONLY, '-']).flat()]);
    expect(gb200.maximumNetworkInterfaces).toBe(26);
    expect(gb200).not.toHaveProperty('verified');
    // Not in the VPC CNI limits file, so the IPv4 figure is unknown and left out.
    expect(gb200).not.toHaveProperty('ipv4AddressesPerInterface');
  });

  test('inferred rows are unverified', () => {
    expect(capabilities('trn2.3xlarge').verified).toBe(false);
    expect(capabilities('trn2u.48xlarge')).toMatchObject({
      verified: false,
      maximumEfaInterfaces: 16,
      accelerators: [{ kind: AcceleratorKind.NEURON, manufacturer: 'AWS', name: 'Trainium2', count: 16 }],
    });
  });

  test('Graviton and Qualcomm rows', () => {
    expect(capabilities('hpc7g.16xlarge').architecture).toBe(InstanceArchitecture.ARM_64);
    expect(capabilities('dl2q.24xlarge').accelerators).toEqual([
      { kind: AcceleratorKind.INFERENCE, manufacturer: 'Qualcomm', name: 'AI100', count: 8 },
    ]);
  });

  test('fails when an entry has no NetworkCards', () => {
    const info: InstanceTypeInfo = {
      InstanceType: 'x9.large',
      ProcessorInfo: { SupportedArchitectures: ['x86_64'] },
      NetworkInfo: { EfaSupported: true, EfaInfo: { MaximumEfaInterfaces: 1 } },
    };
    expect(() => toCapabilities(info)).toThrow('x9.large: missing required field NetworkInfo.NetworkCards');
  });

  test('fails when the overlay names a card that does not exist', () => {
    const info: InstanceTypeInfo = {
      InstanceType: 'x9.large',
      ProcessorInfo: { SupportedArchitectures: ['x86_64'] },
      NetworkInfo: {
        EfaSupported: true,
        EfaInfo: { MaximumEfaInterfaces: 1 },
        NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 2 }],
      },
      CdkEfa: { EfaUnsupportedNetworkCards: [1] },
    };
    expect(() => toCapabilities(info)).toThrow('x9.large: CdkEfa.EfaUnsupportedNetworkCards lists card 1, which does not exist');
  });

  const withOverlay = (overlay: InstanceTypeInfo['CdkEfa']): InstanceTypeInfo => ({
    InstanceType: 'x9.large',
    ProcessorInfo: { SupportedArchitectures: ['x86_64'] },
    NetworkInfo: {
      EfaSupported: true,
      EfaInfo: { MaximumEfaInterfaces: 2 },
      NetworkCards: [{ NetworkCardIndex: 0, MaximumNetworkInterfaces: 2 }, { NetworkCardIndex: 1, MaximumNetworkInterfaces: 1 }],
    },
    CdkEfa: overlay,
  });

  test('EfaOnlyNetworkCards restricts those cards to efa-only', () => {
    expect(toCapabilities(withOverlay({ EfaOnlyNetworkCards: [1] })).networkCards).toEqual([
      { networkCardIndex: 0, maximumNetworkInterfaces: 2, efaSupported: true },
      { networkCardIndex: 1, maximumNetworkInterfaces: 1, efaSupported: true, supportedInterfaceTypes: [InterfaceType.EFA_ONLY] },
    ]);
  });

  test.each<[string, InstanceTypeInfo['CdkEfa'], string]>([
    ['names a card that does not exist', { EfaOnlyNetworkCards: [2] }, 'x9.large: CdkEfa.EfaOnlyNetworkCards lists card 2, which does not exist'],
    ['names a card that takes no EFA', { EfaUnsupportedNetworkCards: [1], EfaOnlyNetworkCards: [1] }, 'x9.large: CdkEfa lists card 1 both as EfaUnsupportedNetworkCards and as EfaOnlyNetworkCards'],
    ['names card 0', { EfaOnlyNetworkCards: [0] }, "x9.large: CdkEfa.EfaOnlyNetworkCards lists card 0, which holds the primary interface ('interface' or 'efa')"],
  ])('fails when EfaOnlyNetworkCards %s', (_, overlay, message) => {
    expect(() => toCapabilities(withOverlay(overlay))).toThrow(message);
  });

  test('reads EfaOnlyNetworkCards from the data and keeps it through a refresh', () => {
    const base = { InstanceTypes: [{ ...withOverlay({ Source: 'D', EfaOnlyNetworkCards: [1] }) }] };
    const fresh = { InstanceTypes: [{ ...withOverlay(undefined), CdkEfa: undefined }] };
    const merged = mergeDescribeOutputs(base, [fresh]).output.InstanceTypes[0];
    expect(merged.CdkEfa).toEqual({ Source: 'D', EfaOnlyNetworkCards: [1] });
    expect(() => mergeDescribeOutputs({ InstanceTypes: [{ ...withOverlay(undefined), CdkEfa: { EfaOnlyNetworkCards: ['1'] } }] }, []))
      .toThrow(/CdkEfa\.EfaOnlyNetworkCards\[0\] must be a number, got "1"/);
  });

  test('every row of the committed data converts', () => {
    const rows = committedData().InstanceTypes.map((info) => {
      const row = toCapabilities(info);
      expect(row.networkCards).toHaveLength(info.NetworkInfo?.MaximumNetworkCards ?? -1);
      expect(row.maximumNetworkInterfaces).toBe(row.networkCards.reduce((sum, card) => sum + card.maximumNetworkInterfaces, 0));
      return row;
    });
    expect(rows.find((row) => row.instanceType === 'p5.48xlarge')?.networkCards).toHaveLength(32);
  });
});

describe('renderTableJson', () => {
  const minimal: InstanceTypeCapabilities = {
    instanceType: 'c5n.18xlarge',
    efaSupported: true,
    maximumEfaInterfaces: 1,
    networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 15, efaSupported: true }],
    architecture: InstanceArchitecture.X86_64,
  };

  test('the committed generated table matches the committed data byte for byte', () => {
    const expected = renderTableJson(committedData().InstanceTypes.map(toCapabilities));
    // On failure: run `npx projen update-instance-types` and commit the result.
    expect(readFileSync(TABLE_FILE, 'utf8')).toBe(expected);
  });

  test('writes compact JSON: the note, then one row per line, leaving out undefined fields', () => {
    const text = renderTableJson([minimal, { ...minimal, instanceType: 'c5n.9xlarge', verified: false }]);
    expect(text.split('\n')).toEqual([
      `{"//":${JSON.stringify(TABLE_NOTE)},"instanceTypes":[`,
      '{"instanceType":"c5n.18xlarge","efaSupported":true,"maximumEfaInterfaces":1,"networkCards":[{"networkCardIndex":0,"maximumNetworkInterfaces":15,"efaSupported":true}],"architecture":"x86_64"},',
      '{"instanceType":"c5n.9xlarge","efaSupported":true,"maximumEfaInterfaces":1,"networkCards":[{"networkCardIndex":0,"maximumNetworkInterfaces":15,"efaSupported":true}],"architecture":"x86_64","verified":false}',
      ']}',
      '',
    ]);
  });

  test('parses back to the same rows, enum values and escaped strings included', () => {
    const rows: InstanceTypeCapabilities[] = [{
      instanceType: "it's.\"large\"",
      efaSupported: true,
      maximumEfaInterfaces: 2,
      networkCards: [
        { networkCardIndex: 0, maximumNetworkInterfaces: 2, efaSupported: true, baselineBandwidthInGbps: 100, peakBandwidthInGbps: 100 },
        { networkCardIndex: 1, maximumNetworkInterfaces: 1, efaSupported: true, supportedInterfaceTypes: [InterfaceType.EFA_ONLY] },
      ],
      defaultNetworkCardIndex: 0,
      maximumNetworkInterfaces: 3,
      ipv4AddressesPerInterface: 50,
      architecture: InstanceArchitecture.ARM_64,
      accelerators: [{ kind: AcceleratorKind.GPU, manufacturer: 'NVIDIA', name: 'H100', count: 8 }],
      placementGroupStrategies: [PlacementGroupStrategy.CLUSTER],
      verified: false,
    }];
    expect(JSON.parse(renderTableJson(rows)).instanceTypes).toEqual(rows);
  });

  test('fails on a row the capabilities check refuses, naming the problem', () => {
    expect(() => renderTableJson([minimal, { ...minimal, instanceType: 'x9.large', maximumEfaInterfaces: 0 }]))
      .toThrow(/invalid rows:\n- x9\.large: maximumEfaInterfaces is 0/);
  });
});
