import { Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { EfaLaunchTemplate, EfaSecurityGroup, LayoutProfile } from '../src';

/**
 * One VPC, one EFA security group, and an EFA launch template for each of p5.48xlarge, p6-b200.48xlarge,
 * trn2.48xlarge and c5n.18xlarge.
 */
export class EfaLaunchTemplatesExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const efaSecurityGroup = new EfaSecurityGroup(this, 'EfaSecurityGroup', { vpc });

    // AWS use case 1: 32 efa-only interfaces and one IP per node.
    new EfaLaunchTemplate(this, 'P5', {
      instanceType: new ec2.InstanceType('p5.48xlarge'),
      securityGroup: efaSecurityGroup,
    });

    // AWS use case 2: 8 efa-only interfaces plus an ENA on cards 1-7 for more IP bandwidth.
    new EfaLaunchTemplate(this, 'P6B200', {
      instanceType: new ec2.InstanceType('p6-b200.48xlarge'),
      securityGroup: efaSecurityGroup,
      profile: LayoutProfile.MAX_BANDWIDTH,
    });

    new EfaLaunchTemplate(this, 'Trn2', {
      instanceType: new ec2.InstanceType('trn2.48xlarge'),
      securityGroup: efaSecurityGroup,
    });

    // A single-card type: one ENA plus one efa-only interface.
    new EfaLaunchTemplate(this, 'C5n', {
      instanceType: new ec2.InstanceType('c5n.18xlarge'),
      securityGroup: efaSecurityGroup,
    });
  }
}
