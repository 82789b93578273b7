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
