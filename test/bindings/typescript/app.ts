// The TypeScript twin of the Python, Java and Go apps next to it: the same stack, built from the library's source
// (run.sh compiles lib/ from the same source before it packages the bindings).
// Usage: ts-node --project tsconfig.dev.json test/bindings/typescript/app.ts OUTDIR
// run.sh preloads use-cdk.js so that this runs on the same aws-cdk-lib release as the language it is compared with.
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  EfaAutoScalingGroup, EfaCluster, EfaKarpenterNodePool, EfaKubernetesPlugin, EfaLaunchTemplate, EfaNodeGroup, EfaPlacement, EfaSecurityGroup,
  KarpenterCapacityType, LayoutProfile, PrimaryInterface,
} from '../../../src';

/** Builds the bindings stack, CdkEfaBindings (environment-agnostic), in an app that synthesizes to `outdir`. */
export function buildApp(outdir: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'CdkEfaBindings', { stackName: 'cdk-efa-bindings' });

  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });

  const efaSecurityGroup = new EfaSecurityGroup(stack, 'EfaSecurityGroup', { vpc, allowAllOutbound: false });
  efaSecurityGroup.connections.allowFrom(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(22));

  // 16 EFAs spread over the 32 cards, extra ENAs on cards 4 and 8, the shared security group, a bigger root volume.
  const p5 = new EfaLaunchTemplate(stack, 'P5', {
    instanceType: new ec2.InstanceType('p5.48xlarge'),
    securityGroup: efaSecurityGroup,
    efaCount: 16,
    profile: LayoutProfile.enaOnCards([4, 8]),
    rootVolumeSizeGiB: 200,
  });

  // AWS "use case 2" with an `efa` primary, its own security group, and no placement group.
  const b200 = new EfaLaunchTemplate(stack, 'B200', {
    instanceType: new ec2.InstanceType('p6-b200.48xlarge'),
    vpc,
    profile: LayoutProfile.MAX_BANDWIDTH,
    primaryInterface: PrimaryInterface.EFA,
    placement: EfaPlacement.none(),
  });

  // The cluster's existing kubectl provider, imported (no Lambda or layer in this app): the Karpenter pool applies its
  // EC2NodeClass and NodePool through it.
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'training',
    vpc,
    clusterSecurityGroupId: 'sg-0123456789abcdef0',
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'KubectlProvider', {
      serviceToken: 'arn:aws:lambda:us-east-1:111122223333:function:training-kubectl-provider',
    }),
  });
  const nodeGroup = new EfaNodeGroup(stack, 'P5NodeGroup', {
    cluster: EfaCluster.fromClusterV2(cluster),
    instanceTypes: [new ec2.InstanceType('p5.48xlarge')],
    subnet: vpc.privateSubnets[0],
    kubernetesPlugin: EfaKubernetesPlugin.NONE,
    minSize: 2,
    maxSize: 4,
    labels: { team: 'training' },
    taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: eks.TaintEffect.NO_SCHEDULE }],
  });

  // A Karpenter EC2NodeClass and NodePool for p5.48xlarge on the same cluster, applied as one manifest, with the
  // offering check; the device plugin is left to the node group's owner (NONE, so no Helm chart).
  const pool = new EfaKarpenterNodePool(stack, 'P5KarpenterPool', {
    cluster: EfaCluster.fromClusterV2(cluster),
    instanceTypes: [new ec2.InstanceType('p5.48xlarge')],
    role: iam.Role.fromRoleName(stack, 'KarpenterNodeRole', 'KarpenterNodeRole-training'),
    subnet: vpc.privateSubnets[1],
    kubernetesPlugin: EfaKubernetesPlugin.NONE,
    capacityTypes: [KarpenterCapacityType.ON_DEMAND, KarpenterCapacityType.SPOT],
    labels: { team: 'training' },
    taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: eks.TaintEffect.NO_SCHEDULE }],
    limits: { 'nvidia.com/gpu': '64' },
  });

  // A self-managed p5 fleet in one private subnet with the shared security group, an SSH group on its IP interfaces,
  // the default AL2023 image (an SSM parameter) and no offering check.
  const sshSecurityGroup = new ec2.SecurityGroup(stack, 'SshSecurityGroup', { vpc, description: 'SSH from the VPC' });
  sshSecurityGroup.addIngressRule(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(22));
  const fleet = new EfaAutoScalingGroup(stack, 'P5Fleet', {
    vpc,
    instanceType: new ec2.InstanceType('p5.48xlarge'),
    subnet: vpc.privateSubnets[0],
    securityGroup: efaSecurityGroup,
    additionalSecurityGroups: [sshSecurityGroup],
    efaCount: 16,
    offeringCheck: false,
    minCapacity: 2,
    maxCapacity: 4,
    rootVolumeSizeGiB: 200,
  });

  // Values read back through the bindings: numbers, a list of structs, a string property and a token.
  new CfnOutput(stack, 'P5EfaCount', { value: String(p5.layout.summary.efaCount) });
  new CfnOutput(stack, 'P5NetworkInterfaceCount', { value: String(p5.layout.interfaces.length) });
  new CfnOutput(stack, 'B200Ipv4AddressesPerNode', { value: String(b200.layout.summary.ipv4AddressesPerNode) });
  new CfnOutput(stack, 'NodeGroupPlugin', { value: nodeGroup.kubernetesPlugin.name });
  new CfnOutput(stack, 'NodeGroupName', { value: nodeGroup.nodegroupName });
  new CfnOutput(stack, 'KarpenterNodePoolName', { value: pool.nodePoolName });
  new CfnOutput(stack, 'KarpenterNetworkInterfaceCount', { value: String(pool.networkInterfaces.length) });
  new CfnOutput(stack, 'KarpenterSubnetId', { value: pool.subnetId });
  new CfnOutput(stack, 'FleetMaxCapacity', { value: String(fleet.maxCapacity) });
  new CfnOutput(stack, 'FleetEfaCount', { value: String(fleet.layout.summary.efaCount) });
  new CfnOutput(stack, 'FleetAutoScalingGroupName', { value: fleet.autoScalingGroup.autoScalingGroupName });
  return app;
}

const outdir = process.argv[2];
if (!outdir) {
  throw new Error('usage: app.ts OUTDIR');
}
buildApp(outdir).synth();
