import type * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * The instance families and sizes aws-cdk-lib's `InstanceClass` and `InstanceSize` list. They tell a real EC2 type
 * without EFA (t3.micro) from a typo or a type newer than aws-cdk-lib, and so only word the error of a failed lookup.
 *
 * The core loads no construct module at run time, so aws-cdk-lib/aws-ec2 is loaded here, on that error path only, and
 * not when this module is imported.
 */
function ec2Enums(): Pick<typeof ec2, 'InstanceClass' | 'InstanceSize'> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('aws-cdk-lib/aws-ec2');
}

/** Whether aws-cdk-lib's `InstanceSize` lists `size` (`48xlarge`, `metal`, `micro` …). */
export function isKnownInstanceSize(size: string): boolean {
  return (Object.values(ec2Enums().InstanceSize) as string[]).includes(size);
}

/** Whether aws-cdk-lib's `InstanceClass` lists `family` (`t3`, `m5`, `p5` …). */
export function isKnownInstanceFamily(family: string): boolean {
  return (Object.values(ec2Enums().InstanceClass) as string[]).includes(family);
}
