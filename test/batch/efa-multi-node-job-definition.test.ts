import { App, Aspects, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import {
  EfaBatchComputeEnvironment, EfaBatchComputeEnvironmentProps, EfaChecks, EfaMultiNodeJobDefinition, EfaMultiNodeJobDefinitionProps,
} from '../../src';
import { logicalIds, startingWith } from '../template-helpers';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/hpc-cloud/nccl-tests:latest');

function setup(ceProps: Partial<EfaBatchComputeEnvironmentProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const ce = new EfaBatchComputeEnvironment(stack, 'Ce', {
    vpc, instanceTypes: [new ec2.InstanceType('p5.48xlarge')], maxvCpus: 768, subnet: vpc.privateSubnets[0], ...ceProps,
  });
  return { app, stack, vpc, ce };
}

function jobDefinition(props: Partial<EfaMultiNodeJobDefinitionProps> = {}, s = setup()) {
  const job = new EfaMultiNodeJobDefinition(s.stack, 'Job', { computeEnvironment: s.ce, image: IMAGE, numNodes: 4, cpu: 96, memoryMiB: 1_000_000, gpus: 8, ...props });
  return { ...s, job, template: Template.fromStack(s.stack) };
}

function container(template: Template): Record<string, any> {
  const jobs = Object.values(template.findResources('AWS::Batch::JobDefinition'));
  expect(jobs).toHaveLength(1);
  const ranges = jobs[0].Properties.NodeProperties.NodeRangeProperties;
  expect(ranges).toHaveLength(1);
  return ranges[0].Container;
}

const uverbs = (n: number) => Array.from({ length: n }, (_, i) => ({
  HostPath: `/dev/infiniband/uverbs${i}`, ContainerPath: `/dev/infiniband/uverbs${i}`, Permissions: ['READ', 'WRITE', 'MKNOD'],
}));

describe('EfaMultiNodeJobDefinition', () => {
  test('maps every EFA device of the layout with read, write and mknod, with memlock unlimited and FI_PROVIDER=efa', () => {
    const { template, job } = jobDefinition();
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'multinode',
      PlatformCapabilities: ['EC2'],
      NodeProperties: { NumNodes: 4, MainNode: 0, NodeRangeProperties: [{ TargetNodes: '0:3', Container: Match.anyValue() }] },
    });
    const c = container(template);
    expect(c.LinuxParameters.Devices).toEqual(uverbs(32));
    expect(c.Ulimits).toEqual([{ Name: 'memlock', SoftLimit: -1, HardLimit: -1 }]);
    expect(c.Environment).toEqual([{ Name: 'FI_PROVIDER', Value: 'efa' }]);
    expect(c.InstanceType).toBe('p5.48xlarge');
    expect(c.Image).toBe('public.ecr.aws/hpc-cloud/nccl-tests:latest');
    expect(c.ResourceRequirements).toEqual(expect.arrayContaining([
      { Type: 'VCPU', Value: '96' }, { Type: 'MEMORY', Value: '1000000' }, { Type: 'GPU', Value: '8' },
    ]));
    expect(c.Environment.map((e: { Name: string }) => e.Name)).not.toContain('NCCL_SOCKET_IFNAME');
    expect(job.efaDeviceCount).toBe(32);
    expect(job.efaDevicePaths[31]).toBe('/dev/infiniband/uverbs31');
  });

  test.each<[string, number]>([['hpc7a.96xlarge', 2], ['c5n.18xlarge', 1], ['p4d.24xlarge', 4], ['trn2.48xlarge', 16], ['p6-b200.48xlarge', 8]])(
    'maps the %s layout\'s %d EFA devices', (type, count) => {
      const { template } = jobDefinition({ gpus: undefined }, setup({ instanceTypes: [new ec2.InstanceType(type)] }));
      expect(container(template).LinuxParameters.Devices).toEqual(uverbs(count));
    });

  test('follows the compute environment\'s efaCount', () => {
    const { template } = jobDefinition({}, setup({ efaCount: 16 }));
    expect(container(template).LinuxParameters.Devices).toEqual(uverbs(16));
  });

  test('names no instance type when the compute environment has several', () => {
    const { template } = jobDefinition({}, setup({ instanceTypes: [new ec2.InstanceType('p5.48xlarge'), new ec2.InstanceType('p5e.48xlarge')] }));
    expect(container(template).InstanceType).toBeUndefined();
  });

  test('keeps the user\'s environment, command, main node, shared memory, timeout and retries', () => {
    const { template } = jobDefinition({
      environment: { NCCL_DEBUG: 'INFO', NCCL_SOCKET_IFNAME: '^lo,docker', FI_PROVIDER: 'efa' },
      command: ['/opt/nccl-tests/build/all_reduce_perf', '-b', '8'],
      mainNode: 3,
      sharedMemorySizeMiB: 49152,
      timeout: Duration.hours(2),
      retryAttempts: 2,
      jobDefinitionName: 'nccl-tests',
    });
    const c = container(template);
    expect(c.Environment).toEqual([
      { Name: 'FI_PROVIDER', Value: 'efa' }, { Name: 'NCCL_DEBUG', Value: 'INFO' }, { Name: 'NCCL_SOCKET_IFNAME', Value: '^lo,docker' },
    ]);
    expect(c.Command).toEqual(['/opt/nccl-tests/build/all_reduce_perf', '-b', '8']);
    expect(c.LinuxParameters.SharedMemorySize).toBe(49152);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: 'nccl-tests',
      NodeProperties: Match.objectLike({ MainNode: 3 }),
      Timeout: { AttemptDurationSeconds: 7200 },
      RetryStrategy: { Attempts: 2 },
    });
  });

  test('passes EfaChecks with no findings, beside its compute environment', () => {
    const s = setup();
    Aspects.of(s.app).add(new EfaChecks());
    jobDefinition({}, s);
    const annotations = Annotations.fromStack(s.stack);
    annotations.hasNoError('*', Match.stringLikeRegexp('cdk-efa:'));
    annotations.hasNoWarning('*', Match.stringLikeRegexp('cdk-efa:'));
  });
});

