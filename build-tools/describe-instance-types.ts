/**
 * Pure helpers behind `npx projen update-instance-types`.
 *
 * `data/efa-instance-types.json` holds a subset of EC2 `DescribeInstanceTypes` output, one entry per EFA-capable
 * instance type, plus a `CdkEfa` overlay for what EC2 does not report. These functions merge fresh
 * `aws ec2 describe-instance-types` output into that data, convert entries to `InstanceTypeCapabilities` and render
 * the capability table `src/core/private/instance-types.generated.json`. They do no I/O: `update-instance-types.ts` does.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceTypeInfo.html
 */
import { InstanceArchitecture, PlacementGroupStrategy } from 'aws-cdk-lib/aws-ec2';
import {
  AcceleratorCapabilities,
  AcceleratorKind,
  InstanceTypeCapabilities,
  NetworkCardCapabilities,
} from '../src/core/capabilities';
import { InterfaceType } from '../src/core/network-interface';
import { capabilitiesProblems } from '../src/core/private/capabilities-rules';

// ---------------------------------------------------------------------------------------------------------------------
// The JSON shape: the subset of EC2 `DescribeInstanceTypes` fields the table needs, plus the `CdkEfa` overlay.
// ---------------------------------------------------------------------------------------------------------------------

/** `NetworkInfo.NetworkCards[]` of EC2 `DescribeInstanceTypes`. */
export interface NetworkCardInfo {
  readonly NetworkCardIndex?: number;
  readonly MaximumNetworkInterfaces?: number;
  readonly BaselineBandwidthInGbps?: number;
  readonly PeakBandwidthInGbps?: number;
}

/** `NetworkInfo.EfaInfo` of EC2 `DescribeInstanceTypes`. */
export interface EfaInfo {
  readonly MaximumEfaInterfaces?: number;
}

/** `NetworkInfo` of EC2 `DescribeInstanceTypes`. */
export interface NetworkInfo {
  readonly MaximumNetworkInterfaces?: number;
  readonly MaximumNetworkCards?: number;
  readonly DefaultNetworkCardIndex?: number;
  readonly NetworkCards?: readonly NetworkCardInfo[];
  readonly Ipv4AddressesPerInterface?: number;
  readonly EfaSupported?: boolean;
  readonly EfaInfo?: EfaInfo;
}

/** `ProcessorInfo` of EC2 `DescribeInstanceTypes`. */
export interface ProcessorInfo {
  readonly SupportedArchitectures?: readonly string[];
}

/** `GpuInfo.Gpus[]` of EC2 `DescribeInstanceTypes`. */
export interface GpuDeviceInfo {
  readonly Name?: string;
  readonly Manufacturer?: string;
  readonly Count?: number;
}

/** `GpuInfo` of EC2 `DescribeInstanceTypes`. */
export interface GpuInfo {
  readonly Gpus?: readonly GpuDeviceInfo[];
}

/** `NeuronInfo.NeuronDevices[]` of EC2 `DescribeInstanceTypes`. */
export interface NeuronDeviceInfo {
  readonly Name?: string;
  readonly Count?: number;
}

/** `NeuronInfo` of EC2 `DescribeInstanceTypes`. */
export interface NeuronInfo {
  readonly NeuronDevices?: readonly NeuronDeviceInfo[];
}

/** `InferenceAcceleratorInfo.Accelerators[]` of EC2 `DescribeInstanceTypes`. */
export interface InferenceDeviceInfo {
  readonly Name?: string;
  readonly Manufacturer?: string;
  readonly Count?: number;
}

/** `InferenceAcceleratorInfo` of EC2 `DescribeInstanceTypes`. */
export interface InferenceAcceleratorInfo {
  readonly Accelerators?: readonly InferenceDeviceInfo[];
}

/** `PlacementGroupInfo` of EC2 `DescribeInstanceTypes`. */
export interface PlacementGroupInfo {
  readonly SupportedStrategies?: readonly string[];
}

/** What cdk-efa knows about an instance type beyond EC2 `DescribeInstanceTypes`. Not an EC2 field. */
export interface CdkEfaOverlay {
  /** Where the values came from (K: Karpenter, C: VPC CNI, D: AWS documentation; EC2 after a refresh). */
  readonly Source?: string;
  /** Network cards that cannot carry any EFA (`efa` or `efa-only`). */
  readonly EfaUnsupportedNetworkCards?: readonly number[];
  /**
   * Network cards that take only `efa-only` interfaces: EC2 rejects an `interface` or `efa` there (p6e-gb200's odd
   * cards). They become cards whose `supportedInterfaceTypes` is `efa-only` alone.
   */
  readonly EfaOnlyNetworkCards?: readonly number[];
  /** False when some values were inferred rather than read from EC2 or AWS documentation; absent when true. */
  readonly Verified?: boolean;
  /** Short free text, for example why a value is inferred. */
  readonly Notes?: string;
}

