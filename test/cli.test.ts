import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EfaLaunchTemplate } from '../src';
import { main } from '../src/cli';

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
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
  ])('fails when %s: exits non-zero with one line on stderr and no stack trace', (_, argv, message) => {
    const { code, out, err } = run(...argv);
    expect(code).not.toBe(0);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });
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
