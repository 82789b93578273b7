#!/usr/bin/env node
// The README's Quick start, as commands: the command lines of the first fenced code block under the "Quick start"
// heading, in order, without comments and blank lines. `.ci/run` runs exactly these lines, verbatim, on a fresh clone
// before any other check, and test/build-tools/quick-start.test.ts runs this same extraction on the README, so that a
// README edit cannot silently change or break CI's first step.
//
// Plain CommonJS on purpose: CI calls it before `npm ci`, when no TypeScript tooling is installed yet.
//
// Usage: node build-tools/quick-start.js [README.md]    prints one command line per line; exits 2 on a malformed README.
'use strict';
const fs = require('fs');

/**
 * The command lines of the first fenced block under the "Quick start" heading of `markdown`.
 * Throws an Error naming what is missing when there is no such heading, block or command line, or when a line
 * continues onto the next (a trailing backslash), which could not be run line by line.
 */
function extractQuickStart(markdown) {
  const lines = markdown.split(/\r?\n/);
  const heading = lines.findIndex((line) => /^#{1,6}\s+quick\s*start\s*$/i.test(line.trim()));
  if (heading < 0) {
    throw new Error('the README has no "Quick start" heading');
  }
  const level = /^#+/.exec(lines[heading].trim())[0].length;
  let open;
  const commands = [];
  for (let i = heading + 1; i < lines.length; i++) {
    const line = lines[i];
    if (open === undefined) {
      const section = /^(#{1,6})\s/.exec(line);
      if (section && section[1].length <= level) {
        break;
      }
      const fence = /^\s*(`{3,}|~{3,})/.exec(line);
      if (fence) {
        open = fence[1];
      }
      continue;
    }
    if (line.trim().startsWith(open)) {
      if (commands.length === 0) {
        throw new Error('the first code block under "Quick start" has no command line');
      }
      return commands;
    }
    const command = line.trim();
    if (command === '' || command.startsWith('#')) {
      continue;
    }
    if (command.endsWith('\\')) {
      throw new Error(`the Quick start line "${command}" continues onto the next line; put each command on one line`);
    }
    commands.push(command);
  }
  throw new Error(open === undefined
    ? 'there is no fenced code block under the "Quick start" heading'
    : 'the first code block under "Quick start" is not closed');
}

module.exports = { extractQuickStart };

if (require.main === module) {
  const file = process.argv[2] || 'README.md';
  try {
    process.stdout.write(extractQuickStart(fs.readFileSync(file, 'utf-8')).join('\n') + '\n');
  } catch (e) {
    process.stderr.write(`quick-start: ${file}: ${e.message}\n`);
    process.exit(2);
  }
}
