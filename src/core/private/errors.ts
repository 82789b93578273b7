import { Token } from './tokens';

/**
 * One thing wrong with what a user asked for.
 *
 * `id` is stable (it names the rule in the error catalogue); `message` says what was given, why it cannot work, and
 * what to do instead.
 */
export interface Problem {
  readonly id: string;
  readonly message: string;
}

/** The text a problem is shown with: its message followed by its stable ID. */
export function describeProblem(problem: Problem): string {
  return `${problem.message} [cdk-efa:${problem.id}]`;
}

/**
 * An Error that reports every problem of one request together, so users fix them in one pass.
 */
export function problemsError(subject: string, problems: readonly Problem[]): Error {
  if (problems.length === 1) {
    return new Error(`${subject}: ${describeProblem(problems[0])}`);
  }
  const lines = problems.map((p) => `  - ${describeProblem(p)}`);
  return new Error(`${subject}: ${problems.length} problems:\n${lines.join('\n')}`);
}

/** Throws `problemsError(subject, problems)` when there is at least one problem. */
export function throwIfProblems(subject: string, problems: readonly Problem[]): void {
  if (problems.length > 0) {
    throw problemsError(subject, problems);
  }
}

/** An Error for a single problem. */
export function efaError(id: string, message: string): Error {
  return new Error(describeProblem({ id, message }));
}

/** The names of the options that are set, to say which of them conflict. */
export function definedKeys(options: Record<string, unknown>): string[] {
  return Object.entries(options).filter(([, value]) => value !== undefined).map(([key]) => key);
}

/** The most characters of a user's value a message repeats; longer values are cut and end with '…'. */
export const MAX_ECHOED_CHARACTERS = 80;

function capped(text: string): string {
  return text.length <= MAX_ECHOED_CHARACTERS ? text : `${text.substring(0, MAX_ECHOED_CHARACTERS)}…`;
}

/**
 * A value the user gave, as a message shows it: strings quoted, objects as JSON, `missing` for undefined, and an
 * unresolved token as such (never `${Token[…]}` or -1.888…e+289). At most `MAX_ECHOED_CHARACTERS` characters of it are
 * repeated, so a huge argument does not flood the message. Every message of the core that repeats a value uses this
 * or `echoName`.
 */
export function echo(value: unknown): string {
  if (value === undefined) {
    return 'missing';
  }
  if (isUnresolved(value)) {
    return 'an unresolved token';
  }
  if (typeof value === 'string') {
    return `'${capped(value)}'`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value);
  }
  if (typeof value === 'object') {
    try {
      return capped(JSON.stringify(value) ?? String(value));
    } catch {
      return Array.isArray(value) ? 'an array' : 'an object';
    }
  }
  return capped(typeof value === 'function' ? 'a function' : String(value));
}

/**
 * A name the user gave (an instance type), unquoted, for the subject of a message: cut like `echo`, and never a token
 * or a raw `undefined`.
 */
export function echoName(name: unknown): string {
  return typeof name === 'string' && !isUnresolved(name) && name !== '' ? capped(name) : echo(name);
}

/** Whether a value is an unresolved token (numbers and strings; anything else is not). */
function isUnresolved(value: unknown): boolean {
  if (typeof value === 'number') {
    // Token numbers are huge negative doubles: a small whole number is answered without asking the token map.
    return !(Number.isSafeInteger(value) && value >= 0 && value < 1024) && Token.isUnresolved(value);
  }
  return typeof value === 'string' && Token.isUnresolved(value);
}
