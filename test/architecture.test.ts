import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { SRC, isTypeOnlyImport, relativeToSrc, resolveInSrc, sourceFiles } from './src-files';

/**
 * The layers of src/ and which way imports flow: core ← ec2 ← autoscaling / batch / eks / checks / cli, and
 * autoscaling ← eks (self-managed EKS nodes are an Auto Scaling group).
 *
 * - core: the EFA knowledge (capability table, layout engine and its rules); loads no construct module.
 * - ec2: the EC2 constructs. eks, checks and cli: what is built on them, each on its own.
 */

/** One import of a src/ file: the module it names, and whether only types are imported (erased at run time). */
interface ImportEdge {
  readonly from: string;
  readonly specifier: string;
  /** src-relative path of the imported file, for imports of src/ files. */
  readonly to?: string;
  readonly typeOnly: boolean;
}

interface SourceFacts {
  readonly file: string;
  readonly imports: ImportEdge[];
  /** Modules loaded with `require('…')` in the code (lazy loads). */
  readonly requires: string[];
  /** Statements that are neither imports nor re-exports. */
  readonly otherStatements: string[];
}

/** Reads a file's imports, re-exports and `require` calls with the TypeScript parser. */
function factsOf(file: string): SourceFacts {
  const text = fs.readFileSync(file, 'utf-8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports: ImportEdge[] = [];
  const requires: string[] = [];
  const otherStatements: string[] = [];
  const from = relativeToSrc(file);
  const add = (specifier: string, typeOnly: boolean) => imports.push({ from, specifier, to: specifier.startsWith('.') ? resolveInSrc(from, specifier) : undefined, typeOnly });
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      add(statement.moduleSpecifier.text, isTypeOnlyImport(statement));
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined && ts.isStringLiteral(statement.moduleSpecifier)) {
      add(statement.moduleSpecifier.text, statement.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(statement) && ts.isExternalModuleReference(statement.moduleReference)
      && ts.isStringLiteral(statement.moduleReference.expression)) {
      add(statement.moduleReference.expression.text, statement.isTypeOnly);
    } else {
      otherStatements.push(statement.getText(source).split('\n')[0]);
    }
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0])
      && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      requires.push(node.arguments[0].text);
      // A lazy load of a src/ file is a run-time edge too: the layer rules and the cycle check see it.
      if (node.arguments[0].text.startsWith('.')) {
        add(node.arguments[0].text, false);
      }
    }
    // `import('…').Type` in a type position is an import too.
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { file: from, imports, requires, otherStatements };
}

/** The layer of a src-relative file: its first folder, or the file itself at the top. */
function layerOf(file: string): string {
  return file.includes('/') ? file.split('/')[0] : file;
}

/**
 * Type-only imports that close a cycle, each with its reason. jsii's public types can refer to each other, and a type
 * import is erased at run time, so such a back edge is allowed where listed here, and nowhere else.
 */
const ALLOWED_TYPE_BACK_EDGES: Record<string, string> = {
  // EfaNodeGroupProps.cluster is an EfaCluster, and EfaCluster.addEfaNodeGroup() returns an EfaNodeGroup.
  'eks/efa-node-group.ts -> eks/efa-cluster.ts': 'public types that refer to each other',
};

/** Every cycle among the edges, as a list of files (first file repeated at the end). */
function cyclesOf(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (e.to !== undefined) {
      next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    }
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(to)), to]);
      } else if (state.get(to) === undefined) {
        visit(to);
      }
    }
    stack.pop();
    state.set(file, 'done');
  };
  [...next.keys()].sort().forEach((file) => state.get(file) === undefined && visit(file));
  return cycles;
}

const FACTS = sourceFiles(SRC).map(factsOf);
const EDGES = FACTS.flatMap((f) => f.imports);
const edgeName = (e: ImportEdge) => `${e.from} -> ${e.to ?? e.specifier}${e.typeOnly ? ' (type only)' : ''}`;

/** Imports of construct modules (`aws-cdk-lib/<module>`, aws-cdk-lib's core excepted) that load at run time. */
const isConstructModule = (specifier: string) => /^aws-cdk-lib\/(?!core$)[a-z0-9-]+/.test(specifier);

