import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every rule ID the library can raise, from the ways src/ raises them. */
function idsInCode(): Set<string> {
  const patterns = [
    /efaError\(\s*'([a-z0-9-]+)'/g, // thrown errors
    /\bid: '([a-z0-9-]+)'/g, // problems collected and thrown together
    /addWarningV2\('cdk-efa:([a-z0-9-]+)'/g, // warnings
    /this\.add\([^,]+,\s*'(?:error|warning)',\s*'([a-z0-9-]+)'/g, // EfaChecks findings
    /\[cdk-efa:([a-z0-9-]+)\]/g, // literal IDs (the deploy-time offering check)
  ];
  const ids = new Set<string>();
  for (const file of files(path.join(ROOT, 'src'))) {
    const text = fs.readFileSync(file, 'utf-8');
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) ids.add(match[1]);
    }
  }
  return ids;
}

function idsInCatalogue(): Set<string> {
  const text = fs.readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf-8');
  return new Set([...text.matchAll(/^\| `cdk-efa:([a-z0-9-]+)` \|/gm)].map((m) => m[1]));
}

describe('error catalogue', () => {
  test('lists every error and warning the code raises, and nothing else', () => {
    const code = idsInCode();
    const catalogue = idsInCatalogue();
    expect(code.size).toBeGreaterThan(40);
    expect([...code].filter((id) => !catalogue.has(id)).sort()).toEqual([]);
    expect([...catalogue].filter((id) => !code.has(id)).sort()).toEqual([]);
  });

  test('every ID is exercised by a test', () => {
    const tests = files(path.join(ROOT, 'test')).filter((f) => !f.endsWith('errors.test.ts'))
      .map((f) => fs.readFileSync(f, 'utf-8')).join('\n');
    // As `cdk-efa:<id>` in a message, or as a whole quoted '<id>' in a test table.
    const exercised = new Set([...tests.matchAll(/cdk-efa:([a-z0-9-]*[a-z0-9])|'([a-z0-9-]+)'/g)].map((m) => m[1] ?? m[2]));
    expect([...idsInCode()].filter((id) => !exercised.has(id)).sort()).toEqual([]);
  });
});
