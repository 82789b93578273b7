import { EfaKubernetesPlugin } from '../../src';
import {
  CloudFormationTemplate, EFA_CHARTS, HELM_CHART_TYPE, OFFERING_CHECK_TYPE, describeSubnets, findingIdOf, inspectTemplate, stackInspectionLines,
} from '../../src/cli/inspect-report';

const efaOnly = (card: number) => ({ NetworkCardIndex: card, DeviceIndex: 0, InterfaceType: 'efa-only' });

/** p5.48xlarge's default layout as a template writes it. */
const P5_INTERFACES = [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'interface' }, { NetworkCardIndex: 0, DeviceIndex: 1, InterfaceType: 'efa-only' },
  ...Array.from({ length: 31 }, (_, i) => efaOnly(i + 1))];

function launchTemplate(data: Record<string, unknown>) {
  return { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: data } };
}

describe('describeSubnets', () => {
  const resources = {
    Check: { Type: OFFERING_CHECK_TYPE, Properties: { SubnetIds: [{ Ref: 'A' }, { Ref: 'B' }], AvailabilityZoneId: 'use1-az4' } },
    CheckAnyZone: { Type: OFFERING_CHECK_TYPE, Properties: { SubnetIds: [{ Ref: 'A' }] } },
    A: { Type: 'AWS::EC2::Subnet', Properties: { AvailabilityZone: 'us-east-1a' } },
    B: { Type: 'AWS::EC2::Subnet', Properties: { AvailabilityZone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] } } },
  };

  test.each<[string, unknown, string]>([
    ['a literal subnet ID', ['subnet-0123456789abcdef0'], 'subnet subnet-0123456789abcdef0'],
    ['the offering check, with its availability zone ID', [{ 'Fn::GetAtt': ['Check', 'SubnetId'] }], 'subnet chosen at deploy time by Check in availability zone ID use1-az4 from 2 subnets'],
    ['the offering check, any zone', [{ 'Fn::GetAtt': ['CheckAnyZone', 'SubnetId'] }], 'subnet chosen at deploy time by CheckAnyZone from 1 subnet'],
    ['a subnet of the template with a literal zone', [{ Ref: 'A' }], 'subnet A in us-east-1a'],
    ['a subnet of the template whose zone is an intrinsic', [{ Ref: 'B' }], 'subnet B'],
    ['a parameter', [{ Ref: 'SubnetParameter' }], 'subnet from SubnetParameter'],
    ['several subnets', ['subnet-1', { Ref: 'A' }], '2 subnets: subnet subnet-1; subnet A in us-east-1a'],
    ['an intrinsic list', { 'Fn::Split': [',', 'a,b'] }, 'subnets {"Fn::Split":[",","a,b"]}'],
    ['nothing', undefined, 'no subnets set'],
  ])('%s', (_, subnets, expected) => {
    expect(describeSubnets(subnets, resources)).toBe(expected);
  });
});

describe('findings', () => {
  test('take their ID from the end of an error or an acknowledgeable warning', () => {
    expect(findingIdOf('p5.48xlarge network card 0 … [cdk-efa:multiple-efa-on-card]')).toBe('multiple-efa-on-card');
    expect(findingIdOf('p5.48xlarge supports 32 EFA interfaces … [ack: cdk-efa:efa-underused]')).toBe('efa-underused');
    expect(findingIdOf('The security group allows all outbound traffic [ack: @aws-cdk/aws-ec2:ipv4IgnoreEgressRule]')).toBeUndefined();
  });

  test("are counted per ID: inspect's own layout problems, then the assembly's errors and warnings", () => {
    const template: CloudFormationTemplate = {
      Resources: {
        Bad: launchTemplate({ InstanceType: 'p6-b300.48xlarge', NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }, efaOnly(1), efaOnly(1)] }),
      },
    };
    const stack = inspectTemplate('Stack', template, [
      { level: 'warning', text: 'fewer EFA [ack: cdk-efa:efa-underused]' },
      { level: 'warning', text: 'fewer EFA again [ack: cdk-efa:efa-underused]' },
      { level: 'error', text: 'no self rules [cdk-efa:security-group-missing-self-rules]' },
      { level: 'warning', text: 'not ours [ack: @aws-cdk/core:something]' },
    ]);
    expect(stack.findings).toEqual([
      { id: 'duplicate-interface', source: 'inspect', count: 1 },
      { id: 'efa-on-ena-only-card', source: 'inspect', count: 1 },
      { id: 'multiple-efa-on-card', source: 'inspect', count: 1 },
      { id: 'security-group-missing-self-rules', source: 'error', count: 1 },
      { id: 'efa-underused', source: 'warning', count: 2 },
    ]);
    const lines = stackInspectionLines(stack);
    expect(lines[1]).toMatch(/^ {2}Bad \(p6-b300\.48xlarge\): INVALID EFA layout, 3 network interfaces, 3 EFA, 1 ENA/);
    expect(lines).toContain('    INVALID: p6-b300.48xlarge network card 1 device 0 appears more than once; each (networkCardIndex, deviceIndex) pair may be used once. [cdk-efa:duplicate-interface]');
    expect(lines[lines.length - 1]).toBe('  Findings: duplicate-interface ×1 (found by inspect), efa-on-ena-only-card ×1 (found by inspect), '
      + 'multiple-efa-on-card ×1 (found by inspect), security-group-missing-self-rules ×1 (error), efa-underused ×2 (warning)');
  });
});

