/**
 * The aws-cdk-lib release the tests run on: the newest (the devDependency), or the peer floor when CI runs the suite
 * with test/peer-floor/jest.config.js. A few behaviours of aws-cdk-lib itself depend on the release; tests of those
 * ask here, and the README ("Supported aws-cdk-lib versions") says what users of older releases do instead.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const version: string = require('aws-cdk-lib/package.json').version;

/** Whether the aws-cdk-lib in use is `minimum` (for example `2.271.0`) or newer. */
export function cdkVersionAtLeast(minimum: string): boolean {
  const have = version.split('.').map(Number);
  const want = minimum.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    if ((have[i] ?? 0) !== want[i]) return (have[i] ?? 0) > want[i];
  }
  return true;
}

/**
 * From aws-cdk-lib 2.271.0, `Annotations.of(c).acknowledgeWarning(id)` also silences warnings added to `c` itself
 * later, by an aspect such as `EfaChecks`; before it, only warnings on `c`'s children, or already present, are.
 */
export const ACKNOWLEDGES_LATER_WARNINGS_ON_SELF = cdkVersionAtLeast('2.271.0');

/** aws-cdk-lib's `Validations`, which cdk-nag 3 plugs into, exists from 2.270.0 (and cdk-nag 3 needs 2.257.0). */
export const HAS_VALIDATIONS = cdkVersionAtLeast('2.270.0');
