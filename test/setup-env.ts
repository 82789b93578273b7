import * as fs from 'fs';
import * as path from 'path';

// CDK writes a cdk.out folder per synth into TMPDIR: keep those inside the repo, in an ignored folder.
const tmp = path.join(__dirname, '..', '.tmp', 'jest');
fs.mkdirSync(tmp, { recursive: true });
process.env.TMPDIR = tmp;

// Unit tests synthesize many stacks; aws-cdk-lib's built-in template validator costs about a second per synth.
// The example app keeps it on (see the `example` task).
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';
