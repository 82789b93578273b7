import * as fs from 'fs';
import * as path from 'path';

/**
 * Jest global setup: runs in jest's own process before any test worker starts, so the workers inherit this TMPDIR.
 * aws-cdk-lib writes a cdk.out folder, assets included, per synthesis under `os.tmpdir()`, which reads the real process
 * environment (test/setup-env.ts runs inside each test file's sandbox, whose `process.env` is a copy that `os.tmpdir()`
 * never sees). Each run gets a folder of its own inside the repository, removed by test/global-teardown.ts, so that a
 * full run neither fills /tmp nor disturbs another run.
 */
export default function globalSetup(): void {
  const tmp = fs.mkdtempSync(path.join(runsFolder(), 'run-'));
  process.env.TMPDIR = tmp;
}

/** Where the per-run folders live: .tmp/jest in the repository (ignored by git and jest). */
export function runsFolder(): string {
  const folder = path.join(__dirname, '..', '.tmp', 'jest');
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}
