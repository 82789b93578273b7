import { Stack, StackProps } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { EfaBatchComputeEnvironment, EfaMultiNodeJobDefinition } from '../src';

/**
 * AWS Batch multi-node parallel jobs on p5.48xlarge with EFA: a compute environment (32 EFA interfaces per instance,
 * one subnet, a cluster placement group), a job queue, and an NCCL tests job definition whose two nodes' containers
 * map all 32 EFA devices.
 */
export class EfaBatchExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // The job containers' own network interfaces (awsvpc) get the VPC's default security group, whose rules must let
    // the nodes reach each other: keep them.
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1, restrictDefaultSecurityGroup: false });

    // On-Demand, On-Demand Capacity Reservations with EfaCapacity.reservation(id); AWS Batch cannot use Capacity Blocks.
    const computeEnvironment = new EfaBatchComputeEnvironment(this, 'P5', {
      vpc,
      instanceTypes: [new ec2.InstanceType('p5.48xlarge')],
      // Room for a job of two p5.48xlarge (192 vCPUs each); the instances exist only while jobs run.
      maxvCpus: 2 * 192,
      subnet: vpc.privateSubnets[0],
    });

    new batch.JobQueue(this, 'Queue', {
      computeEnvironments: [{ computeEnvironment: computeEnvironment.computeEnvironment, order: 1 }],
    });

    // 2 nodes × 8 GPUs; every node maps /dev/infiniband/uverbs0 to uverbs31 and runs with FI_PROVIDER=efa. The image
    // starts MPI on the main node (AWS_BATCH_JOB_NODE_INDEX equal to AWS_BATCH_JOB_MAIN_NODE_INDEX), which the other
    // nodes reach at AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS.
    new EfaMultiNodeJobDefinition(this, 'NcclTests', {
      computeEnvironment,
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/hpc-cloud/nccl-tests:latest'),
      numNodes: 2,
      cpu: 96,
      memoryMiB: 1000000,
      gpus: 8,
      sharedMemorySizeMiB: 49152,
      environment: { NCCL_DEBUG: 'INFO' },
    });
  }
}
