import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EfaChecks, EfaLayout, EfaSecurityGroup } from '../../src';
import { JsonObject, TemplateResource, readJobDefinition } from '../../src/checks/template-reader';
import { TemplateFinding, templateFindings } from '../../src/checks/template-rules';
import { inspectTemplate, stackInspectionLines } from '../../src/cli/inspect-report';

/*
 * The Batch rules of EfaChecks and `cdk-efa inspect`: a job definition's EFA devices and environment, against the
 * layouts of the template's Batch compute environments; a compute environment's own security groups beside a launch
 * template with network interfaces.
 */

const RWM = ['READ', 'WRITE', 'MKNOD'];
const device = (i: number, extra: JsonObject = {}) => ({ HostPath: `/dev/infiniband/uverbs${i}`, ContainerPath: `/dev/infiniband/uverbs${i}`, Permissions: RWM, ...extra });
const devices = (n: number) => Array.from({ length: n }, (_, i) => device(i));

function interfacesOf(type: string, options = {}): JsonObject[] {
  return EfaLayout.forInstanceType(type, options).interfaces
    .map((i) => ({ NetworkCardIndex: i.networkCardIndex, DeviceIndex: i.deviceIndex, InterfaceType: i.interfaceType }));
}

const lt = (logicalId: string, interfaces: JsonObject[]): TemplateResource => ({
  logicalId, type: 'AWS::EC2::LaunchTemplate', properties: { LaunchTemplateData: { NetworkInterfaces: interfaces } },
});
const ce = (logicalId: string, launchTemplate: string, instanceTypes: string[], extra: JsonObject = {}): TemplateResource => ({
  logicalId,
  type: 'AWS::Batch::ComputeEnvironment',
  properties: { ComputeResources: { Type: 'EC2', InstanceTypes: instanceTypes, LaunchTemplate: { LaunchTemplateId: { Ref: launchTemplate } }, Subnets: ['subnet-1'], ...extra } },
});
const multinode = (logicalId: string, container: JsonObject, rangeExtra: JsonObject = {}): TemplateResource => ({
  logicalId,
  type: 'AWS::Batch::JobDefinition',
  properties: { Type: 'multinode', NodeProperties: { NumNodes: 2, MainNode: 0, NodeRangeProperties: [{ TargetNodes: '0:1', Container: container, ...rangeExtra }] } },
});
const containerWith = (deviceList: unknown[], environment: JsonObject[] = [], extra: JsonObject = {}): JsonObject => ({
  Image: 'nccl-tests', LinuxParameters: { Devices: deviceList }, Environment: environment, ...extra,
});

const P5_ENVIRONMENT = [lt('P5Lt', interfacesOf('p5.48xlarge')), ce('P5Ce', 'P5Lt', ['p5.48xlarge'])];

const ids = (findings: TemplateFinding[]) => findings.map((f) => `${f.logicalId}:${f.severity}:${f.id}`).sort();

