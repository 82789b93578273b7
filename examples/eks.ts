import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EfaCapacity, EfaCluster, EfaDeviceAlignment, EfaKarpenterNodePool, EfaKubernetesPlugin, EfaResourceClaimTemplate } from '../src';

/**
 * An EKS cluster (aws-eks-v2) with three EFA node groups: p5.48xlarge, a p5.48xlarge Capacity Block, and trn2.48xlarge.
 * All three share the cluster's one EFA security group, so the two p5 groups can exchange EFA traffic. On Kubernetes
 * 1.34 they all run the EFA DRA driver, so the cluster also gets a ResourceClaimTemplate that pairs a GPU with its EFA
 * devices (a cluster on the EFA device plugin, which Karpenter node pools need, would refuse it). A second cluster has a
 * Karpenter node pool for p5 on the device plugin.
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
      capacity: EfaCapacity.capacityBlock('cr-0123456789abcdef0'),
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

    // Topology-aware DRA claim for the p5 nodes: one GPU and every EFA device on its PCIe root (four on p5.48xlarge),
    // from the EFA DRA driver above and the NVIDIA DRA driver (install it yourself). A pod names it in
    // spec.resourceClaims[].resourceClaimTemplateName: efa-aligned-gpu.
    new EfaResourceClaimTemplate(this, 'GpuAlignedEfa', {
      cluster: efaCluster,
      name: 'efa-aligned-gpu',
      alignWith: EfaDeviceAlignment.nvidiaGpus(1),
      instanceType: new ec2.InstanceType('p5.48xlarge'),
    });

    // Karpenter nodes need the EFA device plugin, which must not share a cluster with the DRA driver above: a second
    // cluster, where Karpenter 1.11 or later already runs (cdk-efa does not install it), gets an EC2NodeClass with
    // p5's 33 network interfaces and a NodePool, and the device plugin once.
    const karpenterCluster = new eks.Cluster(this, 'KarpenterCluster', {
      vpc,
      version: eks.KubernetesVersion.V1_34,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      kubectlProviderOptions: { kubectlLayer: new KubectlV34Layer(this, 'KarpenterKubectlLayer') },
    });
    new EfaKarpenterNodePool(this, 'P5Pool', {
      cluster: EfaCluster.fromClusterV2(karpenterCluster),
      instanceTypes: [new ec2.InstanceType('p5.48xlarge'), new ec2.InstanceType('p5e.48xlarge')],
      role: iam.Role.fromRoleName(this, 'KarpenterNodeRole', 'KarpenterNodeRole-training'),
      subnet: vpc.privateSubnets[1],
      limits: { 'nvidia.com/gpu': '64' },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: eks.TaintEffect.NO_SCHEDULE }],
    });
  }
}
