import { CfnResource, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { OfferingCheckFunction } from './offering-check-function';
import { DESCRIBE_REASON, LAMBDA_LOGS_REASON, PROVIDER_REASON, acknowledgeNagRules, managedPolicyRule } from './private/nag';

/**
 * Adds the deploy-time offering check under `scope` (construct ID `OfferingCheck`, a custom resource of type
 * `Custom::CdkEfaOfferingCheck` served by one provider per stack), and returns its answer: the subnet ID, among
 * `subnetIds`, whose Availability Zone offers the instance types (and holds the capacity reservation, if any). The
 * handler is `offering-check.lambda.ts`.
 */
export function offeringCheck(
  scope: Construct, subnetIds: string[], instanceTypes: ec2.InstanceType[], availabilityZoneId?: string, capacityReservationId?: string,
): string {
  const stack = Stack.of(scope);
  const providerId = 'CdkEfaOfferingCheckProvider';
  const provider = (stack.node.tryFindChild(providerId) as cr.Provider | undefined) ?? createOfferingCheckProvider(stack, providerId);
  const check = new CustomResource(scope, 'OfferingCheck', {
    serviceToken: provider.serviceToken,
    resourceType: 'Custom::CdkEfaOfferingCheck',
    properties: {
      SubnetIds: subnetIds,
      InstanceTypes: instanceTypes.map((t) => t.toString()),
      AvailabilityZoneId: availabilityZoneId,
      // The handler reads the reservation and keeps to the subnets in its Availability Zone ID.
      CapacityReservationId: capacityReservationId,
    },
  });
  return check.getAttString('SubnetId');
}

function createOfferingCheckProvider(stack: Stack, id: string): cr.Provider {
  const scope = new Construct(stack, `${id}Scope`);
  const onEventHandler = new OfferingCheckFunction(scope, 'Handler', {
    description: 'cdk-efa: checks that an EFA node group subnet offers its instance types',
    // Lambda's default 3 s is too short for three EC2 calls with SDK retries under throttling.
    timeout: Duration.seconds(60),
    memorySize: 256,
  });
  onEventHandler.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ec2:DescribeSubnets', 'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeCapacityReservations'],
    resources: ['*'],
  }));
  const provider = new cr.Provider(stack, id, { onEventHandler });
  const handlerArn = `<${stack.getLogicalId(onEventHandler.node.defaultChild as CfnResource)}.Arn>:*`;
  const logs = { id: managedPolicyRule('service-role/AWSLambdaBasicExecutionRole'), reason: LAMBDA_LOGS_REASON };
  acknowledgeNagRules(scope, [logs, { id: 'AwsSolutions-IAM5[Resource::*]', reason: DESCRIBE_REASON }]);
  acknowledgeNagRules(provider, [logs, { id: `AwsSolutions-IAM5[Resource::${handlerArn}]`, reason: PROVIDER_REASON }]);
  return provider;
}