describe('Batch job definitions in templateFindings', () => {
  test('a job mapping every EFA device of its compute environment is clean', () => {
    expect(templateFindings([...P5_ENVIRONMENT, multinode('Job', containerWith(devices(32), [{ Name: 'FI_PROVIDER', Value: 'efa' }]))])).toEqual([]);
  });

  test('fails for a device beyond the compute environment\'s EFA interfaces', () => {
    const findings = templateFindings([...P5_ENVIRONMENT, multinode('Job', containerWith(devices(33)))]);
    expect(ids(findings)).toEqual(['Job:error:efa-device-out-of-range']);
    expect(findings[0].message).toMatch(/^The container of nodes 0:1 maps \/dev\/infiniband\/uverbs32, but the launch template of Batch compute environment P5Ce has 32 EFA interfaces/);
  });

  test('follows the layout of the launch template, not the instance type\'s most', () => {
    const resources = [lt('Lt', interfacesOf('p5.48xlarge', { efaCount: 8 })), ce('Ce', 'Lt', ['p5.48xlarge'])];
    const ofJob = (n: number) => ids(templateFindings([...resources, multinode('Job', containerWith(devices(n)))])).filter((f) => f.startsWith('Job:'));
    expect(ofJob(9)).toEqual(['Job:error:efa-device-out-of-range']);
    expect(ofJob(8)).toEqual([]);
  });

  test('warns about devices left unmapped when one EFA count applies', () => {
    const findings = templateFindings([...P5_ENVIRONMENT, multinode('Job', containerWith(devices(1)))]);
    expect(ids(findings)).toEqual(['Job:warning:efa-devices-unmapped']);
    expect(findings[0].message).toMatch(/maps 1 of the 32 EFA devices of the launch template of Batch compute environment P5Ce/);
  });

  test('with compute environments of different EFA counts, checks against the most and does not warn', () => {
    const resources = [...P5_ENVIRONMENT, lt('C5nLt', interfacesOf('c5n.18xlarge')), ce('C5nCe', 'C5nLt', ['c5n.18xlarge'])];
    expect(templateFindings([...resources, multinode('Job', containerWith(devices(1)))])).toEqual([]);
    expect(ids(templateFindings([...resources, multinode('Job', containerWith(devices(33)))]))).toEqual(['Job:error:efa-device-out-of-range']);
  });

  test('narrows the compute environments to the container\'s instance type', () => {
    const resources = [...P5_ENVIRONMENT, lt('C5nLt', interfacesOf('c5n.18xlarge')), ce('C5nCe', 'C5nLt', ['c5n.18xlarge'])];
    const findings = templateFindings([...resources, multinode('Job', containerWith(devices(2), [], { InstanceType: 'c5n.18xlarge' }))]);
    expect(ids(findings)).toEqual(['Job:error:efa-device-out-of-range']);
    expect(findings[0].message).toContain('Batch compute environment C5nCe has 1 EFA interface');
    // The node range's InstanceTypes narrow it likewise.
    expect(ids(templateFindings([...resources, multinode('Job', containerWith(devices(2)), { InstanceTypes: ['c5n.18xlarge'] })])))
      .toEqual(['Job:error:efa-device-out-of-range']);
  });

  test('without a compute environment in the template, checks against the container\'s instance type', () => {
    const findings = templateFindings([multinode('Job', containerWith(devices(5), [], { InstanceType: 'p4d.24xlarge' }))]);
    expect(ids(findings)).toEqual(['Job:error:efa-device-out-of-range']);
    expect(findings[0].message).toContain('the instance type p4d.24xlarge has 4 EFA interfaces');
    expect(ids(templateFindings([multinode('Job', containerWith(devices(2), [], { InstanceType: 'p4d.24xlarge' }))]))).toEqual(['Job:warning:efa-devices-unmapped']);
  });

  test('without any EFA count, checks only the rules that need none', () => {
    expect(templateFindings([multinode('Job', containerWith(devices(64)))])).toEqual([]);
    expect(ids(templateFindings([multinode('Job', containerWith([device(0, { ContainerPath: '/dev/efa' }), device(1, { Permissions: ['READ'] })]))])))
      .toEqual(['Job:error:efa-device-container-path', 'Job:error:efa-device-permissions']);
  });

  test('fails for the environment of a container that maps EFA devices', () => {
    const environment = [{ Name: 'FI_PROVIDER', Value: 'tcp' }, { Name: 'NCCL_SOCKET_IFNAME', Value: 'rdmap16s27' }];
    expect(ids(templateFindings([...P5_ENVIRONMENT, multinode('Job', containerWith(devices(32), environment))])))
      .toEqual(['Job:error:fi-provider-not-efa', 'Job:error:nccl-socket-ifname-efa']);
    // A container without EFA devices may use any provider.
    expect(templateFindings([...P5_ENVIRONMENT, multinode('Job', containerWith([], environment))])).toEqual([]);
  });

  test('reads a single-node job\'s ContainerProperties too', () => {
    const job: TemplateResource = { logicalId: 'Job', type: 'AWS::Batch::JobDefinition', properties: { Type: 'container', ContainerProperties: containerWith(devices(40)) } };
    const findings = templateFindings([...P5_ENVIRONMENT, job]);
    expect(ids(findings)).toEqual(['Job:error:efa-device-out-of-range']);
    expect(findings[0].message).toMatch(/^The container maps/);
  });

  test('treats intrinsic functions as unknown, without a crash', () => {
    const container = containerWith([{ HostPath: { 'Fn::If': ['Big', '/dev/infiniband/uverbs40', '/dev/infiniband/uverbs0'] } }, { 'Fn::If': ['X', device(50), device(0)] }, device(0, { Permissions: { Ref: 'P' } })]);
    expect(templateFindings([...P5_ENVIRONMENT, multinode('Job', container)]).filter((f) => f.severity === 'error')).toEqual([]);
    // A layout partly unknown: the most the compute environment's instance type supports, and no warning for fewer.
    const unknownLayout = [lt('Lt', [{ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: { Ref: 'Type' } }]), ce('Ce', 'Lt', ['p5.48xlarge'])];
    const findings = templateFindings([...unknownLayout, multinode('Job', containerWith(devices(33)), { TargetNodes: { Ref: 'Nodes' } })]);
    expect(ids(findings)).toEqual(['Job:error:efa-device-out-of-range']);
    expect(findings[0].message).toMatch(/^The container of nodes \? maps/);
    expect(templateFindings([...unknownLayout, multinode('Job', containerWith(devices(1)))])).toEqual([]);
  });
});

