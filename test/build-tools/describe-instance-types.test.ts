import { readFileSync } from 'fs';
import * as path from 'path';
import { InstanceArchitecture, PlacementGroupStrategy } from 'aws-cdk-lib/aws-ec2';
import {
  DescribeInstanceTypesOutput,
  InstanceTypeInfo,
  mergeDescribeOutputs,
  parseDescribeOutput,
  RawDescribeInstanceTypesOutput,
  renderTableSource,
  toCapabilities,
} from '../../build-tools/describe-instance-types';
import { AcceleratorKind, InstanceTypeCapabilities } from '../../src/capabilities';

const REPO_ROOT = path.join(__dirname, '..', '..');
const DATA_FILE = path.join(REPO_ROOT, 'data', 'efa-instance-types.json');
const TABLE_FILE = path.join(REPO_ROOT, 'src', 'private', 'instance-types.generated.ts');
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
    expect(p5).not.toHaveProperty('ipv4AddressesPerInterface');
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
    expect(gb200.maximumNetworkInterfaces).toBe(26);
    expect(gb200).not.toHaveProperty('verified');
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

describe('renderTableSource', () => {
  test('the committed generated table matches the committed data byte for byte', () => {
    const expected = renderTableSource(committedData().InstanceTypes.map(toCapabilities));
    // On failure: run `npx projen update-instance-types` and commit the result.
    expect(readFileSync(TABLE_FILE, 'utf8')).toBe(expected);
  });

  test('imports only what the rows use and leaves out undefined fields', () => {
    const source = renderTableSource([{
      instanceType: 'c5n.18xlarge',
      efaSupported: true,
      maximumEfaInterfaces: 1,
      networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 15, efaSupported: true }],
      architecture: InstanceArchitecture.X86_64,
    }]);
    expect(source).toContain([
      "import { InstanceArchitecture } from 'aws-cdk-lib/aws-ec2';",
      "import { InstanceTypeCapabilities } from '../capabilities';",
      '',
    ].join('\n'));
    expect(source).toContain([
      '  {',
      "    instanceType: 'c5n.18xlarge',",
      '    efaSupported: true,',
      '    maximumEfaInterfaces: 1,',
      '    networkCards: [',
      '      { networkCardIndex: 0, maximumNetworkInterfaces: 15, efaSupported: true },',
      '    ],',
      '    architecture: InstanceArchitecture.X86_64,',
      '  },',
      '];',
      '',
    ].join('\n'));
    expect(source).not.toMatch(/ +$/m);
  });

  test('escapes quotes in strings', () => {
    const source = renderTableSource([{
      instanceType: "it's.large",
      efaSupported: true,
      maximumEfaInterfaces: 1,
      networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 1, efaSupported: true }],
      architecture: InstanceArchitecture.ARM_64,
      verified: false,
    }]);
    expect(source).toContain("instanceType: 'it\\'s.large',");
    expect(source).toContain('    verified: false,\n');
  });
});
