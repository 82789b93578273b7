import type * as levenshtein from 'fastest-levenshtein';

let distance: typeof levenshtein.distance | undefined;

/** fastest-levenshtein's edit distance, loaded on the first suggestion (a failed lookup), not at start-up. */
function editDistance(a: string, b: string): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  distance ??= (require('fastest-levenshtein') as typeof levenshtein).distance;
  return distance(a, b);
}

/**
 * The known names closest to `given` by edit distance, best first: at most `limit`, and only those close enough to be a
 * plausible typo (no further than a third of the name's length, and at least 3 edits are always allowed).
 */
export function closestNames(given: string, known: readonly string[], limit = 3): string[] {
  const budget = Math.max(3, Math.floor(given.length / 3));
  const lower = given.toLowerCase();
  // Names whose lengths differ by more than the budget cannot be close; skipping them keeps a huge input cheap.
  return known
    .filter((name) => Math.abs(name.length - lower.length) <= budget)
    .map((name) => ({ name, d: editDistance(lower, name) }))
    .filter((c) => c.d <= budget)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((c) => c.name);
}
