import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { EfaCluster, EfaKubernetesPlugin } from '../src';

/**
 * An EKS cluster (aws-eks-v2) with three EFA node groups: p5.48xlarge, a p5.48xlarge Capacity Block, and trn2.48xlarge.
 * All three share the cluster's one EFA security group, so the two p5 groups can exchange EFA traffic.
 */
export class EfaEksExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 3, natGateways: 1 });
    const cluster = new eks.Cluster(this, 'Cluster', {
      vpc,
      version: eks.KubernetesVersion.V1_34,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      kubectlProviderOptions: { kubectlLayer: new KubectlV34Layer(this, 'KubectlLayer') },
    });
    const efaCluster = EfaCluster.fromClusterV2(cluster);

    // 32 efa-only interfaces per node, one IP address, a cluster placement group. Kubernetes 1.34: the DRA driver.
    efaCluster.addEfaNodeGroup('P5', {
      instanceTypes: [new ec2.InstanceType('p5.48xlarge')],
      subnet: vpc.privateSubnets[0],
      minSize: 2,
      maxSize: 4,
      kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER,
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: eks.TaintEffect.NO_SCHEDULE }],
    });

    // A Capacity Block for ML: no placement group, the reservation in the launch template. The subnet must be in the
    // reservation's Availability Zone; the deploy-time offering check reads the reservation and verifies it. Desired
    // size 0: EKS upgrades a Capacity Block node group only at desired size 0.
    efaCluster.addEfaNodeGroup('P5CapacityBlock', {
      instanceTypes: [new ec2.InstanceType('p5.48xlarge')],
      subnet: vpc.privateSubnets[0],
      capacityType: eks.CapacityType.CAPACITY_BLOCK,
      capacityReservationId: 'cr-0123456789abcdef0',
      minSize: 0,
      desiredSize: 0,
      maxSize: 2,
    });

    // Trainium2: 16 EFAs and the Neuron AMI. No hugepages2MiCount: the AL2023 accelerated AMIs already reserve the
    // 5128 2 MiB huge pages libfabric needs; set it only to change that number.
    efaCluster.addEfaNodeGroup('Trn2', {
      instanceTypes: [new ec2.InstanceType('trn2.48xlarge')],
      subnet: vpc.privateSubnets[1],
      minSize: 2,
      maxSize: 2,
    });
  }
}
