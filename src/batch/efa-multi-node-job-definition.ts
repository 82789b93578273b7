import { Annotations, Duration, Size, Token } from 'aws-cdk-lib';
// Types only, erased at run time: importing cdk-efa loads neither aws-batch, aws-ecs nor aws-iam.
import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EfaBatchComputeEnvironment } from './efa-batch-compute-environment';
import { batchModule } from './private/lazy-modules';
import { AcceleratorKind } from '../core/capabilities';
import { DeviceMapping, EFA_DEVICE_PERMISSIONS, efaDeviceFindings, efaDevicePath, efaEnvironmentProblems } from '../core/private/efa-container-rules';
import { Problem, echo, throwIfProblems } from '../core/private/errors';
import { acknowledgeNagRules } from '../ec2/private/nag';

/**
 * Properties of an `EfaMultiNodeJobDefinition`.
 *
 * @see https://docs.aws.amazon.com/batch/latest/userguide/multi-node-parallel-jobs.html
 */
export interface EfaMultiNodeJobDefinitionProps {
  /**
   * The compute environment the job runs in. Its layout says how many EFA devices each node has, and its instance type
   * becomes the job's when it has only one.
   */
  readonly computeEnvironment: EfaBatchComputeEnvironment;

  /** The container image of every node, for example `ecs.ContainerImage.fromRegistry('public.ecr.aws/hpc-cloud/nccl-tests:latest')`. */
  readonly image: ecs.ContainerImage;

  /**
   * The number of nodes (instances) of the job, a count. Override it per job with `aws batch submit-job
   * --node-overrides numNodes=N`.
   *
   * @throws `cdk-efa:invalid-node-range` when it is not a whole number of at least 1
   */
  readonly numNodes: number;

  /**
   * The vCPUs each node's container reserves, a whole count.
   *
   * @throws `cdk-efa:invalid-job-resources` when it is not a whole number of at least 1
   */
  readonly cpu: number;

  /**
   * The memory each node's container reserves, in MiB; at most what the instance type leaves to containers.
   *
   * @throws `cdk-efa:invalid-job-resources` when it is not a whole number of at least 4
   */
  readonly memoryMiB: number;

  /**
   * The GPUs each node's container reserves, a count.
   *
   * @default - none
   * @throws `cdk-efa:invalid-job-resources` when it is not a whole number, or more than the instance type's NVIDIA GPUs
   */
  readonly gpus?: number;

  /**
   * The command of the container.
   *
   * @default - the image's command
   */
  readonly command?: string[];

  /**
   * Environment variables of the container, beside `FI_PROVIDER=efa`, which cdk-efa sets so that libfabric and
   * aws-ofi-nccl use the EFA devices. `NCCL_SOCKET_IFNAME` must not select an EFA device: an `efa-only` interface has
   * no IP address for NCCL's bootstrap sockets.
   *
   * @default - only `FI_PROVIDER=efa`
   * @throws `cdk-efa:fi-provider-not-efa` for another `FI_PROVIDER`; `cdk-efa:nccl-socket-ifname-efa` for an
   *         `NCCL_SOCKET_IFNAME` that names an EFA device
   */
  readonly environment?: Record<string, string>;

  /**
   * The index of the main node, which AWS Batch starts first and whose exit ends the job.
   *
   * @default 0
   * @throws `cdk-efa:invalid-node-range` when it is not a whole number below `numNodes`
   */
  readonly mainNode?: number;

  /**
   * How many EFA devices (`/dev/infiniband/uverbs0` …) to map into the container, a count. A device beyond the
   * compute environment's EFA interfaces does not exist on the host.
   *
   * @default - every EFA interface of the compute environment's layout (32 on p5.48xlarge)
   * @throws `cdk-efa:invalid-efa-device-count` when it is not a whole number of at least 1;
   *         `cdk-efa:efa-device-out-of-range` when it exceeds the layout's EFA interfaces
   */
  readonly efaDeviceCount?: number;

  /**
   * The size of the container's `/dev/shm`, in MiB. NCCL uses shared memory between the processes of a node.
   *
   * @default - Docker's default (64 MiB)
   */
  readonly sharedMemorySizeMiB?: number;

  /**
   * The IAM role the container's processes assume.
   *
   * @default - none
   */
  readonly jobRole?: iam.IRole;

  /**
   * How long an attempt of the job may run before AWS Batch stops it.
   *
   * @default - no timeout
   */
  readonly timeout?: Duration;

  /**
   * How many times AWS Batch attempts the job (a main-node failure triggers another attempt), a count from 1 to 10.
   *
   * @default 1
   */
  readonly retryAttempts?: number;