/** One entry of `DescribeInstanceTypes` output, reduced to the fields cdk-efa uses, plus the `CdkEfa` overlay. */
export interface InstanceTypeInfo {
  readonly InstanceType: string;
  readonly ProcessorInfo?: ProcessorInfo;
  readonly NetworkInfo?: NetworkInfo;
  readonly GpuInfo?: GpuInfo;
  readonly PlacementGroupInfo?: PlacementGroupInfo;
  readonly InferenceAcceleratorInfo?: InferenceAcceleratorInfo;
  readonly NeuronInfo?: NeuronInfo;
  readonly CdkEfa?: CdkEfaOverlay;
}

/** `DescribeInstanceTypes` output in the shape of `data/efa-instance-types.json`. */
export interface DescribeInstanceTypesOutput {
  readonly InstanceTypes: readonly InstanceTypeInfo[];
}

/** `DescribeInstanceTypes` output as read from a file: the entries are not checked yet. */
export interface RawDescribeInstanceTypesOutput {
  readonly InstanceTypes: readonly unknown[];
}

/** Options for `mergeDescribeOutputs`. */
export interface MergeOptions {
  /**
   * Names of the fresh outputs (for example their file names), in the same order, used in warnings.
   *
   * @default - "fresh output 1", "fresh output 2", ...
   */
  readonly sourceNames?: readonly string[];
}

/** Options for `patchDescribeOutputs`. */
export interface PatchOptions {
  /**
   * Names of the patches (for example their file names), in the same order, used in warnings.
   *
   * @default - "patch 1", "patch 2", ...
   */
  readonly sourceNames?: readonly string[];

  /**
   * Tag added to `CdkEfa.Source` (joined with `+`) of every entry a patch sets a field of, unless the tag is
   * already there; for example `C` for the VPC CNI limits file.
   *
   * @default - `CdkEfa.Source` is left as it is
   */
  readonly sourceTag?: string;
}

/** What `mergeDescribeOutputs` and `patchDescribeOutputs` return. */
export interface MergeResult {
  /** The merged data, sorted by instance type. */
  readonly output: DescribeInstanceTypesOutput;
  /** Disagreements and dropped entries, one sentence each. */
  readonly warnings: string[];
  /** Instance types found only in the fresh outputs, sorted (always empty for `patchDescribeOutputs`). */
  readonly added: string[];
  /** Instance types of the base whose entry changed, sorted. */
  readonly updated: string[];
}

// ---------------------------------------------------------------------------------------------------------------------
// Reading untrusted JSON into the subset.
// ---------------------------------------------------------------------------------------------------------------------

type JsonObject = { readonly [key: string]: unknown };

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** Returns a copy of `value` without the properties whose value is `undefined`. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Reads typed fields of one JSON object, naming the instance type and field path in every error. */
class FieldReader {
  public constructor(
    private readonly instanceType: string,
    private readonly json: JsonObject,
    private readonly path: string,
  ) {}

  public number(key: string): number | undefined {
    return this.typed(key, 'a number', isNumber);
  }

  public boolean(key: string): boolean | undefined {
    return this.typed(key, 'a boolean', isBoolean);
  }

  public string(key: string): string | undefined {
    return this.typed(key, 'a string', isString);
  }

  public strings(key: string): string[] | undefined {
    return this.array(key)?.map((item, i) => this.check(item, `${key}[${i}]`, 'a string', isString));
  }

  public numbers(key: string): number[] | undefined {
    return this.array(key)?.map((item, i) => this.check(item, `${key}[${i}]`, 'a number', isNumber));
  }

  public object(key: string): FieldReader | undefined {
    const value = this.typed(key, 'an object', isJsonObject);
    return value === undefined ? undefined : new FieldReader(this.instanceType, value, this.fieldPath(key));
  }

  public objects(key: string): FieldReader[] | undefined {
    return this.array(key)?.map((item, i) => {
      const value = this.check(item, `${key}[${i}]`, 'an object', isJsonObject);
      return new FieldReader(this.instanceType, value, this.fieldPath(`${key}[${i}]`));
    });
  }

  private array(key: string): readonly unknown[] | undefined {
    return this.typed(key, 'an array', isArray);
  }

  private typed<T>(key: string, expected: string, guard: (value: unknown) => value is T): T | undefined {
    const value = this.json[key];
    return value === undefined ? undefined : this.check(value, key, expected, guard);
  }

