import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import { EfaChecks, EfaCluster, EfaInstanceTypes, EfaLaunchTemplate } from '../../src';
import { main } from '../../src/cli/cli';

/** Writes `bad.template.json` with the given text into `dir` (a new folder by default); returns its path. */
function writeText(dir: string, text: string): string {
  const file = path.join(dir, 'bad.template.json');
  fs.writeFileSync(file, text);
  return file;
}

function writeTemplate(template: unknown, dir: string = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'))): string {
  return writeText(dir, JSON.stringify(template));
}

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

/** A failed run: exit code 1, nothing on stdout, one line on stderr matching `message`, no stack trace. */
function expectCleanFailure(argv: string[], message: RegExp): void {
  const { code, out, err } = run(...argv);
  expect(code).toBe(1);
  expect(out).toBe('');
  expect(err).toMatch(message);
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

describe('cdk-efa layout', () => {
  test('prints CloudFormation NetworkInterfaces entries with exactly the three layout keys, in layout order', () => {
    const { code, out } = run('layout', 'p6-b200.48xlarge', '--format', 'json');
    expect(code).toBe(0);
    const entries = JSON.parse(out);
    expect(entries).toHaveLength(9);
    expect(entries[0]).toEqual({ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'interface' });
    expect(entries[1]).toEqual({ NetworkCardIndex: 0, DeviceIndex: 1, InterfaceType: 'efa-only' });
    expect(entries[8]).toEqual({ NetworkCardIndex: 7, DeviceIndex: 0, InterfaceType: 'efa-only' });
  });

  test('prints a summary and a compact table by default, one row per run of cards', () => {
    const { code, out } = run('layout', 'p5.48xlarge');
    expect(code).toBe(0);
    expect(out).toBe([
      'p5.48xlarge: 33 network interfaces, 32 EFA, 1 ENA, 1 IPv4 address per node, 3200 Gbps EFA bandwidth',
      'CARD  DEVICE  TYPE',
      '0     0       interface',
      '0     1       efa-only',
      '1–31  0       efa-only',
      '',
    ].join('\n'));
  });

  test('prints one row per interface with --verbose', () => {
    const lines = run('layout', 'p5.48xlarge', '--verbose').out.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 33);
    expect(lines.slice(1, 4)).toEqual(['CARD  DEVICE  TYPE', '0     0       interface', '0     1       efa-only']);
    expect(lines[34]).toBe('31    0       efa-only');
  });

  test('prints the same JSON with or without --verbose', () => {
    expect(run('layout', 'p5.48xlarge', '--format', 'json', '--verbose').out).toBe(run('layout', 'p5.48xlarge', '--format', 'json').out);
  });

  test('takes --efa-count, --primary, --profile and --ena-cards', () => {
    expect(JSON.parse(run('layout', 'p5.48xlarge', '--efa-count', '4', '--format', 'json').out)).toHaveLength(5);
    expect(JSON.parse(run('layout', 'c5n.18xlarge', '--primary', 'efa', '--format', 'json').out)).toEqual([{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }]);
    expect(run('layout', 'p5.48xlarge', '--profile', 'max-bandwidth').out).toMatch(/8 ENA, 8 IPv4/);
    expect(run('layout', 'p5.48xlarge', '--ena-cards', '4,8').out).toMatch(/3 ENA/);
  });

  test.each<[string, string[], RegExp]>([
    ['the type is unknown', ['layout', 'p5.48xlarg'], /^cdk-efa: Unknown instance type p5\.48xlarg.*Did you mean p5\.48xlarge/],
    ['the type does not support EFA', ['layout', 't3.micro'], /^cdk-efa: t3\.micro does not support EFA/],
    ['the EFA count is too high', ['layout', 'p6-b200.48xlarge', '--efa-count', '9'], /efaCount 9 is not possible/],
    ['the EFA count is not a number', ['layout', 'p5.48xlarge', '--efa-count', 'many'], /'many' is not a whole number/],
    ['the primary is not ena or efa', ['layout', 'p5.48xlarge', '--primary', 'foo'], /argument 'foo' is invalid/],
    ['--profile and --ena-cards are both given', ['layout', 'p5.48xlarge', '--profile', 'single-ip', '--ena-cards', '4'], /give one of them/],
    ['max-bandwidth is not documented for the type', ['layout', 'trn2.48xlarge', '--profile', 'max-bandwidth'], /enaOnCards/],
    ['the command is unknown', ['frobnicate'], /unknown command/],
  ])('fails when %s: exits non-zero with one line on stderr and no stack trace', (_, argv, message) => expectCleanFailure(argv, message));
});

