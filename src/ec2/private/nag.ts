import * as cdk from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag rule that a resource cdk-efa creates breaks on purpose, and why. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

/**
 * Acknowledges cdk-nag rules on `scope` and below, with aws-cdk-lib's `Validations` (cdk-nag 3, aws-cdk-lib 2.270 and
 * later). On older aws-cdk-lib releases, which have no `Validations` or reject these IDs, this does nothing: cdk-efa
 * does not depend on cdk-nag.
 */
export function acknowledgeNagRules(scope: IConstruct, acknowledgements: NagAcknowledgement[]): void {
  const validations = (cdk as { Validations?: typeof cdk.Validations }).Validations;
  try {
    validations?.of(scope).acknowledge(...acknowledgements);
  } catch {
    // Releases before 2.270.0 reject cdk-nag's granular IDs (they contain '::'); nothing is acknowledged there.
  }
}

/** A cdk-nag finding ID for an AWS managed policy, as cdk-nag's AwsSolutions-IAM4 names it. */
export function managedPolicyRule(policyName: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`;
}

/** Why the offering-check Lambda functions and their roles break AwsSolutions-IAM4 and IAM5. */
export const LAMBDA_LOGS_REASON = 'cdk-efa: AWSLambdaBasicExecutionRole only lets the function write its CloudWatch Logs.';
export const DESCRIBE_REASON = 'cdk-efa: ec2:DescribeSubnets, ec2:DescribeInstanceTypeOfferings and ec2:DescribeCapacityReservations support no resource-level permissions.';
export const PROVIDER_REASON = 'cdk-efa: the custom resource provider framework may invoke any version of its own handler.';
