/**
 * The command lines of the first fenced code block under the README's "Quick start" heading, in order, without comments
 * and blank lines. Throws an Error when there is no such heading, block or command line.
 */
export declare function extractQuickStart(markdown: string): string[];
