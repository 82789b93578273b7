import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { EfaAutoScalingGroup, EfaCapacity, EfaCluster, EfaDeviceAlignment, EfaKubernetesPlugin, EfaResourceClaimTemplate } from '../src';

/**
 * A Slurm-style self-managed fleet of p5.48xlarge: an EC2 Auto Scaling group of compute nodes with all 32 EFA
 * interfaces each, in one subnet and a cluster placement group, on the AWS Deep Learning Base AMI (which carries the
 * EFA software and aws-ofi-nccl), and a second group for a Capacity Block that scales itself within the block's window.
 * Both share one EFA security group, so a job can span them. Slurm itself (slurmctld on a head node, slurmd in the
 * nodes' user data) is yours to add.
 */
export class EfaSlurmFleetExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const ami = ec2.MachineImage.fromSsmParameter('/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id');
    const headNode = new ec2.SecurityGroup(this, 'HeadNode', { vpc, description: 'Slurm head node (slurmctld)' });

    // 2 to 8 nodes; the scheduler changes the desired capacity, so it is not set here (a deployment never resets it).
    const fleet = new EfaAutoScalingGroup(this, 'P5', {
      vpc,
      instanceType: new ec2.InstanceType('p5.48xlarge'),
      subnet: vpc.privateSubnets[0],
      machineImage: ami,
      minCapacity: 2,
      maxCapacity: 8,
      rootVolumeSizeGiB: 500,
    });
    // slurmd on the nodes, from the head node: a rule on the EFA security group, which all the fleet's interfaces share.
    fleet.connections.allowFrom(headNode, ec2.Port.tcp(6818), 'slurmd from the Slurm head node');

    // A Capacity Block of 4 p5.48xlarge: the group starts empty, scales to 4 when the block starts and back to 0 an hour
    // before it ends (EC2 reclaims the instances from 30 minutes before the end). No placement group: the block's
    // capacity is already close together. The offering check keeps the subnet in the block's Availability Zone.
    new EfaAutoScalingGroup(this, 'P5CapacityBlock', {
      vpc,
      instanceType: new ec2.InstanceType('p5.48xlarge'),
      availabilityZoneId: 'use2-az2',
      machineImage: ami,
      securityGroup: fleet.launchTemplate.efaSecurityGroup,
      capacity: EfaCapacity.capacityBlock('cr-0123456789abcdef0'),
      maxCapacity: 4,
      capacityBlockStartTime: new Date('2027-03-01T11:30:00Z'),
      capacityBlockEndTime: new Date('2027-03-08T11:30:00Z'),
    });
  }
}

/**
 * Self-managed EKS nodes on trn2.48xlarge (16 EFA interfaces each) on the EFA DRA driver, which the EKS User Guide
 * recommends on self-managed nodes from Kubernetes 1.34: an aws-eks-v2 cluster, an Auto Scaling group whose nodes boot
 * the EKS-optimized AL2023 Neuron AMI and join with a nodeadm NodeConfig, an EC2_LINUX access entry for their role, the
 * DRA driver chart, and a ResourceClaimTemplate that pairs Trainium devices with the EFA devices on their PCIe root.
 */
export class EfaSelfManagedEksExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new eks.Cluster(this, 'Cluster', {
      vpc,
      version: eks.KubernetesVersion.V1_34,
      // nodeadm needs the service CIDR, which CloudFormation does not return: name it.
      serviceIpv4Cidr: '172.20.0.0/16',
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      kubectlProviderOptions: { kubectlLayer: new KubectlV34Layer(this, 'KubectlLayer') },
    });
    const efaCluster = EfaCluster.fromClusterV2(cluster);

    efaCluster.addEfaAutoScalingGroup('Trn2', {
      instanceType: new ec2.InstanceType('trn2.48xlarge'),
      subnet: vpc.privateSubnets[0],
      minCapacity: 2,
      maxCapacity: 4,
      kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER,
      labels: { 'node.kubernetes.io/pool': 'trn2' },
      taints: [{ key: 'aws.amazon.com/neuron', value: 'true', effect: eks.TaintEffect.NO_SCHEDULE }],
    });

    // Four Trainium2 devices and the EFA devices on their PCIe roots, from the EFA DRA driver above and the Neuron DRA
    // driver (install it yourself). A pod names it in spec.resourceClaims[].resourceClaimTemplateName: neuron-aligned-efa.
    new EfaResourceClaimTemplate(this, 'NeuronAlignedEfa', {
      cluster: efaCluster,
      name: 'neuron-aligned-efa',
      alignWith: EfaDeviceAlignment.neuronDevices(4),
      instanceType: new ec2.InstanceType('trn2.48xlarge'),
    });
  }
}
