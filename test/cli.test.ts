import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EfaInstanceTypes, EfaLaunchTemplate } from '../src';
import { main } from '../src/cli';

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}

/** A failed run: non-zero exit, nothing on stdout, one line on stderr matching `message`, no stack trace. */
function expectCleanFailure(argv: string[], message: RegExp): void {
  const { code, out, err } = run(...argv);
  expect(code).not.toBe(0);
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

  test('prints a summary and a table by default', () => {
    const { code, out } = run('layout', 'p5.48xlarge');
    expect(code).toBe(0);
    expect(out).toMatch(/^p5\.48xlarge: 33 network interfaces, 32 EFA, 1 ENA, 1 IPv4 address\(es\) per node, 3200 Gbps EFA bandwidth\nCARD {2}DEVICE {2}TYPE\n0 {5}0 {7}interface\n/);
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

  test('fails when --min-efa is not a number', () => {
    const { code, err } = run('instance-types', '--min-efa', 'x');
    expect(code).not.toBe(0);
    expect(err).toMatch(/not a whole number/);
  });
});

describe('cdk-efa inspect', () => {
  function synthesize(): string {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')) });
    const stack = new Stack(app, 'Inspect');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
    new EfaLaunchTemplate(stack, 'P5', { vpc, instanceType: new ec2.InstanceType('p5.48xlarge') });
    return app.synth().directory;
  }

  test('prints the layout of every launch template in a cloud assembly', () => {
    const { code, out } = run('inspect', synthesize());
    expect(code).toBe(0);
    expect(out).toMatch(/Inspect\.template\.json P5\w+ \(p5\.48xlarge\)\np5\.48xlarge: 33 network interfaces, 32 EFA/);
    expect(out).toMatch(/1 launch template\(s\), 0 with an invalid EFA layout/);
  });

  test('fails when a launch template has an invalid layout', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'bad.template.json');
    fs.writeFileSync(file, JSON.stringify({
      Resources: {
        Bad: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { InstanceType: 'p6-b300.48xlarge', NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }] } },
        },
      },
    }));
    const { code, out, err } = run('inspect', file);
    expect(code).toBe(1);
    expect(out).toMatch(/INVALID:\n {2}- p6-b300\.48xlarge cannot carry an EFA on network card 0/);
    expect(err).toMatch(/invalid EFA layout/);
  });

  test('fails when the path does not exist', () => {
    expect(run('inspect', '/nonexistent/cdk.out').err).toMatch(/does not exist/);
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
