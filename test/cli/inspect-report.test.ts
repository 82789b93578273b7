import { EfaKubernetesPlugin } from '../../src';
import {
  CloudFormationTemplate, EFA_CHARTS, HELM_CHART_TYPE, OFFERING_CHECK_TYPE, describeSubnets, findingIdOf, inspectTemplate, inspectTemplates,
  stackInspectionLines, templateResources,
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

  test("are counted per ID and level: inspect's own, then the assembly's that inspect did not find again", () => {
    const template: CloudFormationTemplate = {
      Resources: {
        Bad: launchTemplate({ InstanceType: 'p6-b300.48xlarge', NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }, efaOnly(1), efaOnly(1)] }),
        Few: launchTemplate({ InstanceType: 'p5.48xlarge', NetworkInterfaces: P5_INTERFACES.slice(0, 3) }),
      },
    };
    const stack = inspectTemplate('Stack', template, [
      // EfaChecks found it too, on the same resource: counted once.
      { level: 'warning', text: 'fewer EFA [ack: cdk-efa:efa-underused]', logicalId: 'Few' },
      // A construct's warning, on no resource of the template.
      { level: 'warning', text: 'chose a subnet [ack: cdk-efa:subnet-chosen]' },
      { level: 'warning', text: 'chose another subnet [ack: cdk-efa:subnet-chosen]' },
      { level: 'error', text: 'no self rules [cdk-efa:security-group-missing-self-rules]', logicalId: 'Bad' },
      { level: 'warning', text: 'not ours [ack: @aws-cdk/core:something]' },
    ]);
    expect(stack.findings).toEqual([
      { id: 'duplicate-interface', level: 'error', source: 'inspect', count: 1 },
      { id: 'efa-on-ena-only-card', level: 'error', source: 'inspect', count: 1 },
      { id: 'multiple-efa-on-card', level: 'error', source: 'inspect', count: 1 },
      { id: 'efa-underused', level: 'warning', source: 'inspect', count: 1 },
      { id: 'security-group-missing-self-rules', level: 'error', source: 'assembly', count: 1 },
      { id: 'subnet-chosen', level: 'warning', source: 'assembly', count: 2 },
    ]);
    expect([stack.errors, stack.warnings]).toEqual([4, 3]);
    const lines = stackInspectionLines(stack);
    expect(lines[1]).toMatch(/^ {2}Bad \(p6-b300\.48xlarge\): INVALID, 3 network interfaces, 3 EFA, 1 ENA/);
    expect(lines).toContain('    INVALID: p6-b300.48xlarge network card 1 device 0 appears more than once; each (networkCardIndex, deviceIndex) pair may be used once. [cdk-efa:duplicate-interface]');
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}warning: p5\.48xlarge supports 32 EFA interfaces, but this launch exposes 2.*\[cdk-efa:efa-underused\]$/));
    expect(lines[lines.length - 1]).toBe('  Findings: duplicate-interface ×1 (error), efa-on-ena-only-card ×1 (error), multiple-efa-on-card ×1 (error), '
      + 'efa-underused ×1 (warning), security-group-missing-self-rules ×1 (error, from the cloud assembly), subnet-chosen ×2 (warning, from the cloud assembly)');
  });

  test('acknowledged with EfaChecks.acknowledge on the resource or above, as the assembly records, are left out', () => {
    const template = {
      Resources: {
        Few: { ...launchTemplate({ InstanceType: 'p5.48xlarge', NetworkInterfaces: P5_INTERFACES.slice(0, 3) }), Metadata: { 'aws:cdk:path': 'Stack/Few/Resource' } },
        Other: { ...launchTemplate({ InstanceType: 'p5.48xlarge', NetworkInterfaces: P5_INTERFACES.slice(0, 3) }), Metadata: { 'aws:cdk:path': 'Stack/Other/Resource' } },
      },
    };
    const [stack] = inspectTemplates([{
      title: 'Stack',
      name: 'Stack',
      file: 'Stack.template.json',
      template,
      acknowledgements: [
        { path: '/Stack/Few', id: 'efa-underused', reason: 'two are enough' },
        { path: '/Stack/Other', id: 'efa-ip-per-card', reason: 'another rule' },
        { path: '/Stack/Oth', id: 'efa-underused', reason: 'a prefix of the name, not of the path' },
      ],
    }]);
    expect(stack.launchTemplates.map((lt) => [lt.logicalId, lt.findings.map((f) => f.id)])).toEqual([['Few', []], ['Other', ['efa-underused']]]);
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
    expect(stack.launchTemplates[0]).toMatchObject({ instanceTypes: ['p5.48xlarge', 'p5e.48xlarge'], checked: true });
    expect(stack.launchTemplates[0].findings.map((f) => f.id)).toEqual(['efa-underused', 'efa-underused']);
    expect(stack.launchTemplates[0].figures).toMatchObject({ efaCount: 2, efaBandwidthInGbps: 200 });
    expect(stackInspectionLines(stack)).toContain('    Ng (p5.48xlarge, p5e.48xlarge, ON_DEMAND): launch template Lt; subnet subnet-1');
  });

  test('checks in part a layout with intrinsic functions, and one of an instance type it does not know, with the rules that hold for every type', () => {
    const stack = inspectTemplate('Stack', {
      Resources: {
        Param: launchTemplate({
          InstanceType: 'p5.48xlarge',
          NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0 }, { NetworkCardIndex: { Ref: 'Card' }, DeviceIndex: 0, InterfaceType: 'efa-only' }, { 'Fn::If': ['More', efaOnly(2), { Ref: 'AWS::NoValue' }] }],
        }),
        Unknown: launchTemplate({ InstanceType: 'p9.96xlarge', NetworkInterfaces: [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }, { NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'efa' }] }),
        Untyped: launchTemplate({ NetworkInterfaces: [{ NetworkCardIndex: '0', DeviceIndex: '0', InterfaceType: 'efa-only' }] }),
        Plain: launchTemplate({ InstanceType: 'm5.large' }),
      },
    });
    expect(stack.launchTemplates.map((lt) => [lt.logicalId, lt.checked, lt.unresolved, lt.findings.map((f) => f.id)])).toEqual([
      ['Param', true, true, []],
      ['Unknown', false, false, ['efa-ip-per-card', 'unchecked-instance-type', 'duplicate-interface', 'multiple-efa-on-card']],
      ['Untyped', false, false, ['efa-only-primary']],
      ['Plain', false, false, []],
    ]);
    const lines = stackInspectionLines(stack);
    expect(lines).toContain('    checked in part: an interface, a card index, a device index or an interface type is an intrinsic function');
    expect(lines).toContain('  Unknown (p9.96xlarge): INVALID, 2 network interfaces, 2 EFA, 2 ENA, 2 IPv4 addresses per node');
    expect(lines).toContain("    checked only against the rules that hold for every instance type: cdk-efa's capability table has no p9.96xlarge");
    expect(lines).toContain('    checked only against the rules that hold for every instance type: no instance type is set');
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}INVALID: Network card 0 device 0 appears more than once; .*\[cdk-efa:duplicate-interface\]$/));
    expect(lines).toContain('  Plain (m5.large): no network interfaces');
    expect([stack.errors, stack.warnings]).toEqual([3, 2]);
  });

  test('sees the instance types, public IPs and security groups of the resources that launch from a launch template', () => {
    const stack = inspectTemplate('Stack', {
      Resources: {
        Lt: launchTemplate({ NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true }, { DeviceIndex: 1, InterfaceType: 'efa-only', Groups: [{ Ref: 'Open' }] }] }),
        Open: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'no rules' } },
        Asg: {
          Type: 'AWS::AutoScaling::AutoScalingGroup',
          Properties: { MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: { Ref: 'Lt' } }, Overrides: [{ InstanceType: 'p6-b300.48xlarge' }, { InstanceType: 'p4d.24xlarge' }] } } },
        },
        Vm: { Type: 'AWS::EC2::Instance', Properties: { InstanceType: 'c5n.18xlarge', SecurityGroupIds: ['sg-1'], LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' } } } },
      },
    });
    expect(stack.launchTemplates[0].instanceTypes).toEqual(['p6-b300.48xlarge', 'p4d.24xlarge', 'c5n.18xlarge']);
    expect(stack.launchTemplates[0].findings.map((f) => f.id)).toEqual([
      'public-ip-with-multiple-interfaces', 'security-group-missing-self-rules', 'efa-on-ena-only-card', 'efa-underused',
    ]);
    expect(stack.launchTemplates[0].findings.find((f) => f.id === 'efa-underused')!.message).toMatch(/^p4d\.24xlarge supports 4 EFA interfaces/);
    expect(stack.otherResources.map((r) => [r.logicalId, r.findings.map((f) => f.id)])).toEqual([['Asg', ['p4d-mixed']], ['Vm', ['security-groups-with-network-interfaces']]]);
    const lines = stackInspectionLines(stack);
    expect(lines).toContain('  Asg (AWS::AutoScaling::AutoScalingGroup)');
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}INVALID: This Auto Scaling group mixes p4d\.24xlarge with p6-b300\.48xlarge.*\[cdk-efa:p4d-mixed\]$/));
  });

  test('finds efa-only interfaces in every template given, for the vpc-cni add-on of another', () => {
    const input = (name: string, resources: Record<string, unknown>) => ({ title: name, name, file: `${name}.template.json`, template: { Resources: resources } });
    const [cluster] = inspectTemplates([
      input('Cluster', { Cni: { Type: 'AWS::EKS::Addon', Properties: { AddonName: 'vpc-cni', AddonVersion: 'v1.18.3-eksbuild.1' } } }),
      input('Nodes', { Lt: launchTemplate({ NetworkInterfaces: [{ DeviceIndex: 0 }, { DeviceIndex: 1, InterfaceType: 'efa-only' }] }) }),
    ]);
    expect(cluster.otherResources).toEqual([{ logicalId: 'Cni', type: 'AWS::EKS::Addon', findings: [expect.objectContaining({ id: 'vpc-cni-too-old', message: expect.stringContaining('(in Nodes/Lt)') })] }]);
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

describe('templateResources', () => {
  test.each<[string, unknown, RegExp]>([
    ['null', null, /^x\.json: the file holds null rather than a JSON object/],
    ['a list', [], /the file holds \[\] rather than a JSON object/],
    ['Resources that is no object', { Resources: 'none' }, /its Resources is 'none' rather than an object of resources/],
    ['a null resource', { Resources: { Lt: null } }, /resource 'Lt' is null rather than an object/],
    ['a resource without Type', { Resources: { Lt: { Properties: {} } } }, /resource 'Lt' has Type missing rather than a string/],
    ['Properties that are no object', { Resources: { Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: [1] } } }, /resource 'Lt' has Properties \[1\] rather than an object/],
  ])('fails when the template is %s, naming the file, with an error ID', (_, template, message) => {
    expect(() => templateResources(template, 'x.json')).toThrow(message);
    expect(() => templateResources(template, 'x.json')).toThrow(/\[cdk-efa:malformed-template\]$/);
  });

  test('reads a template without Resources as empty, and a resource without Properties as having none', () => {
    expect(templateResources({}, 'x.json')).toEqual([]);
    expect(templateResources({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }, 'x.json')).toEqual([{ logicalId: 'Q', type: 'AWS::SQS::Queue', properties: {} }]);
  });
});