describe('Batch compute environments in templateFindings', () => {
  test('fails for security groups of its own beside a launch template with network interfaces', () => {
    const findings = templateFindings([lt('Lt', interfacesOf('c5n.18xlarge')), ce('Ce', 'Lt', ['c5n.18xlarge'], { SecurityGroupIds: ['sg-1'] })]);
    expect(ids(findings)).toEqual(['Ce:error:security-groups-with-network-interfaces']);
    expect(findings[0].message).toMatch(/^This Batch compute environment sets SecurityGroupIds, and its launch template Lt sets NetworkInterfaces, but AWS Batch refuses both/);
  });

  test('accepts security groups of its own with a launch template without network interfaces', () => {
    expect(templateFindings([lt('Lt', []), ce('Ce', 'Lt', ['c5n.18xlarge'], { SecurityGroupIds: ['sg-1'] })])).toEqual([]);
    expect(templateFindings([lt('Lt', interfacesOf('c5n.18xlarge')), ce('Ce', 'Lt', ['c5n.18xlarge'], { SecurityGroupIds: [] })])).toEqual([]);
  });
});

describe('readJobDefinition', () => {
  test('reads each container with its instance types, devices and literal environment', () => {
    expect(readJobDefinition({
      NodeProperties: {
        NodeRangeProperties: [
          { TargetNodes: '0', Container: { InstanceType: 'p5.48xlarge', LinuxParameters: { Devices: [device(0)] }, Environment: [{ Name: 'A', Value: '1' }, { Name: 'B', Value: { Ref: 'X' } }] } },
          { TargetNodes: '1:', InstanceTypes: ['p5e.48xlarge'], Container: { LinuxParameters: { Devices: [{ HostPath: '/dev/fuse' }] } } },
          { TargetNodes: '2:', EcsProperties: {} },
        ],
      },
    })).toEqual([
      { targetNodes: '0', instanceTypes: ['p5.48xlarge'], devices: [{ hostPath: '/dev/infiniband/uverbs0', containerPath: '/dev/infiniband/uverbs0', permissions: RWM }], environment: { A: '1' } },
      { targetNodes: '1:', instanceTypes: ['p5e.48xlarge'], devices: [{ hostPath: '/dev/fuse', containerPath: undefined, permissions: undefined }], environment: {} },
    ]);
  });

  test.each<[string, JsonObject]>([
    ['no properties', {}],
    ['an intrinsic NodeProperties', { NodeProperties: { 'Fn::If': ['C', {}, {}] } }],
    ['malformed node ranges', { NodeProperties: { NodeRangeProperties: [null, 7, { Container: 'x' }] } }],
  ])('reads %s as no container', (_, properties) => {
    expect(readJobDefinition(properties)).toEqual([]);
  });
});

