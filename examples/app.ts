import { App, Aspects } from 'aws-cdk-lib';
import { EfaBatchExampleStack } from './batch';
import { EfaEksExampleStack } from './eks';
import { EfaLaunchTemplatesExampleStack } from './launch-templates';
import { EfaSelfManagedEksExampleStack, EfaSlurmFleetExampleStack } from './self-managed';
import { EfaChecks } from '../src';

/**
 * The example app, environment-agnostic: EFA launch templates (launch-templates.ts) and an EKS cluster with EFA node
 * groups (eks.ts), checked by EfaChecks. Synthesize it with `npx projen example`, which also prints each launch
 * template's layout.
 */
const app = new App();

new EfaLaunchTemplatesExampleStack(app, 'CdkEfaExample', {
  description: 'cdk-efa example: EFA launch templates for p5, p6-b200, trn2 and c5n',
});

new EfaEksExampleStack(app, 'CdkEfaEksExample', {
  description: 'cdk-efa example: EKS managed node groups with EFA',
});

new EfaBatchExampleStack(app, 'CdkEfaBatchExample', {
  description: 'cdk-efa example: AWS Batch multi-node parallel jobs with EFA on p5.48xlarge',
});

new EfaSlurmFleetExampleStack(app, 'CdkEfaSlurmFleetExample', {
  description: 'cdk-efa example: a self-managed Slurm-style p5.48xlarge fleet (EC2 Auto Scaling) with EFA',
});

new EfaSelfManagedEksExampleStack(app, 'CdkEfaSelfManagedEksExample', {
  description: 'cdk-efa example: self-managed EKS nodes on trn2.48xlarge with the EFA DRA driver',
});

// Report EFA mistakes anywhere in the app, including in resources cdk-efa did not create.
Aspects.of(app).add(new EfaChecks());

app.synth();