describe('cdk-efa instance-types', () => {
  test('lists every type in a table', () => {
    const { code, out } = run('instance-types');
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^INSTANCE TYPE\s+CARDS\s+MAX EFA\s+EFA GBPS\s+ARCH\s+ACCELERATORS$/);
    expect(out).toMatch(/\np5\.48xlarge\s+32\s+32\s+3200\s+x86_64\s+8x H100\n/);
  });

  test('filters with --min-efa and prints JSON', () => {
    const rows = JSON.parse(run('instance-types', '--min-efa', '16', '--format', 'json').out);
    expect(rows.map((r: { instanceType: string }) => r.instanceType)).toEqual(expect.arrayContaining(['p5.48xlarge', 'p5en.48xlarge', 'trn2.48xlarge', 'p6-b300.48xlarge']));
    expect(rows.every((r: { maximumEfaInterfaces: number }) => r.maximumEfaInterfaces >= 16)).toBe(true);
    expect(rows.map((r: { instanceType: string }) => r.instanceType)).not.toContain('c5n.18xlarge');
  });

  test('fails when --min-efa is not a number: exits non-zero with one line on stderr and no stack trace', () => {
    expectCleanFailure(['instance-types', '--min-efa', 'x'], /not a whole number/);
  });

  test('fails when the format is unknown: exits non-zero with one line on stderr and no stack trace', () => {
    expectCleanFailure(['instance-types', '--format', 'xml'], /argument 'xml' is invalid/);
  });
});

