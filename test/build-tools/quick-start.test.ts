import * as fs from 'fs';
import * as path from 'path';
import { extractQuickStart } from '../../build-tools/quick-start';

const ROOT = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8');

describe('the README Quick start, as CI runs it', () => {
  const commands = extractQuickStart(readme);

  test('installs from the lock file and runs the main job on one line, and the tests on another', () => {
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^npm ci && npx projen example$/);
    expect(commands[1]).toBe('npx projen test');
  });

  test('names only projen tasks that exist', () => {
    const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf-8')).tasks;
    const named = commands.flatMap((c) => [...c.matchAll(/npx projen ([\w:-]+)/g)].map((m) => m[1]));
    expect(named.length).toBeGreaterThanOrEqual(2);
    expect(named.filter((t) => tasks[t] === undefined)).toEqual([]);
  });

  test('every task the Quick start runs builds what it needs first', () => {
    const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf-8')).tasks;
    const spawns = (name: string): string[] => (tasks[name].steps ?? [])
      .flatMap((s: { spawn?: string }) => (s.spawn ? [s.spawn, ...spawns(s.spawn)] : []));
    expect(spawns('example')).toEqual(expect.arrayContaining(['compile:if-stale', 'bundle', 'compile']));
    expect(spawns('test')).toContain('bundle');
    for (const task of ['bench', 'rosetta:extract', 'docgen']) {
      expect(spawns(task)).toContain('compile:if-stale');
    }
  });

  test('is what .ci/run runs first, through this same extraction', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf-8');
    const extraction = ci.indexOf('build-tools/quick-start.js');
    expect(extraction).toBeGreaterThan(0);
    // No other step (an install, a build) comes before the Quick start lines.
    expect(ci.slice(0, extraction)).not.toMatch(/\bnpm (ci|install)\b|npx projen/);
  });
});

describe('extractQuickStart', () => {
  test('takes the first fenced block under the heading, skipping comments and blank lines', () => {
    const md = '# x\n\n## Quick start\n\nprose `npm install`\n\n```sh\n# comment\nnpm ci && npx projen example\n\n  npx projen test  \n```\n\n```sh\nnpx projen bench\n```\n';
    expect(extractQuickStart(md)).toEqual(['npm ci && npx projen example', 'npx projen test']);
  });

  test('accepts tilde fences and other heading levels', () => {
    expect(extractQuickStart('### Quickstart\n~~~bash\nmake\n~~~\n')).toEqual(['make']);
  });

  test.each([
    ['no heading', '# Readme\n```sh\nnpm test\n```\n', /no "Quick start" heading/],
    ['no block before the next section', '## Quick start\n\ntext\n\n## Next\n```sh\nnpm test\n```\n', /no fenced code block/],
    ['an empty block', '## Quick start\n```sh\n# only a comment\n```\n', /no command line/],
    ['an unclosed block', '## Quick start\n```sh\nnpm test\n', /not closed/],
    ['a continued line', '## Quick start\n```sh\nnpm ci \\\n  && npm test\n```\n', /continues onto the next line/],
  ])('fails on %s', (_name, md, message) => {
    expect(() => extractQuickStart(md)).toThrow(message);
  });
});