describe('architecture of src/', () => {
  test('the graph covers every layer', () => {
    // A guard on the reader: if it stopped seeing imports, every assertion below would pass.
    expect(FACTS.length).toBeGreaterThan(30);
    expect(EDGES.filter((e) => e.to !== undefined).length).toBeGreaterThan(60);
    expect([...new Set(FACTS.map((f) => layerOf(f.file)))].sort()).toEqual(['autoscaling', 'batch', 'checks', 'cli', 'core', 'ec2', 'eks', 'index.ts']);
  });

  test('has no import cycles at run time', () => {
    expect(cyclesOf(EDGES.filter((e) => !e.typeOnly)).map((c) => c.join(' -> '))).toEqual([]);
  });

  test('has no import cycles with type imports either, but for the listed back edges', () => {
    const allowed = (e: ImportEdge) => `${e.from} -> ${e.to}` in ALLOWED_TYPE_BACK_EDGES;
    expect(cyclesOf(EDGES.filter((e) => !allowed(e))).map((c) => c.join(' -> '))).toEqual([]);
    // Each listed back edge exists, and stays a type import.
    for (const edge of Object.keys(ALLOWED_TYPE_BACK_EDGES)) {
      expect(EDGES.filter((e) => `${e.from} -> ${e.to}` === edge).map(edgeName)).toEqual([`${edge} (type only)`]);
    }
  });

  test('core imports no other layer and loads no construct module', () => {
    const core = FACTS.filter((f) => layerOf(f.file) === 'core');
    expect(core.flatMap((f) => f.imports).filter((e) => e.to !== undefined && layerOf(e.to) !== 'core').map(edgeName)).toEqual([]);
    // Types of aws-cdk-lib/aws-ec2 (InstanceArchitecture in the public InstanceTypeCapabilities) are erased at run time.
    expect(core.flatMap((f) => f.imports).filter((e) => isConstructModule(e.specifier) && !e.typeOnly).map(edgeName)).toEqual([]);
    // The one lazy load: aws-ec2's InstanceClass and InstanceSize, to word the error of a failed lookup.
    expect(core.flatMap((f) => f.requires.filter(isConstructModule).map((r) => `${f.file}: ${r}`)))
      .toEqual(['core/private/ec2-names.ts: aws-cdk-lib/aws-ec2']);
  });

  test('ec2 imports only core', () => {
    const ec2 = EDGES.filter((e) => layerOf(e.from) === 'ec2' && e.to !== undefined);
    expect(ec2.filter((e) => !['core', 'ec2'].includes(layerOf(e.to!))).map(edgeName)).toEqual([]);
  });

  /**
   * Which layers each upper layer may import besides core, ec2 and itself. cli runs the checks' rules on template files
   * (`cdk-efa inspect` applies what `EfaChecks` applies), so it may import checks, but checks never imports cli.
   */
  const ALSO_ALLOWED: Record<string, string[]> = { autoscaling: [], batch: [], eks: ['autoscaling'], checks: [], cli: ['checks'] };

  test.each(Object.keys(ALSO_ALLOWED).filter((layer) => FACTS.some((f) => layerOf(f.file) === layer)))('%s imports only core, ec2, itself and the layers allowed it', (layer) => {
    const edges = EDGES.filter((e) => layerOf(e.from) === layer && e.to !== undefined);
    expect(edges.length).toBeGreaterThan(0);
    expect(edges.filter((e) => !['core', 'ec2', layer, ...ALSO_ALLOWED[layer]].includes(layerOf(e.to!))).map(edgeName)).toEqual([]);
  });

  test('cli imports only the pure modules of checks: the template reader and rules, which load no aws-cdk-lib themselves', () => {
    const fromCli = EDGES.filter((e) => layerOf(e.from) === 'cli' && e.to !== undefined && layerOf(e.to) === 'checks' && !e.typeOnly);
    expect(fromCli.length).toBeGreaterThan(0);
    const loaded = [...new Set(fromCli.map((e) => e.to!))];
    const heavy = FACTS.filter((f) => loaded.includes(f.file))
      .flatMap((f) => f.imports.filter((e) => !e.typeOnly && /^(aws-cdk-lib|constructs)(\/|$)/.test(e.specifier)).map(edgeName));
    expect(heavy).toEqual([]);
  });

  test('no layer imports index.ts', () => {
    expect(EDGES.filter((e) => e.to === 'index.ts').map(edgeName)).toEqual([]);
  });

  test('index.ts only re-exports, and only public modules (no private/ folder, no CLI)', () => {
    const index = FACTS.find((f) => f.file === 'index.ts')!;
    expect(index.otherStatements).toEqual([]);
    const text = fs.readFileSync(path.join(SRC, 'index.ts'), 'utf-8');
    const source = ts.createSourceFile('index.ts', text, ts.ScriptTarget.Latest, true);
    expect(source.statements.every(ts.isExportDeclaration)).toBe(true);
    expect(index.imports.length).toBeGreaterThan(10);
    expect(index.imports.filter((e) => e.to === undefined || e.to.includes('/private/') || layerOf(e.to) === 'cli').map(edgeName)).toEqual([]);
  });
});
