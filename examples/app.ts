import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EfaEksExampleStack } from './eks';
import { EfaLaunchTemplate, EfaSecurityGroup, LayoutProfile } from '../src';

/**
 * An environment-agnostic app: one VPC, one EFA security group, and an EFA launch template per instance type; and an
 * EKS cluster with EFA node groups (examples/eks.ts).
 *
 * Synthesize it with `npx projen example`, which also prints each launch template's layout.
 */
const app = new App();
const stack = new Stack(app, 'CdkEfaExample', {
  description: 'cdk-efa example: EFA launch templates for p5, p6-b200, trn2 and c5n',
});

const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const efaSecurityGroup = new EfaSecurityGroup(stack, 'EfaSecurityGroup', { vpc });

// AWS use case 1: 32 efa-only interfaces and one IP per node.
new EfaLaunchTemplate(stack, 'P5', {
  instanceType: new ec2.InstanceType('p5.48xlarge'),
  securityGroup: efaSecurityGroup,
});

// AWS use case 2: 8 efa-only interfaces plus an ENA on cards 1-7 for more IP bandwidth.
new EfaLaunchTemplate(stack, 'P6B200', {
  instanceType: new ec2.InstanceType('p6-b200.48xlarge'),
  securityGroup: efaSecurityGroup,
  profile: LayoutProfile.MAX_BANDWIDTH,
});

new EfaLaunchTemplate(stack, 'Trn2', {
  instanceType: new ec2.InstanceType('trn2.48xlarge'),
  securityGroup: efaSecurityGroup,
});

// A single-card type: one ENA plus one efa-only interface.
new EfaLaunchTemplate(stack, 'C5n', {
  instanceType: new ec2.InstanceType('c5n.18xlarge'),
  securityGroup: efaSecurityGroup,
});

// An EKS cluster with EFA node groups: p5.48xlarge, a Capacity Block variant, and trn2.48xlarge.
new EfaEksExampleStack(app, 'CdkEfaEksExample', {
  description: 'cdk-efa example: EKS managed node groups with EFA',
});

app.synth();