describe('EfaMultiNodeJobDefinition errors', () => {
  test('fails for more EFA devices than the layout has', () => {
    expect(() => jobDefinition({ efaDeviceCount: 33 }))
      .toThrow(/EfaMultiNodeJobDefinition Stack\/Job: maps \/dev\/infiniband\/uverbs32, but the layout of p5\.48xlarge in compute environment Stack\/Ce has 32 EFA interfaces, so the host has only \/dev\/infiniband\/uverbs0 to uverbs31.*\[cdk-efa:efa-device-out-of-range\]/);
    expect(() => jobDefinition({ efaDeviceCount: 20 }, setup({ efaCount: 16 }))).toThrow(/uverbs16, .*uverbs19, but .* has 16 EFA interfaces.*cdk-efa:efa-device-out-of-range/);
  });

  test.each<[string, number]>([['0', 0], ['a fraction', 1.5], ['negative', -1]])('fails for an efaDeviceCount that is %s', (_, count) => {
    expect(() => jobDefinition({ efaDeviceCount: count })).toThrow(/efaDeviceCount .*whole number of at least 1.*cdk-efa:invalid-efa-device-count/);
  });

  test('fails for an efaDeviceCount that is a token', () => {
    const s = setup();
    const count = new CfnParameter(s.stack, 'Count', { type: 'Number' }).valueAsNumber;
    expect(() => jobDefinition({ efaDeviceCount: count }, s)).toThrow(/efaDeviceCount an unresolved token.*cdk-efa:invalid-efa-device-count/);
  });

  test.each<[string, Partial<EfaMultiNodeJobDefinitionProps>, RegExp]>([
    ['no nodes', { numNodes: 0 }, /numNodes 0, but/],
    ['a fractional node count', { numNodes: 2.5 }, /numNodes 2\.5, but/],
    ['a main node beyond the nodes', { mainNode: 4 }, /mainNode 4, but the main node is the index of one of the job's 4 nodes/],
    ['a negative main node', { mainNode: -1 }, /mainNode -1, but/],
  ])('fails for %s', (_, props, message) => {
    expect(() => jobDefinition(props)).toThrow(message);
    expect(() => jobDefinition(props)).toThrow(/cdk-efa:invalid-node-range/);
  });

  test('fails for a node count that is a token: the node range is written at synth time', () => {
    const s = setup();
    const nodes = new CfnParameter(s.stack, 'Nodes', { type: 'Number' }).valueAsNumber;
    expect(() => jobDefinition({ numNodes: nodes }, s)).toThrow(/numNodes an unresolved token.*--node-overrides.*cdk-efa:invalid-node-range/);
  });

  test.each<[string, Partial<EfaMultiNodeJobDefinitionProps>, RegExp]>([
    ['no vCPUs', { cpu: 0 }, /cpu 0, but/],
    ['fractional vCPUs', { cpu: 0.5 }, /cpu 0\.5, but/],
    ['too little memory', { memoryMiB: 2 }, /memoryMiB 2, but/],
    ['negative GPUs', { gpus: -1 }, /gpus -1, but/],
    ['more GPUs than p5.48xlarge has', { gpus: 9 }, /gpus 9, but p5\.48xlarge has 8 GPUs.*RUNNABLE.*at most 8/],
  ])('fails for %s', (_, props, message) => {
    expect(() => jobDefinition(props)).toThrow(message);
    expect(() => jobDefinition(props)).toThrow(/cdk-efa:invalid-job-resources/);
  });

  test('fails for GPUs on a type without them', () => {
    expect(() => jobDefinition({ gpus: 1 }, setup({ instanceTypes: [new ec2.InstanceType('hpc7a.96xlarge')] })))
      .toThrow(/gpus 1, but hpc7a\.96xlarge has 0 GPUs.*no GPUs.*cdk-efa:invalid-job-resources/);
  });

  test('fails for another libfabric provider', () => {
    expect(() => jobDefinition({ environment: { FI_PROVIDER: 'tcp' } })).toThrow(/sets FI_PROVIDER to 'tcp'.*\[cdk-efa:fi-provider-not-efa\]/);
  });

  test.each(['rdmap16s27', 'eth0,rdmap79s0', '=efa0', 'uverbs0'])('fails for NCCL_SOCKET_IFNAME %p, which selects an EFA device', (ifname) => {
    expect(() => jobDefinition({ environment: { NCCL_SOCKET_IFNAME: ifname } })).toThrow(/NCCL_SOCKET_IFNAME.*not an IP interface.*\[cdk-efa:nccl-socket-ifname-efa\]/);
  });

  test('reports every problem of the props in one error', () => {
    expect(() => jobDefinition({ numNodes: 0, cpu: 0, environment: { FI_PROVIDER: 'sockets' } }))
      .toThrow(/EfaMultiNodeJobDefinition Stack\/Job: 3 problems:\n.*fi-provider-not-efa.*\n.*invalid-node-range.*\n.*invalid-job-resources/);
  });
});

describe('EfaMultiNodeJobDefinition warnings', () => {
  test('warns when it maps fewer EFA devices than the layout has', () => {
    const { stack, template } = jobDefinition({ efaDeviceCount: 8 });
    expect(container(template).LinuxParameters.Devices).toEqual(uverbs(8));
    Annotations.fromStack(stack).hasWarning('/Stack/Job', Match.stringLikeRegexp('maps 8 of the 32 EFA devices of the layout of p5\\.48xlarge.*cdk-efa:efa-devices-unmapped'));
  });

  test('warns for a job of one node', () => {
    const { stack } = jobDefinition({ numNodes: 1 });
    Annotations.fromStack(stack).hasWarning('/Stack/Job', Match.stringLikeRegexp('The job has 1 node, but EFA .*cdk-efa:fewer-than-two-nodes'));
    Annotations.fromStack(jobDefinition({ numNodes: 2 }).stack).hasNoWarning('/Stack/Job', Match.stringLikeRegexp('fewer-than-two-nodes'));
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot): a changed ID registers a new job definition', () => {
    const { template } = jobDefinition();
    const ids = logicalIds(template, startingWith('Job'));
    expect(ids).toMatchSnapshot();
  });
});