describe('EfaChecks on hand-written Batch L1 resources', () => {
  function setup() {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    Aspects.of(app).add(new EfaChecks());
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, subnetConfiguration: [{ name: 'nodes', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const efa = new EfaSecurityGroup(stack, 'Efa', { vpc });
    const template = new ec2.CfnLaunchTemplate(stack, 'Lt', {
      launchTemplateData: {
        networkInterfaces: EfaLayout.forInstanceType('p4d.24xlarge').interfaces.map((i) => ({ ...i, groups: [efa.securityGroupId] })),
      },
    });
    return { stack, vpc, template };
  }

  function job(stack: Stack, count: number, environment: batch.CfnJobDefinition.EnvironmentProperty[] = []) {
    return new batch.CfnJobDefinition(stack, 'Job', {
      type: 'multinode',
      nodeProperties: {
        numNodes: 2,
        mainNode: 0,
        nodeRangeProperties: [{
          targetNodes: '0:1',
          container: {
            image: 'nccl-tests',
            environment,
            linuxParameters: { devices: Array.from({ length: count }, (_, i) => ({ hostPath: `/dev/infiniband/uverbs${i}`, permissions: RWM })) },
          },
        }],
      },
    });
  }

  function computeEnvironment(stack: Stack, vpc: ec2.Vpc, template: ec2.CfnLaunchTemplate, securityGroupIds?: string[]) {
    return new batch.CfnComputeEnvironment(stack, 'Ce', {
      type: 'MANAGED',
      computeResources: {
        type: 'EC2',
        maxvCpus: 192,
        subnets: [vpc.isolatedSubnets[0].subnetId],
        instanceTypes: ['p4d.24xlarge'],
        securityGroupIds,
        launchTemplate: { launchTemplateId: template.ref, version: template.attrLatestVersionNumber },
      },
    });
  }

  test('fail for a device beyond the compute environment\'s layout, on the job definition', () => {
    const { stack, vpc, template } = setup();
    computeEnvironment(stack, vpc, template);
    job(stack, 5);
    Annotations.fromStack(stack).hasError('/Stack/Job', Match.stringLikeRegexp('uverbs4, but the launch template of Batch compute environment Stack/Ce has 4 EFA interfaces.*cdk-efa:efa-device-out-of-range'));
  });

  test('warn about unmapped devices, and fail for the environment', () => {
    const { stack, vpc, template } = setup();
    computeEnvironment(stack, vpc, template);
    job(stack, 2, [{ name: 'NCCL_SOCKET_IFNAME', value: 'rdmap79s0' }]);
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Stack/Job', Match.stringLikeRegexp('maps 2 of the 4 EFA devices.*cdk-efa:efa-devices-unmapped'));
    annotations.hasError('/Stack/Job', Match.stringLikeRegexp('NCCL_SOCKET_IFNAME.*cdk-efa:nccl-socket-ifname-efa'));
  });

  test('fail for a compute environment with security groups beside the launch template\'s network interfaces', () => {
    const { stack, vpc, template } = setup();
    computeEnvironment(stack, vpc, template, ['sg-0123456789abcdef0']);
    job(stack, 4);
    const annotations = Annotations.fromStack(stack);
    annotations.hasError('/Stack/Ce', Match.stringLikeRegexp('AWS Batch refuses both.*cdk-efa:security-groups-with-network-interfaces'));
    annotations.hasNoError('/Stack/Job', Match.anyValue());
  });
});

describe('cdk-efa inspect', () => {
  test('prints a job definition\'s findings', () => {
    const resources = Object.fromEntries([...P5_ENVIRONMENT, multinode('Job', containerWith(devices(34)))]
      .map((r) => [r.logicalId, { Type: r.type, Properties: r.properties }]));
    const stack = inspectTemplate('Stack', { Resources: resources });
    expect(stack.findings).toEqual([{ id: 'efa-device-out-of-range', level: 'error', source: 'inspect', count: 1 }]);
    expect(stackInspectionLines(stack).join('\n')).toMatch(/Job.*\n.*uverbs32, \/dev\/infiniband\/uverbs33, but the launch template of Batch compute environment P5Ce.*\[cdk-efa:efa-device-out-of-range\]/);
  });
});
