import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lazyIndex, reexportedModules } from '../../build-tools/lazy-index';

/** What TypeScript emits for `export * from './a'; export * from './sub/b';` (abridged helpers). */
const COMPILED_INDEX = [
  '"use strict";',
  'var __exportStar = (this && this.__exportStar) || function(m, exports) { for (var p in m) exports[p] = m[p]; };',
  'Object.defineProperty(exports, "__esModule", { value: true });',
  '__exportStar(require("./a"), exports);',
  '__exportStar(require("./sub/b"), exports);',
  '//# sourceMappingURL=data:application/json;base64,e30=',
].join('\n');

/** A compiled library whose modules count their loads in a global, as its index was before the rewrite. */
function fixture(modules: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lazy-index-'));
  fs.writeFileSync(path.join(dir, 'index.js'), COMPILED_INDEX);
  for (const [file, source] of Object.entries(modules)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

const counted = (name: string, exports: string[]) => [
  `globalThis.loads = (globalThis.loads || []).concat(${JSON.stringify(name)});`,
  'Object.defineProperty(exports, "__esModule", { value: true });',
  ...exports.map((e) => `exports.${e} = class ${e} {};`),
].join('\n');

/** Runs `code` in a fresh Node process and returns what it prints. */
function node(args: string[], cwd: string): string {
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8' }).trim();
}

describe('the lazy package index', () => {
  test('finds the re-exported modules of a compiled index, and nothing in any other file', () => {
    expect(reexportedModules(COMPILED_INDEX)).toEqual(['./a', './sub/b']);
    expect(reexportedModules('"use strict";\nexports.x = 1;\n')).toBeUndefined();
  });

  test('loads a module only when one of its exports is first read', () => {
    const dir = fixture({ 'a.js': counted('a', ['Alpha', 'Beta']), 'sub/b.js': counted('b', ['Gamma']) });
    expect(lazyIndex(dir)).toBe(true);
    const out = node(['-e', [
      "const lib = require('./index.js');",
      'const before = (globalThis.loads || []).join();',
      'const name = lib.Gamma.name;',
      'console.log(JSON.stringify({ before, name, after: globalThis.loads.join(), keys: Object.keys(lib) }));',
    ].join(' ')], dir);
    expect(JSON.parse(out)).toEqual({ before: '', name: 'Gamma', after: 'b', keys: ['Alpha', 'Beta', 'Gamma'] });
  });

  test('keeps the names an ES module imports', () => {
    const dir = fixture({ 'a.js': counted('a', ['Alpha']), 'sub/b.js': counted('b', ['Gamma']) });
    lazyIndex(dir);
    const out = node(['--input-type=module', '-e', `import { Alpha, Gamma } from ${JSON.stringify(path.join(dir, 'index.js'))}; console.log(Alpha.name + Gamma.name);`], dir);
    expect(out).toBe('AlphaGamma');
  });

  test('leaves an index it rewrote already as it is', () => {
    const dir = fixture({ 'a.js': counted('a', ['Alpha']), 'sub/b.js': counted('b', ['Gamma']) });
    lazyIndex(dir);
    const once = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(lazyIndex(dir)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'index.js'), 'utf8')).toBe(once);
  });

  test('fails when two modules export the same name', () => {
    const dir = fixture({ 'a.js': counted('a', ['Alpha']), 'sub/b.js': counted('b', ['Alpha']) });
    expect(() => lazyIndex(dir)).toThrow(/Alpha is exported by both \.\/a and \.\/sub\/b/);
  });
});
