// Child process: synthesizes the aws-cdk-lib L2 app and prints its timings (see synth-runner.ts).
import { runSynthChild } from './synth-runner';
import { launchTemplateApp } from '../apps/aws-cdk-l2';

runSynthChild({ 'launch-template': launchTemplateApp });
