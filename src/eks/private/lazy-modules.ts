import type * as eks from 'aws-cdk-lib/aws-eks';
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';

/*
 * aws-eks and aws-eks-v2, loaded on first use rather than when cdk-efa is imported, as
 * src/ec2/private/lazy-modules.ts explains (which also has the accessors for aws-iam, custom-resources and
 * aws-autoscaling). An app with no EKS construct never loads them.
 */

/* eslint-disable @typescript-eslint/no-require-imports */

/** `aws-cdk-lib/aws-eks` (v1). */
export function eksV1(): typeof eks {
  return require('aws-cdk-lib/aws-eks');
}

/** `aws-cdk-lib/aws-eks-v2`. */
export function eksV2(): typeof eksv2 {
  return require('aws-cdk-lib/aws-eks-v2');
}
