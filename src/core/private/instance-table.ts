import * as fs from 'fs';
import * as path from 'path';
import type { InstanceTypeCapabilities } from '../capabilities';
import { capabilitiesProblems } from './capabilities-rules';
import { echo, efaError } from './errors';

/**
 * The capability table, `instance-types.generated.json` beside this module (written by
 * `npx projen update-instance-types`; the compile task copies it into lib/). It is read, parsed and checked once, on
 * the first lookup, and not when the library is loaded.
 */
export const TABLE_FILE = path.join(__dirname, 'instance-types.generated.json');

/**
 * The parsed table. Each row is checked on its first read, so that a lookup of one type checks one row (checking all
 * 300 would cost the CLI's `layout` command several milliseconds), while the commands that read every row check all.
 */
export class InstanceTable {
  /** @param rows the rows by instance type, not yet checked */
  public constructor(private readonly rows: ReadonlyMap<string, unknown>, private readonly file: string) {}

  /** How many instance types the table lists. */
  public get size(): number {
    return this.rows.size;
  }

  /** The instance types, in the table's order (sorted by name). */
  public names(): string[] {
    return [...this.rows.keys()];
  }

  /**
   * The capabilities of `instanceType`, or undefined when the table does not list it.
   *
   * @throws `cdk-efa:invalid-capabilities` when the row does not pass the capabilities check
   */
  public get(instanceType: string): InstanceTypeCapabilities | undefined {
    const row = this.rows.get(instanceType);
    if (row !== undefined && !isCheckedTableRow(row)) {
      const problems = capabilitiesProblems(row).map((problem) => problem.message);
      if (problems.length > 0) {
        throw tableError(this.file, `holds an invalid row: ${problems.slice(0, 5).join(' ')}${problems.length > 5 ? ` (and ${problems.length - 5} more problems)` : ''}`);
      }
      CHECKED_ROWS.add(row as object);
    }
    return row as InstanceTypeCapabilities | undefined;
  }
}

/**
 * The table's rows that passed the capabilities check. `EfaInstanceTypes.lookup` returns these objects themselves,
 * typed readonly, so they stay valid: `EfaInstanceTypes.validateCapabilities` need not check them again, and
 * `EfaLayout.recommended` may compute each (row, options) once. They are not frozen: the jsii runtime of the other
 * languages tags each object it passes with an ID, which a frozen object refuses.
 */
const CHECKED_ROWS = new WeakSet<object>();

/** Whether `capabilities` is a row of the capability table that passed the capabilities check. */
export function isCheckedTableRow(capabilities: unknown): boolean {
  return typeof capabilities === 'object' && capabilities !== null && CHECKED_ROWS.has(capabilities);
}

let table: InstanceTable | undefined;

/** The capability table; read and parsed on the first call. */
export function instanceTable(): InstanceTable {
  table ??= parseInstanceTable(readTable(TABLE_FILE), TABLE_FILE);
  return table;
}

function tableError(file: string, why: string): Error {
  return efaError('invalid-capabilities', `cdk-efa's capability table ${file} ${why}; regenerate it with \`npx projen update-instance-types\`, or reinstall cdk-efa.`);
}

function readTable(file: string): string {
  try {
    return fs.readFileSync(file, 'utf-8');
  } catch (e) {
    throw efaError('invalid-capabilities', `cdk-efa's capability table ${file} cannot be read (${e instanceof Error ? e.message : String(e)}); the package is incomplete: reinstall cdk-efa.`);
  }
}

/**
 * Parses the capability table's text. Each row is checked with the capabilities check that `validateCapabilities`
 * applies on its first read (`InstanceTable.get`), so that a damaged or hand-edited file fails with every problem named.
 *
 * @param text the file's content: `{"instanceTypes": [row, ...]}`
 * @param file how messages name the file
 * @throws `cdk-efa:invalid-capabilities` when the text is no such JSON, a row has no instance type, or one repeats
 */
export function parseInstanceTable(text: string, file: string): InstanceTable {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw tableError(file, `is not valid JSON (${(e instanceof Error ? e.message : String(e)).substring(0, 200)})`);
  }
  const rows: unknown = typeof json === 'object' && json !== null ? (json as { instanceTypes?: unknown }).instanceTypes : undefined;
  if (!Array.isArray(rows)) {
    throw tableError(file, 'has no `instanceTypes` list');
  }
  const byName = new Map<string, unknown>();
  rows.forEach((row: unknown, i) => {
    const name = typeof row === 'object' && row !== null ? (row as { instanceType?: unknown }).instanceType : undefined;
    if (typeof name !== 'string' || name === '') {
      throw tableError(file, `holds a row without an instance type (row ${i}: ${echo(row)})`);
    }
    if (byName.has(name)) {
      throw tableError(file, `lists ${name} twice`);
    }
    byName.set(name, row);
  });
  return new InstanceTable(byName, file);
}
