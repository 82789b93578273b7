import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as cr from 'aws-cdk-lib/custom-resources';

/*
 * The aws-cdk-lib modules the EC2 layer's fleet pieces build with (the offering check's provider and role, Auto
 * Scaling groups), loaded on first use rather than when cdk-efa is imported.
 *
 * Every EFA app loads aws-cdk-lib and aws-ec2 anyway; aws-iam, aws-lambda, custom-resources and aws-autoscaling cost
 * more than all of cdk-efa, and an app that only builds launch templates needs none of them. Files import these modules
 * for their types only (`import type`, erased at run time), and read their values (classes, enum members) through the
 * functions below, inside the constructors and methods that need them. Node caches a module after its first load, so
 * a later call costs a lookup. The EKS layer has its own accessors for aws-eks and aws-eks-v2
 * (src/eks/private/lazy-modules.ts).
 */

/* eslint-disable @typescript-eslint/no-require-imports */

/** `aws-cdk-lib/aws-iam`. */
export function iamModule(): typeof iam {
  return require('aws-cdk-lib/aws-iam');
}

/** `aws-cdk-lib/custom-resources`. */
export function customResources(): typeof cr {
  return require('aws-cdk-lib/custom-resources');
}

/** `aws-cdk-lib/aws-autoscaling`. */
export function autoscalingModule(): typeof autoscaling {
  return require('aws-cdk-lib/aws-autoscaling');
}