describe('inspectTemplate', () => {
  test('prints a p5.48xlarge launch template stack in under 10 lines', () => {
    const lines = stackInspectionLines(inspectTemplate('Stack', { Resources: { P5: launchTemplate({ InstanceType: 'p5.48xlarge', NetworkInterfaces: P5_INTERFACES }) } }));
    expect(lines).toEqual([
      'Stack',
      '  P5 (p5.48xlarge): 33 network interfaces, 32 EFA, 1 ENA, 1 IPv4 address per node, 3200 Gbps EFA bandwidth',
      '    CARD  DEVICE  TYPE',
      '    0     0       interface',
      '    0     1       efa-only',
      '    1–31  0       efa-only',
      '  EKS: no node groups; EFA Kubernetes plugin: none',
      '  Findings: none',
    ]);
  });

  test('checks a launch template without an instance type against the instance types of its node groups', () => {
    const stack = inspectTemplate('Stack', {
      Resources: {
        Lt: launchTemplate({ NetworkInterfaces: P5_INTERFACES.slice(0, 3) }),
        Ng: {
          Type: 'AWS::EKS::Nodegroup',
          Properties: { InstanceTypes: ['p5.48xlarge', 'p5e.48xlarge'], LaunchTemplate: { Id: { Ref: 'Lt' } }, Subnets: ['subnet-1'], CapacityType: 'ON_DEMAND' },
        },
      },
    });
    expect(stack.launchTemplates[0]).toMatchObject({ instanceTypes: ['p5.48xlarge', 'p5e.48xlarge'], checked: true, problems: [] });
    expect(stack.launchTemplates[0].figures).toMatchObject({ efaCount: 2, efaBandwidthInGbps: 200 });
    expect(stackInspectionLines(stack)).toContain('    Ng (p5.48xlarge, p5e.48xlarge, ON_DEMAND): launch template Lt; subnet subnet-1');
  });

  test('does not check a layout whose indexes are intrinsics, nor one of an instance type it does not know', () => {
    const stack = inspectTemplate('Stack', {
      Resources: {
        Param: launchTemplate({ InstanceType: 'p5.48xlarge', NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0 }, { NetworkCardIndex: { Ref: 'Card' }, DeviceIndex: 0, InterfaceType: 'efa-only' }] }),
        Unknown: launchTemplate({ InstanceType: 'p9.96xlarge', NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }, { NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }] }),
        Plain: launchTemplate({ InstanceType: 'm5.large' }),
      },
    });
    expect(stack.launchTemplates.map((lt) => [lt.checked, lt.problems.length])).toEqual([[false, 0], [false, 0], [false, 0]]);
    const lines = stackInspectionLines(stack);
    expect(lines).toContain('    not checked: a card index, device index or interface type is an intrinsic function');
    expect(lines).toContain('  Unknown (p9.96xlarge): 2 network interfaces, 2 EFA, 2 ENA, 2 IPv4 addresses per node');
    expect(lines).toContain("    not checked: cdk-efa's capability table has no p9.96xlarge");
    expect(lines).toContain('  Plain (m5.large): no network interfaces');
  });

  test('names the EFA Helm charts, the same charts EfaKubernetesPlugin installs, and no other chart', () => {
    expect(EFA_CHARTS).toEqual([EfaKubernetesPlugin.DEVICE_PLUGIN.chart, EfaKubernetesPlugin.DRA_DRIVER.chart]);
    const chart = (name: string, version?: string) => ({ Type: HELM_CHART_TYPE, Properties: { Chart: name, Version: version } });
    const stack = inspectTemplate('Stack', {
      Resources: { Dra: chart('aws-dranet', '1.0.0'), Oci: chart('oci://example.com/charts/aws-efa-k8s-device-plugin'), Nvidia: chart('nvidia-device-plugin', '0.19.0') },
    });
    expect(stackInspectionLines(stack)).toContain('  EKS: no node groups; EFA Kubernetes plugin: aws-dranet 1.0.0 (Dra), oci://example.com/charts/aws-efa-k8s-device-plugin (Oci)');
  });
});
