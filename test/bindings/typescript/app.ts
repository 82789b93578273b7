// The TypeScript twin of the Python, Java and Go apps next to it: the same stack, built from the library's source
// (run.sh compiles lib/ from the same source before it packages the bindings).
// Usage: ts-node --project tsconfig.dev.json test/bindings/typescript/app.ts OUTDIR
// run.sh preloads use-cdk.js so that this runs on the same aws-cdk-lib release as the language it is compared with.
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import {
  EfaCluster, EfaKubernetesPlugin, EfaLaunchTemplate, EfaNodeGroup, EfaPlacement, EfaSecurityGroup, LayoutProfile,
  PrimaryInterface,
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

  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'training',
    vpc,
    clusterSecurityGroupId: 'sg-0123456789abcdef0',
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

  // Values read back through the bindings: numbers, a list of structs, a string property and a token.
  new CfnOutput(stack, 'P5EfaCount', { value: String(p5.layout.summary.efaCount) });
  new CfnOutput(stack, 'P5NetworkInterfaceCount', { value: String(p5.layout.interfaces.length) });
  new CfnOutput(stack, 'B200Ipv4AddressesPerNode', { value: String(b200.layout.summary.ipv4AddressesPerNode) });
  new CfnOutput(stack, 'NodeGroupPlugin', { value: nodeGroup.kubernetesPlugin.name });
  new CfnOutput(stack, 'NodeGroupName', { value: nodeGroup.nodegroupName });
  return app;
}

const outdir = process.argv[2];
if (!outdir) {
  throw new Error('usage: app.ts OUTDIR');
}
buildApp(outdir).synth();
