import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { IMPORTED, INSTANCE_TYPE, buildApp, importVpc } from './common';
import { EfaCluster, EfaKubernetesPlugin, EfaLaunchTemplate, EfaNodeGroup, EfaSecurityGroup } from '../../src';

/** N × (`EfaSecurityGroup` `Sg<i>` + `EfaLaunchTemplate` `Lt<i>` with 32 EFA and its cluster placement group). */
export function launchTemplateApp(outdir: string, groups: number): App {
  return buildApp(outdir, groups, importVpc, (stack, vpc, i) => {
    const securityGroup = new EfaSecurityGroup(stack, `Sg${i}`, { vpc });
    new EfaLaunchTemplate(stack, `Lt${i}`, { instanceType: new ec2.InstanceType(INSTANCE_TYPE), securityGroup });
  });
}

interface NodeGroupContext {
  readonly cluster: EfaCluster;
  readonly subnet: ec2.ISubnet;
}

function importCluster(stack: Stack): NodeGroupContext {
  const vpc = importVpc(stack);
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: IMPORTED.clusterName,
    vpc,
    clusterSecurityGroupId: IMPORTED.clusterSecurityGroupId,
  });
  const subnet = ec2.Subnet.fromSubnetAttributes(stack, 'Subnet', {
    subnetId: IMPORTED.subnetId,
    availabilityZone: IMPORTED.availabilityZone,
    ipv4CidrBlock: IMPORTED.subnetCidr,
  });
  return { cluster: EfaCluster.fromClusterV2(cluster), subnet };
}

/**
 * N × `EfaNodeGroup` `Ng<i>` on an imported aws-eks-v2 cluster (whose EFA security group the node groups share), with
 * the subnet given, no Kubernetes plugin and no offering check (its Lambda and custom resource have no counterpart in
 * the hand-written app).
 */
export function nodeGroupApp(outdir: string, groups: number): App {
  return buildApp(outdir, groups, importCluster, (stack, context, i) => {
    new EfaNodeGroup(stack, `Ng${i}`, {
      cluster: context.cluster,
      instanceTypes: [new ec2.InstanceType(INSTANCE_TYPE)],
      kubernetesPlugin: EfaKubernetesPlugin.NONE,
      subnet: context.subnet,
      offeringCheck: false,
    });
  });
}
