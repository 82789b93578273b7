// TMPDIR, where aws-cdk-lib writes a cdk.out folder per synth, is set for the whole run by test/global-setup.ts.

// Unit tests synthesize many stacks; aws-cdk-lib's built-in template validator costs about a second per synth.
// The example app keeps it on (see the `example` task).
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';
