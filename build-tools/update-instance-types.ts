/**
 * `npx projen update-instance-types [fresh.json ...]`
 *
 * Merges `aws ec2 describe-instance-types --filters Name=network-info.efa-supported,Values=true` output files (for
 * example one per region; a later file wins) into data/efa-instance-types.json, then regenerates
 * src/core/private/instance-types.generated.json (the capability table the library parses on its first lookup) from it. With no arguments it only regenerates the table.
 *
 * `npx projen update-instance-types --patch [--source=TAG] patch.json ...`
 *
 * Merges files in the same shape whose entries carry only some fields (for example
 * `NetworkInfo.Ipv4AddressesPerInterface` from the Amazon VPC CNI's limits file) into the entries of types already in
 * the data, keeping every other field, and adds TAG to each patched entry's `CdkEfa.Source`. See `patchDescribeOutputs`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import {
  DescribeInstanceTypesOutput,
  mergeDescribeOutputs,
  MergeResult,
  parseDescribeOutput,
  parseUpdateArguments,
  patchDescribeOutputs,
  RawDescribeInstanceTypesOutput,
  renderTableJson,
  toCapabilities,
} from './describe-instance-types';

const REPO_ROOT = path.resolve(__dirname, '..');
const DATA_FILE = path.join(REPO_ROOT, 'data', 'efa-instance-types.json');
const TABLE_FILE = path.join(REPO_ROOT, 'src', 'core', 'private', 'instance-types.generated.json');

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads and parses one describe-instance-types JSON file; `name` is how errors refer to it. */
function readDescribeOutput(file: string, name: string): RawDescribeInstanceTypesOutput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${name}: ${errorMessage(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${errorMessage(error)}`);
  }
  return parseDescribeOutput(json, name);
}

function formatData(output: DescribeInstanceTypesOutput): string {
  return `${JSON.stringify(output, undefined, 2)}\n`;
}

function summary(before: number, result: MergeResult, files: number, kind: string): string {
  const after = result.output.InstanceTypes.length;
  return `update-instance-types: ${before} instance types before, ${after} after; `
    + `${result.added.length} added, ${result.updated.length} updated, from ${files} ${kind} file(s)`;
}

function main(argv: readonly string[]): void {
  const args = parseUpdateArguments(argv);
  const dataName = path.relative(process.cwd(), DATA_FILE);
  const base = readDescribeOutput(DATA_FILE, dataName);
  const inputs = args.files.map((file) => readDescribeOutput(path.resolve(file), file));

  const result = args.patch
    ? patchDescribeOutputs(base, inputs, { sourceNames: args.files, sourceTag: args.sourceTag })
    : mergeDescribeOutputs(base, inputs, { sourceNames: args.files });
  // Convert every row before writing anything, so an invalid entry leaves both files untouched.
  const table = renderTableJson(result.output.InstanceTypes.map(toCapabilities));

  for (const warning of result.warnings) {
    process.stderr.write(`warning: ${warning}\n`);
  }
  writeFileSync(DATA_FILE, formatData(result.output));
  mkdirSync(path.dirname(TABLE_FILE), { recursive: true });
  writeFileSync(TABLE_FILE, table);
  const kind = args.patch ? 'patch' : 'describe-instance-types';
  process.stdout.write(`${summary(base.InstanceTypes.length, result, args.files.length, kind)}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`update-instance-types: ${errorMessage(error)}\n`);
  process.exitCode = 1;
}
