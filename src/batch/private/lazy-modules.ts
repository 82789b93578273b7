import type * as batch from 'aws-cdk-lib/aws-batch';

/*
 * aws-batch, loaded on first use rather than when cdk-efa is imported, as src/ec2/private/lazy-modules.ts explains
 * (which also has the accessors for aws-iam, custom-resources and aws-autoscaling). An app with no Batch construct
 * never loads it.
 */

/* eslint-disable @typescript-eslint/no-require-imports */

/** `aws-cdk-lib/aws-batch`. */
export function batchModule(): typeof batch {
  return require('aws-cdk-lib/aws-batch');
}
