import * as fs from 'fs';
import * as path from 'path';
import { runsFolder } from './global-setup';

/** Jest global teardown: removes this run's TMPDIR (see test/global-setup.ts), with every cdk.out folder in it. */
export default function globalTeardown(): void {
  const tmp = process.env.TMPDIR;
  if (tmp !== undefined && path.dirname(tmp) === runsFolder()) {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
