import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** The instance type every benchmarked group uses. */
export const INSTANCE_TYPE = 'p5.48xlarge';

/** IDs of the imported network and cluster: shaped like real IDs, so aws-cdk-lib's template validation stays quiet. */
export const IMPORTED = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetId: 'subnet-0123456789abcdef0',
  subnetCidr: '10.0.0.0/16',
  availabilityZone: 'us-east-1a',
  clusterName: 'training',
  clusterSecurityGroupId: 'sg-0123456789abcdef0',
} as const;

/** The imported VPC of the apps that take an `ec2.IVpc` (`Vpc` in each stack). */
export function importVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: IMPORTED.vpcId,
    availabilityZones: [IMPORTED.availabilityZone],
    privateSubnetIds: [IMPORTED.subnetId],
  });
}

/**
 * Groups per stack. A p5 launch-template group is 5 resources and a node group 4 (plus the cluster's EFA security
 * group and its 2 rules once per stack), and a stack holds at most 500, so
 * larger apps are split over several stacks, as a real app would be.
 */
export const GROUPS_PER_STACK = 50;

/** Adds one group, with global index `index`, to a stack; `context` is what the variant set up once per stack. */
export type AddGroup<C> = (stack: Stack, context: C, index: number) => void;

/** Builds an app of `groups` groups, `GROUPS_PER_STACK` to a stack (stacks `Stack0`, `Stack1`, …). */
export function buildApp<C>(outdir: string, groups: number, setUp: (stack: Stack) => C, addGroup: AddGroup<C>): App {
  const app = new App({ outdir });
  for (let first = 0; first < groups; first += GROUPS_PER_STACK) {
    const stack = new Stack(app, `Stack${first / GROUPS_PER_STACK}`);
    const context = setUp(stack);
    for (let index = first; index < Math.min(groups, first + GROUPS_PER_STACK); index++) {
      addGroup(stack, context, index);
    }
  }
  return app;
}
