import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * Reading src/ as source, for the tests that check its import graph (test/architecture.test.ts, which layers import
 * which, and test/import-cost.test.ts, what loads when cdk-efa is imported). jest runs src/, not lib/, so these read
 * the TypeScript with the compiler's own parser.
 */

/** The src/ folder. */
export const SRC = path.join(__dirname, '..', 'src');

/** Every .ts file below `dir` (declaration files excluded), as absolute paths. */
export function sourceFiles(dir: string = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** An absolute path as a src-relative one with forward slashes, for example `eks/efa-cluster.ts`. */
export function relativeToSrc(file: string): string {
  return path.relative(SRC, file).split(path.sep).join('/');
}

/**
 * The src-relative .ts file that a relative specifier in the src-relative `fromFile` names; throws when it names no
 * file of src/.
 */
export function resolveInSrc(fromFile: string, specifier: string): string {
  const base = path.resolve(path.join(SRC, path.dirname(fromFile)), specifier);
  const found = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
  if (found === undefined) {
    throw new Error(`${fromFile} imports ${specifier}, which is no file of src/`);
  }
  return relativeToSrc(found);
}

/** Whether an import brings in types only, so that TypeScript erases it and the module does not load. */
export function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (clause === undefined) {
    return false; // `import './x'` runs the module
  }
  if (clause.isTypeOnly) {
    return true;
  }
  const bindings = clause.namedBindings;
  return clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings)
    && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}