  /**
   * The job definition's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly jobDefinitionName?: string;
}

/**
 * An AWS Batch multi-node parallel job definition whose nodes use every EFA interface of their instances.
 *
 * Every node's container (one node range, `0:numNodes-1`) maps each EFA device of the compute environment's layout,
 * `/dev/infiniband/uverbs0` to `uverbsN-1`, with `READ`, `WRITE` and `MKNOD` permissions; has the `memlock` ulimit
 * unlimited (soft and hard -1), which libfabric needs to register memory with the EFA devices; and runs with
 * `FI_PROVIDER=efa`. The device count is checked against the compute environment's layout, and the environment against
 * what EFA needs, with the same rules `EfaChecks` applies to any `AWS::Batch::JobDefinition`.
 *
 * The constructor checks its props in one pass and throws one error that lists every problem, each with its ID (see
 * docs/errors.md).
 *
 * @see https://docs.aws.amazon.com/batch/latest/userguide/efa.html
 * @see https://docs.aws.amazon.com/batch/latest/userguide/multi-node-parallel-jobs.html
 */
export class EfaMultiNodeJobDefinition extends Construct {
  /** The aws-batch job definition (construct ID `Resource`). */
  public readonly jobDefinition: batch.MultiNodeJobDefinition;

  /** The container of every node (construct ID `Container`). */
  public readonly container: batch.EcsEc2ContainerDefinition;

  /** The job definition's ARN. */
  public readonly jobDefinitionArn: string;

  /** The job definition's name. */
  public readonly jobDefinitionName: string;

  /** How many EFA devices each node's container maps. */
  public readonly efaDeviceCount: number;

  /** The host paths of the EFA devices each node's container maps, `/dev/infiniband/uverbs0` first. */
  public readonly efaDevicePaths: string[];

  constructor(scope: Construct, id: string, props: EfaMultiNodeJobDefinitionProps) {
    super(scope, id);
    const ce = props.computeEnvironment;
    const layout = ce.layout;
    const efaCount = layout.summary.efaCount;
    const deviceCount = props.efaDeviceCount ?? efaCount;
    const validCount = deviceCountProblems(deviceCount).length === 0;
    const devices: DeviceMapping[] = validCount
      ? Array.from({ length: deviceCount }, (_, i) => ({
        hostPath: efaDevicePath(i), containerPath: efaDevicePath(i), permissions: EFA_DEVICE_PERMISSIONS,
      }))
      : [];
    const source = `the layout of ${layout.instanceType} in compute environment ${ce.node.path}`;
    const deviceFindings = efaDeviceFindings(devices, { efaCount, source });
    const environment: Record<string, string> = { FI_PROVIDER: 'efa', ...props.environment };
    const mainNode = props.mainNode ?? 0;
    throwIfProblems(`EfaMultiNodeJobDefinition ${this.node.path}`, [
      ...deviceCountProblems(deviceCount),
      ...deviceFindings.errors,
      ...efaEnvironmentProblems(environment),
      ...nodeRangeProblems(props.numNodes, mainNode),
      ...resourceProblems(props, ce),
    ]);
    deviceFindings.warnings.forEach((w) => Annotations.of(this).addWarningV2(`cdk-efa:${w.id}`, `EfaMultiNodeJobDefinition ${this.node.path} ${w.message}`));
    if (!Token.isUnresolved(props.numNodes) && props.numNodes < 2) {
      Annotations.of(this).addWarningV2('cdk-efa:fewer-than-two-nodes', `The job has ${props.numNodes} node, but EFA connects instances to each other and needs at least 2 to be useful; raise numNodes to 2 or more (or override it at submit time with --node-overrides numNodes=N).`);
    }
    this.efaDeviceCount = deviceCount;
    this.efaDevicePaths = devices.map((d) => d.hostPath!);

    const b = batchModule();
    const linuxParameters = new b.LinuxParameters(this, 'LinuxParameters', {
      sharedMemorySize: props.sharedMemorySizeMiB === undefined ? undefined : Size.mebibytes(props.sharedMemorySizeMiB),
    });
    // AWS Batch's API spells the permissions READ, WRITE and MKNOD (aws-cdk-lib's DevicePermission values are lower case).
    linuxParameters.addDevices(...devices.map((d) => ({
      hostPath: d.hostPath!,
      containerPath: d.containerPath,
      permissions: d.permissions!.map((p) => p as unknown as batch.DevicePermission),
    })));
    this.container = new b.EcsEc2ContainerDefinition(this, 'Container', {
      image: props.image,
      cpu: props.cpu,
      memory: Size.mebibytes(props.memoryMiB),
      gpu: props.gpus,
      command: props.command,
      environment,
      linuxParameters,
      // libfabric registers (pins) memory with the EFA devices: no memlock limit.
      ulimits: [{ name: b.UlimitName.MEMLOCK, softLimit: -1, hardLimit: -1 }],
      jobRole: props.jobRole,
    });
    acknowledgeNagRules(this.container, [{
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/batch/job:*]',
      reason: 'cdk-efa: the execution role aws-batch creates writes the job\'s log streams in AWS Batch\'s default log group, /aws/batch/job, whose stream names are known only when the job runs.',
    }]);
    const instanceTypes = ce.instanceTypes;
    this.jobDefinition = new b.MultiNodeJobDefinition(this, 'Resource', {
      jobDefinitionName: props.jobDefinitionName,
      // AWS Batch runs every node on one instance type; with one in the compute environment, the job names it.
      instanceType: instanceTypes.length === 1 ? instanceTypes[0] : undefined,
      mainNode,
      containers: [{ startNode: 0, endNode: props.numNodes - 1, container: this.container }],
      timeout: props.timeout,
      retryAttempts: props.retryAttempts,
    });
    this.jobDefinitionArn = this.jobDefinition.jobDefinitionArn;
    this.jobDefinitionName = this.jobDefinition.jobDefinitionName;
  }
}

