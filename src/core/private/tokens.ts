import type * as cdk from 'aws-cdk-lib';

/**
 * Token checks of the core that load aws-cdk-lib only for a value that could be a token.
 *
 * The CLI's `layout`, `instance-types` and `report` commands run the core without a CDK app: loading aws-cdk-lib there
 * would more than double their start-up time. A value that cannot be a token is answered here; any other value is
 * answered by aws-cdk-lib's own `Token.isUnresolved`, loaded on first need (in a CDK app it is loaded already).
 */

let token: typeof cdk.Token | undefined;

function cdkToken(): typeof cdk.Token {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  token ??= (require('aws-cdk-lib') as typeof cdk).Token;
  return token;
}

/**
 * Below this, a number may be one of aws-cdk-lib's encoded token doubles (about -1.89e+289: the marker bits leave the
 * sign set and the exponent at 960); every number at or above it is a plain number.
 */
const TOKEN_DOUBLE_CEILING = -1e288;

/**
 * Whether a value could be an unresolved token, without loading aws-cdk-lib: a string holding aws-cdk-lib's
 * `Token[` marker (`${Token[…]}`, `#{Token[…]}`), a number in the range of its encoded token doubles, or an object
 * (an `IResolvable`, or a one-element encoded list). Booleans, undefined, null, plain strings and numbers are not.
 */
export function mayBeToken(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return value.includes('Token[');
    case 'number':
      return value < TOKEN_DOUBLE_CEILING;
    case 'object':
      return value !== null;
    case 'function':
      return true;
    default:
      return false;
  }
}

/**
 * aws-cdk-lib's `Token.isUnresolved(value)`, with aws-cdk-lib loaded only when the value could be a token.
 *
 * @see https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.Token.html#static-iswbrunresolvedobj
 */
export function isUnresolved(value: unknown): boolean {
  return mayBeToken(value) && cdkToken().isUnresolved(value);
}

/** A stand-in for aws-cdk-lib's `Token` with the one method the core uses, for `import { Token } from './private/tokens'`. */
export const Token = { isUnresolved } as const;
