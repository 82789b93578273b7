import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import { EfaCluster } from '../../src';

/**
 * The EKS test set-up: an app, a stack `Stack` with a VPC `Vpc` (2 AZs, 1 NAT gateway) and an aws-eks-v2 cluster
 * `Cluster` (Kubernetes 1.34, no default capacity, a kubectl provider), wrapped as an `EfaCluster`. `props` override
 * the cluster's props (a `version` of undefined keeps 1.34); `kubectlProviderOptions: undefined` leaves the provider out.
 */
export function v2Cluster(props: Partial<eksv2.ClusterProps> = {}) {
  const { version, ...rest } = props;
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new eksv2.Cluster(stack, 'Cluster', {
    vpc,
    version: version ?? eksv2.KubernetesVersion.V1_34,
    defaultCapacityType: eksv2.DefaultCapacityType.NODEGROUP,
    defaultCapacity: 0,
    kubectlProviderOptions: { kubectlLayer: new KubectlV34Layer(stack, 'Kubectl') },
    ...rest,
  });
  return { app, stack, vpc, cluster, efaCluster: EfaCluster.fromClusterV2(cluster) };
}
