import * as fc from 'fast-check';
import { parse, parseDocument } from 'yaml';
import { EfaInstanceTypes, EfaKarpenterLayout, EfaLayoutOptions, LayoutProfile } from '../../src';
import { main } from '../../src/cli/cli';
import { karpenterLayoutYaml, karpenterYaml } from '../../src/cli/karpenter-yaml';

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

/**
 * `spec.networkInterfaces` of the EKS User Guide's `EC2NodeClass` for p6-b200.48xlarge (1 ENA, 8 efa-only), written
 * as a Karpenter user would paste it.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
const USER_GUIDE_P6_B200 = `
networkInterfaces:
  - { networkCardIndex: 0, deviceIndex: 0, interfaceType: interface }
  - { networkCardIndex: 0, deviceIndex: 1, interfaceType: efa-only }
  - { networkCardIndex: 1, deviceIndex: 0, interfaceType: efa-only }
  - { networkCardIndex: 2, deviceIndex: 0, interfaceType: efa-only }
  - { networkCardIndex: 3, deviceIndex: 0, interfaceType: efa-only }
  - { networkCardIndex: 4, deviceIndex: 0, interfaceType: efa-only }
  - { networkCardIndex: 5, deviceIndex: 0, interfaceType: efa-only }
  - { networkCardIndex: 6, deviceIndex: 0, interfaceType: efa-only }
  - { networkCardIndex: 7, deviceIndex: 0, interfaceType: efa-only }
`;

describe('cdk-efa layout --format karpenter', () => {
  test.each(['p5.48xlarge', 'p6-b200.48xlarge'])('prints YAML that parses back into exactly the core\'s networkInterfaces for %s', (type) => {
    const { code, out, err } = run('layout', type, '--format', 'karpenter');
    expect(code).toBe(0);
    expect(err).toBe('');
    const expected = EfaKarpenterLayout.forInstanceType(type).networkInterfaces;
    expect(expected.length).toBeGreaterThan(8);
    expect(parse(out)).toStrictEqual({ networkInterfaces: expected });
  });

  test('prints the EKS User Guide\'s p6-b200.48xlarge EC2NodeClass networkInterfaces', () => {
    expect(parse(run('layout', 'p6-b200.48xlarge', '--format', 'karpenter').out)).toStrictEqual(parse(USER_GUIDE_P6_B200));
  });

  test('starts with comment lines naming the instance type and Karpenter v1.11, then a networkInterfaces key', () => {
    const out = run('layout', 'p5.48xlarge', '--format', 'karpenter').out;
    const lines = out.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      '# p5.48xlarge: 33 network interfaces, 32 EFA, 1 ENA, 1 IPv4 address per node, 3200 Gbps EFA bandwidth',
      '# Karpenter EC2NodeClass (karpenter.k8s.aws/v1) spec.networkInterfaces: needs Karpenter v1.11 or later',
      'networkInterfaces:',
      '  - networkCardIndex: 0',
      '    deviceIndex: 0',
      '    interfaceType: interface',
    ]);
    expect(lines).toHaveLength(2 + 1 + 33 * 3 + 1);
    expect(out.endsWith('    interfaceType: efa-only\n')).toBe(true);
    // The comments are YAML comments, not content, and nothing else is in the document.
    const doc = parseDocument(out);
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
    expect(doc.toJS()).toStrictEqual({ networkInterfaces: EfaKarpenterLayout.forInstanceType('p5.48xlarge').networkInterfaces });
  });

  test('prints the same YAML with or without --verbose, as karpenterYaml() renders it', () => {
    const out = run('layout', 'p6-b200.48xlarge', '--format', 'karpenter').out;
    expect(run('layout', 'p6-b200.48xlarge', '--format', 'karpenter', '--verbose').out).toBe(out);
    expect(karpenterYaml(EfaKarpenterLayout.forInstanceType('p6-b200.48xlarge'))).toBe(out);
    expect(karpenterLayoutYaml('p6-b200.48xlarge', {})).toBe(out);
  });

  test('takes --efa-count, --primary ena, --profile and --ena-cards, as the table and json formats do', () => {
    const cases: Array<[string[], EfaLayoutOptions]> = [
      [['--efa-count', '4'], { efaCount: 4 }],
      [['--primary', 'ena'], {}],
      [['--profile', 'max-bandwidth'], { profile: LayoutProfile.MAX_BANDWIDTH }],
      [['--ena-cards', '4,8'], { profile: LayoutProfile.enaOnCards([4, 8]) }],
    ];
    for (const [flags, options] of cases) {
      const { code, out } = run('layout', 'p5.48xlarge', '--format', 'karpenter', ...flags);
      expect(code).toBe(0);
      const expected = EfaKarpenterLayout.forInstanceType('p5.48xlarge', options).networkInterfaces;
      expect(parse(out)).toStrictEqual({ networkInterfaces: expected });
      // The same interfaces, in the same order, as --format json prints for these options.
      const json = JSON.parse(run('layout', 'p5.48xlarge', '--format', 'json', ...flags).out);
      expect(expected.map((i) => [i.networkCardIndex, i.deviceIndex, i.interfaceType]))
        .toEqual(json.map((i: Record<string, unknown>) => [i.NetworkCardIndex, i.DeviceIndex, i.InterfaceType]));
    }
    expect(parse(run('layout', 'p5.48xlarge', '--format', 'karpenter', '--efa-count', '4').out).networkInterfaces).toHaveLength(5);
    expect(run('layout', 'p5.48xlarge', '--format', 'karpenter', '--profile', 'max-bandwidth').out).toMatch(/^# p5\.48xlarge: .*8 ENA, 8 IPv4/);
  });

  test('prints a layout Karpenter takes for hpc6id.32xlarge with --primary ena', () => {
    const { code, out } = run('layout', 'hpc6id.32xlarge', '--format', 'karpenter', '--primary', 'ena');
    expect(code).toBe(0);
    expect(parse(out)).toStrictEqual({
      networkInterfaces: [
        { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' },
        { networkCardIndex: 1, deviceIndex: 0, interfaceType: 'efa-only' },
      ],
    });
  });

  test.each<[string, string[], RegExp]>([
    ['the recommended layout needs an efa interface (hpc6id.32xlarge)', ['layout', 'hpc6id.32xlarge'],
      /^cdk-efa: hpc6id\.32xlarge: AWS's recommended layout needs an 'efa' interface .*\[cdk-efa:karpenter-needs-efa-interface\]\n$/],
    ['--primary efa is asked for', ['layout', 'c5n.18xlarge', '--primary', 'efa'], /PrimaryInterface\.EFA.*\[cdk-efa:karpenter-needs-efa-interface\]\n$/],
    ['the type is unknown', ['layout', 'p5.48xlarg'], /^cdk-efa: Unknown instance type p5\.48xlarg.*Did you mean p5\.48xlarge/],
    ['the type does not support EFA', ['layout', 't3.micro'], /^cdk-efa: t3\.micro does not support EFA/],
    ['the EFA count is too high', ['layout', 'p6-b200.48xlarge', '--efa-count', '9'], /efaCount 9 is not possible/],
    ['max-bandwidth is not documented for the type', ['layout', 'trn2.48xlarge', '--profile', 'max-bandwidth'], /enaOnCards/],
  ])('fails when %s: exits 1 with one line on stderr, nothing on stdout and no stack trace', (_, argv, message) => {
    const { code, out, err } = run(...argv, '--format', 'karpenter');
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  test('is named in the help of layout', () => {
    const { code, out } = run('layout', '--help');
    expect(code).toBe(0);
    // commander wraps the help at 80 columns.
    const help = out.replace(/\s+/g, ' ');
    expect(help).toContain('(--format karpenter)');
    expect(help).toMatch(/--format <format> .*karpenter \(networkInterfaces YAML for a Karpenter EC2NodeClass spec, Karpenter v1\.11 or later\) \(choices: "table", "json", "karpenter", default: "table"\)/);
  });
});

describe('every table type, with any EFA count and profile (property)', () => {
  const TYPES = EfaInstanceTypes.all();
  const PROFILES: Record<string, LayoutProfile | undefined> = { 'none': undefined, 'single-ip': LayoutProfile.SINGLE_IP, 'max-bandwidth': LayoutProfile.MAX_BANDWIDTH };
  const cases = fc.constantFrom(...TYPES).chain((type) => fc.tuple(
    fc.constant(type),
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: EfaInstanceTypes.lookup(type).maximumEfaInterfaces }) },
      // Counts the type cannot meet.
      { weight: 1, arbitrary: fc.constantFrom(0, EfaInstanceTypes.lookup(type).maximumEfaInterfaces + 1) },
    ),
    fc.constantFrom('none', 'none', 'none', 'single-ip', 'max-bandwidth'),
  ));

  test('the YAML parses back into exactly the core\'s networkInterfaces, and a layout the core refuses fails with its error', () => {
    let printed = 0;
    let refused = 0;
    fc.assert(fc.property(cases, ([type, efaCount, profile]) => {
      const flags = [...(efaCount === undefined ? [] : ['--efa-count', String(efaCount)]), ...(profile === 'none' ? [] : ['--profile', profile])];
      const { code, out, err } = run('layout', type, '--format', 'karpenter', ...flags);
      let expected;
      try {
        expected = EfaKarpenterLayout.forInstanceType(type, { efaCount, profile: PROFILES[profile] });
      } catch (e) {
        // Only the library's own errors are refusals; the CLI prints the message on one line.
        const message = (e as Error).message;
        expect(message).toMatch(/\[cdk-efa:[a-z0-9-]+\]$/);
        expect({ code, out, err }).toEqual({ code: 1, out: '', err: `cdk-efa: ${message.replace(/\s*\n\s*/g, ' ')}\n` });
        refused++;
        return;
      }
      expect({ code, err }).toEqual({ code: 0, err: '' });
      expect(parse(out)).toStrictEqual({ networkInterfaces: expected.networkInterfaces });
      expect(out.startsWith(`# ${type}: `)).toBe(true);
      printed++;
    }), { numRuns: 300 });
    expect(printed + refused).toBe(300);
    expect(printed).toBeGreaterThanOrEqual(150);
    expect(refused).toBeGreaterThanOrEqual(30);
  });

  test('every table type but those that need an efa interface prints with the default options', () => {
    const refused: string[] = [];
    for (const type of TYPES) {
      const { code, out } = run('layout', type, '--format', 'karpenter');
      if (code !== 0) {
        refused.push(type);
        continue;
      }
      expect(parse(out)).toStrictEqual({ networkInterfaces: EfaKarpenterLayout.forInstanceType(type).networkInterfaces });
    }
    expect(refused).toEqual(['hpc6id.32xlarge']);
  });
});