describe('cdk-efa inspect', () => {
  /**
   * A cloud assembly with two stacks: a p5.48xlarge launch template, and an EKS cluster with two EFA node groups (one
   * whose subnet the offering check chooses in a zone ID, one in a named subnet) plus a launch template with 4 of its 32
   * EFAs, which EfaChecks warns about.
   */
  function synthesize(): string {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')) });
    const stack = new Stack(app, 'Inspect');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    new EfaLaunchTemplate(stack, 'P5', { vpc, instanceType: new ec2.InstanceType('p5.48xlarge') });

    const eksStack = new Stack(app, 'Eks');
    const eksVpc = new ec2.Vpc(eksStack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new eksv2.Cluster(eksStack, 'Cluster', {
      vpc: eksVpc,
      version: eksv2.KubernetesVersion.V1_34,
      defaultCapacityType: eksv2.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      kubectlProviderOptions: { kubectlLayer: new KubectlV34Layer(eksStack, 'Kubectl') },
    });
    const efaCluster = EfaCluster.fromClusterV2(cluster);
    efaCluster.addEfaNodeGroup('Chosen', { instanceTypes: [new ec2.InstanceType('p5.48xlarge')], availabilityZoneId: 'use1-az4' });
    efaCluster.addEfaNodeGroup('Named', { instanceTypes: [new ec2.InstanceType('trn2.48xlarge')], subnet: eksVpc.privateSubnets[1], offeringCheck: false });
    new EfaLaunchTemplate(eksStack, 'Few', { vpc: eksVpc, instanceType: new ec2.InstanceType('p5.48xlarge'), efaCount: 4 });
    Aspects.of(app).add(new EfaChecks());
    return app.synth().directory;
  }

  let assembly: string;
  beforeAll(() => {
    assembly = synthesize();
  });

  test('prints every launch template with a compact layout table, then a summary of each stack', () => {
    const { code, out, err } = run('inspect', assembly);
    expect(code).toBe(0);
    expect(err).toBe('');
    const [eks, inspect, total] = out.split('\n\n');
    const inspectLines = inspect.split('\n');
    expect(inspectLines).toEqual([
      'Inspect (Inspect.template.json)',
      expect.stringMatching(/^ {2}P5\w+ \(p5\.48xlarge\): 33 network interfaces, 32 EFA, 1 ENA, 1 IPv4 address per node, 3200 Gbps EFA bandwidth$/),
      '    CARD  DEVICE  TYPE',
      '    0     0       interface',
      '    0     1       efa-only',
      '    1–31  0       efa-only',
      '  EKS: no node groups; EFA Kubernetes plugin: none',
      '  Findings: none',
    ]);
    expect(inspectLines.length).toBeLessThan(10);

    const eksLines = eks.split('\n');
    expect(eksLines[0]).toBe('Eks (Eks.template.json)');
    expect(eksLines).toContainEqual(expect.stringMatching(/^ {2}ClusterChosenLaunchTemplate\w+ \(p5\.48xlarge\): 32 network interfaces, 32 EFA, 1 ENA/));
    expect(eksLines).toContainEqual(expect.stringMatching(/^ {2}ClusterNamedLaunchTemplate\w+ \(trn2\.48xlarge\): 16 network interfaces, 16 EFA, 1 ENA/));
    expect(eksLines).toContainEqual(expect.stringMatching(/^ {2}Few\w+ \(p5\.48xlarge\): 5 network interfaces, 4 EFA, 1 ENA, 1 IPv4 address per node, 400 Gbps EFA bandwidth$/));
    expect(eksLines).toContain('    8     0       efa-only');
    expect(eksLines).toContainEqual(expect.stringMatching(/^ {2}EKS: 2 node groups; EFA Kubernetes plugin: aws-dranet 1\.0\.0 \(ClusterEfaDraDriver\w+\)$/));
    expect(eksLines).toContainEqual(expect.stringMatching(
      /^ {4}ClusterChosenNodeGroup\w+ \(p5\.48xlarge, ON_DEMAND\): launch template ClusterChosenLaunchTemplate\w+; subnet chosen at deploy time by ClusterChosenOfferingCheck\w+ in availability zone ID use1-az4 from 2 subnets$/));
    expect(eksLines).toContainEqual(expect.stringMatching(
      /^ {4}ClusterNamedNodeGroup\w+ \(trn2\.48xlarge, ON_DEMAND\): launch template ClusterNamedLaunchTemplate\w+; subnet VpcPrivateSubnet2Subnet\w+$/));
    expect(eksLines[eksLines.length - 1]).toBe('  Findings: efa-underused ×1 (warning)');
    // A trn2.48xlarge and two p5.48xlarge tables: under 30 lines for 3 launch templates, 2 node groups and the summary.
    expect(eksLines.length).toBeLessThan(30);

    expect(total).toBe('2 stacks, 4 launch templates: 0 errors, 1 warning\n');
  });

  test('prints one table row per interface with --verbose', () => {
    const { code, out } = run('inspect', '--verbose', assembly);
    expect(code).toBe(0);
    const inspect = out.split('\n\n')[1].split('\n');
    expect(inspect).toHaveLength(1 + 1 + 34 + 2);
    expect(inspect.slice(2, 6)).toEqual(['    CARD  DEVICE  TYPE', '    0     0       interface', '    0     1       efa-only', '    1     0       efa-only']);
    expect(inspect).toContain('    31    0       efa-only');
    expect(out).not.toContain('–');
  });

  test('reads a single template file, outside a cloud assembly', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'Inspect.template.json');
    fs.copyFileSync(path.join(assembly, 'Inspect.template.json'), file);
    const { code, out } = run('inspect', file);
    expect(code).toBe(0);
    expect(out).toMatch(/^Inspect\.template\.json\n {2}P5\w+ \(p5\.48xlarge\)/);
    expect(out).toMatch(/\n\n1 stack, 1 launch template: 0 errors, 0 warnings\n$/);
  });

  test('fails when a launch template has an invalid layout: prints the findings, exits 1, one line on stderr', () => {
    const file = writeTemplate({
      Resources: {
        Bad: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { InstanceType: 'p6-b300.48xlarge', NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }] } },
        },
      },
    });
    const { code, out, err } = run('inspect', file);
    expect(code).toBe(1);
    expect(out).toMatch(/\n {2}Bad \(p6-b300\.48xlarge\): INVALID, 1 network interface, /);
    expect(out).toMatch(/\n {4}INVALID: p6-b300\.48xlarge cannot carry an EFA on network card 0 .*\[cdk-efa:efa-on-ena-only-card\]\n/);
    expect(out).toMatch(/\n {2}Findings: efa-on-ena-only-card ×1 \(error\)\n/);
    expect(out).toMatch(/: 1 error, 0 warnings\n$/);
    expect(err).toBe('cdk-efa: inspect found 1 error (see above).\n');
  });

  test('fails when a resource that launches from a launch template breaks a rule EfaChecks applies', () => {
    const file = writeTemplate({
      Resources: {
        Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { NetworkInterfaces: [{ NetworkCardIndex: '0', DeviceIndex: '0', InterfaceType: 'efa' }] } } },
        Vm: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 'p6-b300.48xlarge', SecurityGroupIds: ['sg-1'], LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' } } } },
      },
    });
    const { code, out, err } = run('inspect', file);
    expect(code).toBe(1);
    expect(out).toMatch(/\n {2}Lt \(p6-b300\.48xlarge\): INVALID, /);
    expect(out).toMatch(/\n {2}Vm \(AWS::EC2::Instance\)\n {4}INVALID: This instance sets SecurityGroupIds, and its launch template Lt sets NetworkInterfaces/);
    expect(err).toBe('cdk-efa: inspect found 2 errors (see above).\n');
  });

  test('succeeds with warnings only, and reads intrinsic functions as unknown', () => {
    const file = writeTemplate({
      Resources: {
        Lt: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { InstanceType: 'p5.48xlarge', NetworkInterfaces: [{ DeviceIndex: 0 }, { NetworkCardIndex: { 'Fn::If': ['Big', 1, 2] }, DeviceIndex: 0, InterfaceType: 'efa-only' }] } },
        },
      },
    });
    const { code, out, err } = run('inspect', file);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('    checked in part: an interface, a card index, a device index or an interface type is an intrinsic function\n');
  });

  test('honours acknowledgements that EfaChecks.acknowledge recorded in the cloud assembly', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')) });
    const stack = new Stack(app, 'Acked');
    const lt = new EfaLaunchTemplate(stack, 'Few', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 }), instanceType: new ec2.InstanceType('p5.48xlarge'), efaCount: 2 });
    new EfaLaunchTemplate(stack, 'Other', { securityGroup: lt.efaSecurityGroup, instanceType: new ec2.InstanceType('p5.48xlarge'), efaCount: 2 });
    EfaChecks.acknowledge(lt, 'efa-underused', 'two EFAs are enough for this test');
    const { code, out } = run('inspect', app.synth().directory);
    expect(code).toBe(0);
    expect(out).toMatch(/\n {2}Few\w+ \(p5\.48xlarge\): 3 network interfaces, .*\n(?: {4}[^\n]*\n)* {2}Other/);
    expect(out).not.toMatch(/Few\w+ \(p5\.48xlarge\)[^]*warning:[^]*Other/);
    expect(out).toContain('  Findings: efa-underused ×1 (warning)\n');
  });

  test.each<[string, (dir: string) => string, RegExp]>([
    ['the path does not exist', (dir) => path.join(dir, 'cdk.out'), /^cdk-efa: \/.*\/cdk\.out: cannot read it: it does not exist; .*\[cdk-efa:unreadable-file\]\n$/],
    ['a part of the path is a file', (dir) => path.join(writeTemplate({}, dir), 'cdk.out'), /bad\.template\.json\/cdk\.out: cannot read it: a part of the path is a file, not a folder; .*\[cdk-efa:unreadable-file\]\n$/],
    ['the template is not JSON', (dir) => writeText(dir, '{ "Resources": '), /bad\.template\.json: cannot read it: it is not valid JSON \(.*\); .*\[cdk-efa:unreadable-file\]\n$/],
    ['the template is null', (dir) => writeText(dir, 'null'), /bad\.template\.json: the file holds null rather than a JSON object, .*\[cdk-efa:malformed-template\]\n$/],
    ['a resource is null', (dir) => writeTemplate({ Resources: { Lt: null } }, dir), /bad\.template\.json: resource 'Lt' is null rather than an object, .*\[cdk-efa:malformed-template\]\n$/],
    ['the manifest is not JSON', (dir) => { writeText(dir, '{}'); fs.writeFileSync(path.join(dir, 'manifest.json'), 'nope'); return dir; },
      /manifest\.json: cannot read it: it is not valid JSON .*\[cdk-efa:unreadable-file\]\n$/],
  ])('fails when %s: exits non-zero with one line on stderr naming the file, and no stack trace', (_, target, message) => {
    expectCleanFailure(['inspect', target(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')))], message);
  });
});

describe('cdk-efa report', () => {
  test('prints every type with the three layouts, the invalid layouts and the target check', () => {
    const { code, out, err } = run('report');
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^\s+CDK-EFA DEFAULT\s+EVERY-CARD EFA\s+TERRAFORM V21$/);
    expect(lines[1]).toMatch(/^INSTANCE TYPE(\s+EFA\s+GBPS\s+IPS\s+VALID){3}$/);
    expect(out).toMatch(/\np5\.48xlarge\s+32\s+3200\s+1\s+yes\s+32\s+3200\s+32\s+yes\s+32\s+3200\s+1\s+yes\n/);
    expect(out).toMatch(/\np6-b300\.48xlarge\s+16\s+6400\s+1\s+yes\s+17\s+6400\s+17\s+no\s+17\s+6400\s+1\s+no\n/);
    expect(out).toMatch(/- p6-b300\.48xlarge, every-card efa \(eksctl, Karpenter\): p6-b300\.48xlarge cannot carry an EFA on network card 0/);
    const n = EfaInstanceTypes.all().length;
    expect(out).toContain(`\nTarget met: cdk-efa's default exposes every EFA interface the type supports on ${n - 1} of ${n} types `
      + `(p6e-gb200.36xlarge: 8 of 16, the count AWS recommends: documented, not a shortfall), uses 1 IPv4 address per node on ${n} of ${n} types `
      + `and is valid on ${n} of ${n} types.\n`);
    expect(out).toMatch(new RegExp(`\\nTotals over ${n} types, one node of each: cdk-efa default: \\d+ EFA interfaces, ${n} IPv4 addresses, valid on every type; `));
  });

  test('takes several --instance-type values, in one option or repeated', () => {
    const { code, out } = run('report', '--instance-type', 'p5.48xlarge', 'c5n.18xlarge', '--instance-type', 'hpc6id.32xlarge');
    expect(code).toBe(0);
    expect(out.split('\n').slice(2, 5).map((l) => l.split(/\s+/)[0])).toEqual(['p5.48xlarge', 'c5n.18xlarge', 'hpc6id.32xlarge']);
    expect(out).not.toMatch(/Invalid layouts/);
    expect(out).toMatch(/Target met: .* on 3 of 3 types,/);
  });

  test('prints JSON with every figure and the summary', () => {
    const report = JSON.parse(run('report', '--format', 'json', '--instance-type', 'p6-b300.48xlarge').out);
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0].layouts['cdk-efa']).toEqual({ efaInterfaces: 16, efaBandwidthInGbps: 6400, ipv4AddressesPerNode: 1, valid: true });
    expect(report.rows[0].layouts['every-card-efa']).toMatchObject({ efaInterfaces: 17, ipv4AddressesPerNode: 17, valid: false });
    expect(report.rows[0].layouts['every-card-efa'].firstProblem).toMatch(/network card 0/);
    expect(report.summary.targetMet).toBe(true);
  });

  test('prints a Markdown table', () => {
    const { code, out } = run('report', '--format', 'markdown', '--instance-type', 'p5.48xlarge', 'p6-b300.48xlarge');
    expect(code).toBe(0);
    expect(out).toMatch(/^\| Instance type \| cdk-efa default: EFA \/ Gbps \/ IPs \/ valid \| every-card efa \(eksctl, Karpenter\): EFA \/ Gbps \/ IPs \/ valid \| terraform-aws-eks v21: EFA \/ Gbps \/ IPs \/ valid \|\n\| --- \| --- \| --- \| --- \|\n/);
    expect(out).toMatch(/\n\| `p5\.48xlarge` \| 32 \/ 3200 \/ 1 \/ valid \| 32 \/ 3200 \/ 32 \/ valid \| 32 \/ 3200 \/ 1 \/ valid \|\n/);
    expect(out).toMatch(/\n\| `p6-b300\.48xlarge` \| 16 \/ 6400 \/ 1 \/ valid \| 17 \/ 6400 \/ 17 \/ \*\*invalid\*\* \| 17 \/ 6400 \/ 1 \/ \*\*invalid\*\* \|\n/);
    expect(out).toMatch(/\n\nTarget met: /);
  });

  test.each<[string, string[], RegExp]>([
    ['an instance type is unknown', ['report', '--instance-type', 'p5.48xlarge', 'p5.48xlarg'], /^cdk-efa: Unknown instance type p5\.48xlarg.*Did you mean p5\.48xlarge/],
    ['an instance type does not support EFA', ['report', '--instance-type', 't3.micro'], /^cdk-efa: t3\.micro does not support EFA/],
    ['--instance-type has no value', ['report', '--instance-type'], /option '--instance-type <type\.\.\.>' argument missing/],
    ['the format is unknown', ['report', '--format', 'xml'], /argument 'xml' is invalid/],
  ])('fails when %s: exits non-zero with one line on stderr and no stack trace', (_, argv, message) => expectCleanFailure(argv, message));
});
