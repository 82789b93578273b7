// Child process: synthesizes one hand-written L1 app and prints its timings (see synth-runner.ts).
import { runSynthChild } from './synth-runner';
import { launchTemplateApp, nodeGroupApp } from '../apps/hand-written';

runSynthChild({ 'launch-template': launchTemplateApp, 'node-group': nodeGroupApp });
