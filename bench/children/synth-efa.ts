// Child process: synthesizes one cdk-efa app and prints its timings (see synth-runner.ts).
import { runSynthChild } from './synth-runner';
import { launchTemplateApp, nodeGroupApp } from '../apps/efa';

runSynthChild({ 'launch-template': launchTemplateApp, 'node-group': nodeGroupApp });
