import type * as eks from 'aws-cdk-lib/aws-eks';
import type * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as cr from 'aws-cdk-lib/custom-resources';

/*
 * The aws-cdk-lib modules the eks layer builds with, loaded on first use rather than when cdk-efa is imported.
 *
 * Every EFA app loads aws-cdk-lib and aws-ec2 anyway; aws-eks, aws-eks-v2, aws-iam, aws-lambda and custom-resources
 * cost more than all of cdk-efa, and an app with no EKS node group needs none of them. The eks layer therefore
 * imports these modules for their types only (`import type`, erased at run time), and reads their values (classes,
 * enum members) through the functions below, inside the constructors and methods that need them. Node caches a
 * module after its first load, so a later call costs a lookup. (offering-check.ts loads the generated Lambda function
 * class, which extends aws-lambda's `Function` when its module loads, the same way.)
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

/** `aws-cdk-lib/aws-iam`. */
export function iamModule(): typeof iam {
  return require('aws-cdk-lib/aws-iam');
}

/** `aws-cdk-lib/custom-resources`. */
export function customResources(): typeof cr {
  return require('aws-cdk-lib/custom-resources');
}