  private check<T>(value: unknown, key: string, expected: string, guard: (value: unknown) => value is T): T {
    if (!guard(value)) {
      throw new Error(`${this.instanceType}: ${this.fieldPath(key)} must be ${expected}, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  private fieldPath(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }
}

function readNetworkCard(card: FieldReader): NetworkCardInfo {
  return withoutUndefined({
    NetworkCardIndex: card.number('NetworkCardIndex'),
    MaximumNetworkInterfaces: card.number('MaximumNetworkInterfaces'),
    BaselineBandwidthInGbps: card.number('BaselineBandwidthInGbps'),
    PeakBandwidthInGbps: card.number('PeakBandwidthInGbps'),
  });
}

function byNetworkCardIndex(a: NetworkCardInfo, b: NetworkCardInfo): number {
  return (a.NetworkCardIndex ?? 0) - (b.NetworkCardIndex ?? 0);
}

function readNetworkInfo(network: FieldReader): NetworkInfo {
  const efaInfo = network.object('EfaInfo');
  return withoutUndefined({
    MaximumNetworkInterfaces: network.number('MaximumNetworkInterfaces'),
    MaximumNetworkCards: network.number('MaximumNetworkCards'),
    DefaultNetworkCardIndex: network.number('DefaultNetworkCardIndex'),
    NetworkCards: network.objects('NetworkCards')?.map(readNetworkCard).sort(byNetworkCardIndex),
    Ipv4AddressesPerInterface: network.number('Ipv4AddressesPerInterface'),
    EfaSupported: network.boolean('EfaSupported'),
    EfaInfo: efaInfo && withoutUndefined({ MaximumEfaInterfaces: efaInfo.number('MaximumEfaInterfaces') }),
  });
}

function readDevice(device: FieldReader): GpuDeviceInfo {
  return withoutUndefined({
    Name: device.string('Name'),
    Manufacturer: device.string('Manufacturer'),
    Count: device.number('Count'),
  });
}

function readNeuronDevice(device: FieldReader): NeuronDeviceInfo {
  return withoutUndefined({ Name: device.string('Name'), Count: device.number('Count') });
}

/** Reads the EC2 fields cdk-efa uses from one untrusted entry and drops every other field. */
function readEc2Fields(entry: FieldReader, instanceType: string): InstanceTypeInfo {
  const processor = entry.object('ProcessorInfo');
  const network = entry.object('NetworkInfo');
  const gpu = entry.object('GpuInfo');
  const placement = entry.object('PlacementGroupInfo');
  const inference = entry.object('InferenceAcceleratorInfo');
  const neuron = entry.object('NeuronInfo');
  return withoutUndefined({
    InstanceType: instanceType,
    ProcessorInfo: processor && withoutUndefined({ SupportedArchitectures: processor.strings('SupportedArchitectures') }),
    NetworkInfo: network && readNetworkInfo(network),
    GpuInfo: gpu && withoutUndefined({ Gpus: gpu.objects('Gpus')?.map(readDevice) }),
    PlacementGroupInfo: placement && withoutUndefined({ SupportedStrategies: placement.strings('SupportedStrategies') }),
    InferenceAcceleratorInfo: inference && withoutUndefined({ Accelerators: inference.objects('Accelerators')?.map(readDevice) }),
    NeuronInfo: neuron && withoutUndefined({ NeuronDevices: neuron.objects('NeuronDevices')?.map(readNeuronDevice) }),
  });
}

function readOverlay(overlay: FieldReader): CdkEfaOverlay {
  return withoutUndefined({
    Source: overlay.string('Source'),
    EfaUnsupportedNetworkCards: overlay.numbers('EfaUnsupportedNetworkCards'),
    EfaOnlyNetworkCards: overlay.numbers('EfaOnlyNetworkCards'),
    Verified: overlay.boolean('Verified'),
    Notes: overlay.string('Notes'),
  });
}

/** Checks that `entry` is an object with a string `InstanceType` and returns a reader for it. */
function entryReader(entry: unknown, source: string, index: number): [FieldReader, string] {
  if (!isJsonObject(entry) || typeof entry.InstanceType !== 'string' || entry.InstanceType === '') {
    throw new Error(`${source}: InstanceTypes[${index}] must be an object with a non-empty string InstanceType`);
  }
  return [new FieldReader(entry.InstanceType, entry, ''), entry.InstanceType];
}

/**
 * Checks that parsed JSON has the shape of `DescribeInstanceTypes` output: an object with an `InstanceTypes` array.
 *
 * The entries are checked later, by `mergeDescribeOutputs`.
 *
 * @param json the parsed file
 * @param source the file name, used in the error message
 * @throws Error when `json` is not `{ "InstanceTypes": [...] }`
 */
export function parseDescribeOutput(json: unknown, source: string): RawDescribeInstanceTypesOutput {
  if (!isJsonObject(json) || !Array.isArray(json.InstanceTypes)) {
    throw new Error(`${source}: expected DescribeInstanceTypes output, an object with an "InstanceTypes" array`);
  }
  return { InstanceTypes: json.InstanceTypes };
}

// ---------------------------------------------------------------------------------------------------------------------
// Merging.
// ---------------------------------------------------------------------------------------------------------------------

function compareStrings(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function byInstanceType(a: InstanceTypeInfo, b: InstanceTypeInfo): number {
  return compareStrings(a.InstanceType, b.InstanceType);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function describeValue(value: unknown): string {
  return value === undefined ? 'absent' : JSON.stringify(value);
}

/** Lists the paths at which two JSON values differ, with both values. */
function jsonDifferences(a: unknown, b: unknown, path: string): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}: ${a.length} entries vs ${b.length}`];
    return a.flatMap((item, i) => jsonDifferences(item, b[i], `${path}[${i}]`));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((key) => jsonDifferences(a[key], b[key], path === '' ? key : `${path}.${key}`));
  }
  return sameJson(a, b) ? [] : [`${path}: ${describeValue(a)} vs ${describeValue(b)}`];
}

const MAX_LISTED_DIFFERENCES = 5;

function summarizeDifferences(differences: readonly string[]): string {
  const listed = differences.slice(0, MAX_LISTED_DIFFERENCES).join('; ');
  const more = differences.length - MAX_LISTED_DIFFERENCES;
  return more > 0 ? `${listed}; and ${more} more` : listed;
}

/** Reads the base entries, overlay included; drops (with a warning) entries that do not support EFA. */
function readBase(base: RawDescribeInstanceTypesOutput, warnings: string[]): Map<string, InstanceTypeInfo> {
  const byType = new Map<string, InstanceTypeInfo>();
  base.InstanceTypes.forEach((raw, index) => {
    const [entry, instanceType] = entryReader(raw, 'base data', index);
    const overlay = entry.object('CdkEfa');
    const info: InstanceTypeInfo = withoutUndefined({ ...readEc2Fields(entry, instanceType), CdkEfa: overlay && readOverlay(overlay) });
    if (info.NetworkInfo?.EfaSupported !== true) {
      warnings.push(`${instanceType}: dropped from the base data, NetworkInfo.EfaSupported is not true`);
      return;
    }
    if (byType.has(instanceType)) {
      warnings.push(`${instanceType}: listed twice in the base data; using the later entry`);
    }
    byType.set(instanceType, info);
  });
  return byType;
}

interface FreshEntry {
  readonly info: InstanceTypeInfo;
  readonly source: string;
}

/** Reads the EFA-capable entries of the fresh outputs; a later output wins, and each disagreement is a warning. */
function readFresh(
  fresh: readonly RawDescribeInstanceTypesOutput[],
  sourceNames: readonly string[],
  base: ReadonlyMap<string, InstanceTypeInfo>,
  warnings: string[],
): Map<string, FreshEntry> {
  const byType = new Map<string, FreshEntry>();
  fresh.forEach((output, outputIndex) => {
    const source = sourceNames[outputIndex] ?? `fresh output ${outputIndex + 1}`;
    output.InstanceTypes.forEach((raw, index) => {
      const [entry, instanceType] = entryReader(raw, source, index);
      const info = readEc2Fields(entry, instanceType);
      if (info.NetworkInfo?.EfaSupported !== true) {
        if (base.has(instanceType)) {
          warnings.push(`${instanceType}: ${source} does not report EFA support; ignored that entry`);
        }
        return;
      }
      const previous = byType.get(instanceType);
      const differences = previous ? jsonDifferences(previous.info, info, '') : [];
      if (previous && differences.length > 0) {
        const details = summarizeDifferences(differences);
        warnings.push(`${instanceType}: ${previous.source} and ${source} disagree; using ${source} (${details})`);
      }
      byType.set(instanceType, { info, source });
    });
  });
  return byType;
}

/** The base overlay for a type whose EC2 fields now come from EC2: its values are no longer inferred. */
function refreshedOverlay(overlay: CdkEfaOverlay | undefined): CdkEfaOverlay | undefined {
  if (overlay === undefined) return undefined;
  const refreshed = withoutUndefined({ ...overlay, Verified: undefined });
  return Object.keys(refreshed).length > 0 ? refreshed : undefined;
}

/**
 * Merges fresh `aws ec2 describe-instance-types --filters Name=network-info.efa-supported,Values=true` outputs into
 * the base data of `data/efa-instance-types.json`.
 *
 * - Keeps only the EC2 fields cdk-efa uses (see `InstanceTypeInfo`) and drops every other field.
 * - Drops entries whose `NetworkInfo.EfaSupported` is not true.
 * - For a type in both, the fresh EC2 fields replace the base's; the base's `CdkEfa` overlay stays, without
 *   `Verified: false` (the values now come from EC2). A `CdkEfa` key in a fresh output is ignored.
 * - Adds types found only in the fresh outputs and keeps base types absent from them.
 * - When two fresh outputs (for example two regions) disagree about a type, the later one wins and the
 *   disagreement is reported in `warnings`.
 *
 * @param base the current data (`data/efa-instance-types.json`)
 * @param fresh any number of `describe-instance-types` outputs, in order of precedence (later wins)
 * @param options names of the fresh outputs for the warnings
 * @returns the merged data sorted by instance type, the warnings, and the added and updated instance types
 * @throws Error naming the instance type and field when an entry has a field of the wrong type
 */
export function mergeDescribeOutputs(
  base: RawDescribeInstanceTypesOutput,
  fresh: readonly RawDescribeInstanceTypesOutput[],
  options: MergeOptions = {},
): MergeResult {
  const warnings: string[] = [];
  const baseByType = readBase(base, warnings);
  const freshByType = readFresh(fresh, options.sourceNames ?? [], baseByType, warnings);

  const merged = new Map(baseByType);
  const added: string[] = [];
  const updated: string[] = [];
  for (const [instanceType, { info }] of freshByType) {
    const previous = baseByType.get(instanceType);
    const next = withoutUndefined({ ...info, CdkEfa: refreshedOverlay(previous?.CdkEfa) });
    if (previous === undefined) {
      added.push(instanceType);
    } else if (!sameJson(previous, next)) {
      updated.push(instanceType);
    }
    merged.set(instanceType, next);
  }

  return {
    output: { InstanceTypes: [...merged.values()].sort(byInstanceType) },
    warnings,
    added: added.sort(compareStrings),
    updated: updated.sort(compareStrings),
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Patching: merging a few fields per type from a source other than EC2.
// ---------------------------------------------------------------------------------------------------------------------

/** Merges `patch` into `base`: objects key by key, recursively; any other value of the patch (arrays too) replaces. */
function mergeJson(base: unknown, patch: unknown): unknown {
  if (isJsonObject(base) && isJsonObject(patch)) {
    const merged: { [key: string]: unknown } = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      merged[key] = mergeJson(base[key], value);
    }
    return merged;
  }
  return patch === undefined ? base : patch;
}

/** Whether a JSON value holds anything but empty objects. */
function holdsValue(value: unknown): boolean {
  return isJsonObject(value) ? Object.values(value).some(holdsValue) : value !== undefined;
}

/** The overlay with `tag` added to its `Source`, unless one of the `+`-joined parts of the `Source` is `tag` already. */
function withSourceTag(instanceType: string, overlay: CdkEfaOverlay | undefined, tag: string): CdkEfaOverlay {
  const source = overlay?.Source;
  if (source !== undefined && source.split('+').map((part) => part.trim()).includes(tag)) {
    return overlay as CdkEfaOverlay;
  }
  const tagged = { ...overlay, Source: source === undefined || source === '' ? tag : `${source}+${tag}` };
  return readOverlay(new FieldReader(instanceType, tagged, 'CdkEfa'));
}

/**
 * Merges patches, files in the shape of `DescribeInstanceTypes` output whose entries carry only some fields (for
 * example `NetworkInfo.Ipv4AddressesPerInterface` from the Amazon VPC CNI's limits file), into the base data of
 * `data/efa-instance-types.json`.
 *
 * - Each entry's EC2 fields that cdk-efa uses are merged into the base entry of its type: objects key by key, any other
 *   value (arrays such as `NetworkInfo.NetworkCards` too) replaces the base's. Every other field, and a `CdkEfa` key,
 *   is ignored.
 * - A patch never adds a type: entries whose type is not in the base are ignored, with one warning per patch, and so
 *   is an entry that would leave `NetworkInfo.EfaSupported` other than true, with a warning.
 * - `Verified` stays as it is: a few fields from elsewhere do not verify the rest of a row.
 * - Patches apply in order, so a later one wins.
 *
 * @param base the current data (`data/efa-instance-types.json`)
 * @param patches any number of partial `DescribeInstanceTypes`-shaped outputs, in order of precedence (later wins)
 * @param options names of the patches for the warnings, and the tag for `CdkEfa.Source`
 * @returns the merged data sorted by instance type, the warnings, and the updated instance types (`added` is empty)
 * @throws Error naming the instance type and field when an entry has a field of the wrong type
 */
export function patchDescribeOutputs(
  base: RawDescribeInstanceTypesOutput,
  patches: readonly RawDescribeInstanceTypesOutput[],
  options: PatchOptions = {},
): MergeResult {
  const tag = options.sourceTag;
  if (tag !== undefined && (tag.trim() === '' || tag.includes('+') || tag !== tag.trim())) {
    throw new Error(`source tag ${JSON.stringify(tag)} must be non-empty, without "+" or surrounding spaces`);
  }
  const warnings: string[] = [];
  const original = readBase(base, warnings);
  const merged = new Map(original);
  patches.forEach((patch, patchIndex) => {
    const source = options.sourceNames?.[patchIndex] ?? `patch ${patchIndex + 1}`;
    const unknown: string[] = [];
    patch.InstanceTypes.forEach((raw, index) => {
      const [entry, instanceType] = entryReader(raw, source, index);
      const { InstanceType: _, ...fields } = readEc2Fields(entry, instanceType);
      const previous = merged.get(instanceType);
      if (previous === undefined) {
        unknown.push(instanceType);
        return;
      }
      const { CdkEfa: overlay, ...ec2 } = previous;
      const combined = mergeJson(ec2, fields) as JsonObject;
      const next = readEc2Fields(new FieldReader(instanceType, combined, ''), instanceType);
      if (next.NetworkInfo?.EfaSupported !== true) {
        warnings.push(`${instanceType}: ${source} would leave NetworkInfo.EfaSupported other than true; ignored that entry`);
        return;
      }
      const tagged = tag !== undefined && holdsValue(fields) ? withSourceTag(instanceType, overlay, tag) : overlay;
      merged.set(instanceType, withoutUndefined({ ...next, CdkEfa: tagged }));
    });
    if (unknown.length > 0) {
      // A patch cut from a file about every instance type (the VPC CNI's) names many types without EFA: one warning.
      const listed = summarizeDifferences(unknown.sort(compareStrings));
      warnings.push(`${source}: ignored ${unknown.length} entries whose type is not in the base data (a patch never adds a type): ${listed}`);
    }
  });
  const updated = [...merged]
    .filter(([instanceType, info]) => !sameJson(original.get(instanceType), info))
    .map(([instanceType]) => instanceType);
  return {
    output: { InstanceTypes: [...merged.values()].sort(byInstanceType) },
    warnings,
    added: [],
    updated: updated.sort(compareStrings),
  };
}

/** The command line of `update-instance-types`, parsed. */
export interface UpdateArguments {
  /** Whether the files are patches (`--patch`) rather than `describe-instance-types` output. */
  readonly patch: boolean;
  /** The tag for `CdkEfa.Source` of patched entries (`--source=TAG`); only with `--patch`. */
  readonly sourceTag?: string;
  /** The files to merge, in order. */
  readonly files: string[];
}

/**
 * Parses the arguments of `update-instance-types`: `[--patch [--source=TAG]] [file ...]`.
 *
 * @param args the arguments after the script name
 * @returns the parsed arguments
 * @throws Error on an unknown option, an empty `--source`, or `--source` without `--patch`
 */
export function parseUpdateArguments(args: readonly string[]): UpdateArguments {
  let patch = false;
  let sourceTag: string | undefined;
  const files: string[] = [];
  for (const arg of args) {
    if (arg === '--patch') {
      patch = true;
    } else if (arg.startsWith('--source=')) {
      sourceTag = arg.slice('--source='.length);
      if (sourceTag === '') throw new Error('--source needs a tag, for example --source=C');
    } else if (arg.startsWith('--')) {
      throw new Error(`unknown option ${arg}; usage: update-instance-types [--patch [--source=TAG]] [file ...]`);
    } else {
      files.push(arg);
    }
  }
  if (sourceTag !== undefined && !patch) {
    throw new Error('--source only applies to patches; add --patch, or leave --source out for describe-instance-types output');
  }
  return withoutUndefined({ patch, sourceTag, files });
}

// ---------------------------------------------------------------------------------------------------------------------
// Converting to InstanceTypeCapabilities.
// ---------------------------------------------------------------------------------------------------------------------

function required<T>(value: T | undefined, instanceType: string, field: string): T {
  if (value === undefined) {
    throw new Error(`${instanceType}: missing required field ${field}`);
  }
  return value;
}

function toNetworkCards(info: InstanceTypeInfo, network: NetworkInfo): NetworkCardCapabilities[] {
  const type = info.InstanceType;
  const cards = required(network.NetworkCards, type, 'NetworkInfo.NetworkCards');
  if (cards.length === 0) {
    throw new Error(`${type}: NetworkInfo.NetworkCards must list at least one network card`);
  }
  if (network.MaximumNetworkCards !== undefined && network.MaximumNetworkCards !== cards.length) {
    throw new Error(
      `${type}: NetworkInfo.MaximumNetworkCards is ${network.MaximumNetworkCards} but NetworkInfo.NetworkCards lists ${cards.length}`,
    );
  }
  const efaUnsupported = info.CdkEfa?.EfaUnsupportedNetworkCards ?? [];
  const efaOnly = info.CdkEfa?.EfaOnlyNetworkCards ?? [];
  for (const [field, list] of [['EfaUnsupportedNetworkCards', efaUnsupported], ['EfaOnlyNetworkCards', efaOnly]] as const) {
    const unknownCard = list.find((index) => index < 0 || index >= cards.length || !Number.isInteger(index));
    if (unknownCard !== undefined) {
      throw new Error(`${type}: CdkEfa.${field} lists card ${unknownCard}, which does not exist`);
    }
  }
  const both = efaOnly.find((index) => efaUnsupported.includes(index));
  if (both !== undefined) {
    throw new Error(`${type}: CdkEfa lists card ${both} both as EfaUnsupportedNetworkCards and as EfaOnlyNetworkCards; a card is one or the other`);
  }
  if (efaOnly.includes(0)) {
    throw new Error(`${type}: CdkEfa.EfaOnlyNetworkCards lists card 0, which holds the primary interface ('interface' or 'efa')`);
  }
  return cards.map((card, i) => {
    const field = `NetworkInfo.NetworkCards[${i}]`;
    const networkCardIndex = required(card.NetworkCardIndex, type, `${field}.NetworkCardIndex`);
    if (networkCardIndex !== i) {
      throw new Error(`${type}: ${field}.NetworkCardIndex is ${networkCardIndex}; cards must be numbered 0 to ${cards.length - 1}`);
    }
    return withoutUndefined({
      networkCardIndex,
      maximumNetworkInterfaces: required(card.MaximumNetworkInterfaces, type, `${field}.MaximumNetworkInterfaces`),
      efaSupported: !efaUnsupported.includes(networkCardIndex),
      supportedInterfaceTypes: efaOnly.includes(networkCardIndex) ? [InterfaceType.EFA_ONLY] : undefined,
      baselineBandwidthInGbps: card.BaselineBandwidthInGbps,
      peakBandwidthInGbps: card.PeakBandwidthInGbps,
    });
  });
}

function toArchitecture(info: InstanceTypeInfo): InstanceArchitecture {
  const architectures = required(info.ProcessorInfo?.SupportedArchitectures, info.InstanceType, 'ProcessorInfo.SupportedArchitectures');
  if (architectures.length === 0) {
    throw new Error(`${info.InstanceType}: ProcessorInfo.SupportedArchitectures is empty`);
  }
  return architectures.includes('arm64') ? InstanceArchitecture.ARM_64 : InstanceArchitecture.X86_64;
}

/** Manufacturer of Neuron devices, which EC2 `NeuronDeviceInfo` does not name. */
const NEURON_MANUFACTURER = 'AWS';

function toAccelerator(
  instanceType: string,
  field: string,
  kind: AcceleratorKind,
  device: GpuDeviceInfo | NeuronDeviceInfo,
  manufacturer: string | undefined,
): AcceleratorCapabilities {
  return {
    kind,
    manufacturer: required(manufacturer, instanceType, `${field}.Manufacturer`),
    name: required(device.Name, instanceType, `${field}.Name`),
    count: required(device.Count, instanceType, `${field}.Count`),
  };
}

function toAccelerators(info: InstanceTypeInfo): AcceleratorCapabilities[] | undefined {
  const type = info.InstanceType;
  const gpus = (info.GpuInfo?.Gpus ?? []).map((gpu, i) =>
    toAccelerator(type, `GpuInfo.Gpus[${i}]`, AcceleratorKind.GPU, gpu, gpu.Manufacturer));
  const neuron = (info.NeuronInfo?.NeuronDevices ?? []).map((device, i) =>
    toAccelerator(type, `NeuronInfo.NeuronDevices[${i}]`, AcceleratorKind.NEURON, device, NEURON_MANUFACTURER));
  // EC2 may describe a Neuron device (Inferentia) in both sections: count it once, as a Neuron device.
  const neuronNames = new Set(neuron.map((device) => device.name));
  const inference = (info.InferenceAcceleratorInfo?.Accelerators ?? [])
    .map((device, i) =>
      toAccelerator(type, `InferenceAcceleratorInfo.Accelerators[${i}]`, AcceleratorKind.INFERENCE, device, device.Manufacturer))
    .filter((device) => !neuronNames.has(device.name));
  const all = [...gpus, ...neuron, ...inference];
  return all.length > 0 ? all : undefined;
}

function toPlacementGroupStrategies(info: InstanceTypeInfo): PlacementGroupStrategy[] | undefined {
  const strategies = info.PlacementGroupInfo?.SupportedStrategies;
  const known: readonly string[] = Object.values(PlacementGroupStrategy);
  return strategies?.map((strategy, i) => {
    if (!known.includes(strategy)) {
      const field = `PlacementGroupInfo.SupportedStrategies[${i}]`;
      throw new Error(`${info.InstanceType}: ${field} is "${strategy}", not one of ${known.join(', ')}`);
    }
    return strategy as PlacementGroupStrategy;
  });
}

/**
 * Converts one entry of the data to the `InstanceTypeCapabilities` row of the compiled table.
 *
 * A card supports EFA unless `CdkEfa.EfaUnsupportedNetworkCards` lists it, and takes only `efa-only` interfaces
 * (`supportedInterfaceTypes`) when `CdkEfa.EfaOnlyNetworkCards` lists it; `verified` is false only when
 * `CdkEfa.Verified` is false. Optional fields absent from the entry are left out.
 *
 * @param info one entry of `data/efa-instance-types.json`
 * @returns the capabilities row
 * @throws Error naming the instance type and the field when a required field is missing or inconsistent
 */
export function toCapabilities(info: InstanceTypeInfo): InstanceTypeCapabilities {
  const type = info.InstanceType;
  const network = required(info.NetworkInfo, type, 'NetworkInfo');
  return withoutUndefined({
    instanceType: type,
    efaSupported: required(network.EfaSupported, type, 'NetworkInfo.EfaSupported'),
    maximumEfaInterfaces: required(network.EfaInfo?.MaximumEfaInterfaces, type, 'NetworkInfo.EfaInfo.MaximumEfaInterfaces'),
    networkCards: toNetworkCards(info, network),
    defaultNetworkCardIndex: network.DefaultNetworkCardIndex,
    maximumNetworkInterfaces: network.MaximumNetworkInterfaces,
    ipv4AddressesPerInterface: network.Ipv4AddressesPerInterface,
    architecture: toArchitecture(info),
    accelerators: toAccelerators(info),
    placementGroupStrategies: toPlacementGroupStrategies(info),
    verified: info.CdkEfa?.Verified === false ? false : undefined,
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Rendering src/core/private/instance-types.generated.json.
// ---------------------------------------------------------------------------------------------------------------------

/** Path of the data file, as named in the generated file's note. */
const DATA_FILE_NAME = 'data/efa-instance-types.json';

/** The note the generated table carries under its `//` key (JSON has no comments). */
export const TABLE_NOTE = `Generated by \`npx projen update-instance-types\` from ${DATA_FILE_NAME}, sorted by instance type. `
  + 'Do not edit this file: edit the data file, or merge fresh `aws ec2 describe-instance-types` output into it, and run the task again.';

/** A card with its keys in a fixed order and undefined fields left out (JSON.stringify drops them). */
function compactCard(card: NetworkCardCapabilities): NetworkCardCapabilities {
  return {
    networkCardIndex: card.networkCardIndex,
    maximumNetworkInterfaces: card.maximumNetworkInterfaces,
    efaSupported: card.efaSupported,
    supportedInterfaceTypes: card.supportedInterfaceTypes,
    baselineBandwidthInGbps: card.baselineBandwidthInGbps,
    peakBandwidthInGbps: card.peakBandwidthInGbps,
  };
}

function compactAccelerator(accelerator: AcceleratorCapabilities): AcceleratorCapabilities {
  return { kind: accelerator.kind, manufacturer: accelerator.manufacturer, name: accelerator.name, count: accelerator.count };
}

/** A row with its keys in a fixed order, so that the file changes only where the data does. */
function compactRow(caps: InstanceTypeCapabilities): InstanceTypeCapabilities {
  return {
    instanceType: caps.instanceType,
    efaSupported: caps.efaSupported,
    maximumEfaInterfaces: caps.maximumEfaInterfaces,
    networkCards: caps.networkCards.map(compactCard),
    defaultNetworkCardIndex: caps.defaultNetworkCardIndex,
    maximumNetworkInterfaces: caps.maximumNetworkInterfaces,
    ipv4AddressesPerInterface: caps.ipv4AddressesPerInterface,
    architecture: caps.architecture,
    accelerators: caps.accelerators?.map(compactAccelerator),
    placementGroupStrategies: caps.placementGroupStrategies,
    verified: caps.verified,
  };
}

/**
 * Renders `src/core/private/instance-types.generated.json`, the capability table the library parses on its first
 * lookup: `{"//": TABLE_NOTE, "instanceTypes": [...]}` with one compact row per line, in the given order. Each row is
 * first checked with the library's own capabilities check, so an invalid row fails here, not at the user's first
 * lookup.
 *
 * @param rows the capabilities rows, usually `toCapabilities` of every entry of the data
 * @returns the file's content, ending with a newline
 * @throws when a row fails the capabilities check, naming every problem
 */
export function renderTableJson(rows: readonly InstanceTypeCapabilities[]): string {
  const problems = rows.flatMap((row) => capabilitiesProblems(row)).map((problem) => problem.message);
  if (problems.length > 0) {
    throw new Error(`the capability table would hold invalid rows:\n- ${problems.join('\n- ')}`);
  }
  const lines = rows.map((row, i) => `${JSON.stringify(compactRow(row))}${i < rows.length - 1 ? ',' : ''}`);
  return [`{"//":${JSON.stringify(TABLE_NOTE)},"instanceTypes":[`, ...lines, ']}', ''].join('\n');
}