/** `invalid-efa-device-count`: a device count that is not a whole number of at least 1 (or a token). */
function deviceCountProblems(count: number): Problem[] {
  if (typeof count === 'number' && !Token.isUnresolved(count) && Number.isInteger(count) && count >= 1) {
    return [];
  }
  return [{ id: 'invalid-efa-device-count', message: `has efaDeviceCount ${echo(count)}, but the EFA devices are mapped one by one at synth time, so it is a whole number of at least 1; leave it unset to map every EFA interface of the compute environment's layout.` }];
}

/** `invalid-node-range`: a node count or main node AWS Batch refuses. */
function nodeRangeProblems(numNodes: number, mainNode: number): Problem[] {
  const problems: Problem[] = [];
  const numNodesValid = typeof numNodes === 'number' && !Token.isUnresolved(numNodes) && Number.isInteger(numNodes) && numNodes >= 1;
  if (!numNodesValid) {
    problems.push({ id: 'invalid-node-range', message: `has numNodes ${echo(numNodes)}, but the node range (0 to numNodes - 1) is written at synth time, so numNodes is a whole number of at least 1 (2 or more to use EFA between nodes), not a token; override it per job with --node-overrides numNodes=N.` });
  }
  const mainNodeUnresolved = typeof mainNode === 'number' && Token.isUnresolved(mainNode);
  const mainNodeValid = typeof mainNode === 'number' && Number.isInteger(mainNode) && mainNode >= 0 && (!numNodesValid || mainNode < numNodes);
  if (!mainNodeUnresolved && !mainNodeValid) {
    problems.push({ id: 'invalid-node-range', message: `has mainNode ${echo(mainNode)}, but the main node is the index of one of the job's ${echo(numNodes)} nodes, a whole number from 0 below numNodes; leave it unset for 0.` });
  }
  return problems;
}

/** `invalid-job-resources`: vCPUs, memory or GPUs AWS Batch refuses, or GPUs the instance type does not have. */
function resourceProblems(props: EfaMultiNodeJobDefinitionProps, ce: EfaBatchComputeEnvironment): Problem[] {
  const problems: Problem[] = [];
  const invalid = (n: unknown, least: number) => typeof n !== 'number' || (!Token.isUnresolved(n) && (!Number.isInteger(n) || n < least));
  if (invalid(props.cpu, 1)) {
    problems.push({ id: 'invalid-job-resources', message: `has cpu ${echo(props.cpu)}, but a job on EC2 reserves a whole number of vCPUs, at least 1.` });
  }
  if (invalid(props.memoryMiB, 4)) {
    problems.push({ id: 'invalid-job-resources', message: `has memoryMiB ${echo(props.memoryMiB)}, but a job reserves a whole number of MiB, at least 4.` });
  }
  const gpus = props.gpus;
  if (gpus !== undefined && invalid(gpus, 0)) {
    problems.push({ id: 'invalid-job-resources', message: `has gpus ${echo(gpus)}, but a job reserves a whole number of GPUs, 0 or more.` });
  } else if (gpus !== undefined && !Token.isUnresolved(gpus)) {
    const available = (ce.layout.capabilities.accelerators ?? []).filter((a) => a.kind === AcceleratorKind.GPU).reduce((n, a) => n + a.count, 0);
    if (gpus > available) {
      problems.push({ id: 'invalid-job-resources', message: `has gpus ${gpus}, but ${ce.layout.instanceType} has ${available} GPU${available === 1 ? '' : 's'}, so AWS Batch could never place the job and it would stay RUNNABLE; ask for ${available === 0 ? 'no GPUs, or use a GPU instance type' : `at most ${available}`}.` });
    }
  }
  return problems;
}
