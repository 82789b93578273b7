import type { EfaLayoutSummary } from '../core/layout-summary';
import { InterfaceType, NetworkInterfaceSpec } from '../core/network-interface';

/**
 * How the CLI prints a layout: pure functions shared by `cdk-efa layout`, `cdk-efa inspect` and any report.
 */

/**
 * One row of the compact layout table: the same device index and interface type on a run of consecutive network
 * cards, `firstNetworkCardIndex` to `lastNetworkCardIndex` inclusive.
 */
export interface CompactLayoutRow {
  readonly firstNetworkCardIndex: number;
  readonly lastNetworkCardIndex: number;
  readonly deviceIndex: number;
  readonly interfaceType: InterfaceType;
}

function byPosition(a: NetworkInterfaceSpec, b: NetworkInterfaceSpec): number {
  return a.networkCardIndex - b.networkCardIndex || a.deviceIndex - b.deviceIndex;
}

/**
 * Collapses runs of consecutive network cards with the same device index and interface type into one row.
 *
 * Rows come in order of their first card, then device index. On p5.48xlarge's default layout that is three rows:
 * `0 0 interface`, `0 1 efa-only`, `1–31 0 efa-only`. Nothing is lost: `expandLayoutRows` gives the interfaces back.
 */
export function compactLayoutRows(interfaces: readonly NetworkInterfaceSpec[]): CompactLayoutRow[] {
  type Row = { -readonly [K in keyof CompactLayoutRow]: CompactLayoutRow[K] };
  const rows: Row[] = [];
  // The latest row of each (device index, interface type), the only one a following card can extend.
  const latest = new Map<string, Row>();
  for (const { networkCardIndex: card, deviceIndex, interfaceType } of [...interfaces].sort(byPosition)) {
    const key = `${deviceIndex}|${interfaceType}`;
    const row = latest.get(key);
    if (row !== undefined && row.lastNetworkCardIndex + 1 === card) {
      row.lastNetworkCardIndex = card;
      continue;
    }
    const created: Row = { firstNetworkCardIndex: card, lastNetworkCardIndex: card, deviceIndex, interfaceType };
    rows.push(created);
    latest.set(key, created);
  }
  // Interfaces were visited by card, so rows are already ordered by first card, then device index.
  return rows;
}

/** The interfaces of compact rows, ordered by network card index, then device index. */
export function expandLayoutRows(rows: readonly CompactLayoutRow[]): NetworkInterfaceSpec[] {
  const expanded: NetworkInterfaceSpec[] = [];
  for (const { firstNetworkCardIndex, lastNetworkCardIndex, deviceIndex, interfaceType } of rows) {
    for (let card = firstNetworkCardIndex; card <= lastNetworkCardIndex; card++) {
      expanded.push({ networkCardIndex: card, deviceIndex, interfaceType });
    }
  }
  return expanded.sort(byPosition);
}

/** A row's cards: `5`, or `1–31` with an en dash. */
export function describeCardRange(row: CompactLayoutRow): string {
  return row.firstNetworkCardIndex === row.lastNetworkCardIndex
    ? String(row.firstNetworkCardIndex)
    : `${row.firstNetworkCardIndex}–${row.lastNetworkCardIndex}`;
}

/** The width of each column: its longest cell. */
export function columnWidths(header: readonly string[], rows: readonly string[][]): number[] {
  return header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
}

/** A plain text table, one string per line: left-aligned columns two spaces apart, no trailing spaces. */
export function textTable(header: readonly string[], rows: readonly string[][], widths: number[] = columnWidths(header, rows)): string[] {
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

const LAYOUT_HEADER = ['CARD', 'DEVICE', 'TYPE'];

/**
 * The layout table: compact (one row per run of cards, see `compactLayoutRows`) unless `verbose`, which prints one row
 * per interface, in the order given.
 */
export function layoutTableLines(interfaces: readonly NetworkInterfaceSpec[], verbose: boolean = false): string[] {
  const rows = verbose
    ? interfaces.map((i) => [String(i.networkCardIndex), String(i.deviceIndex), i.interfaceType])
    : compactLayoutRows(interfaces).map((r) => [describeCardRange(r), String(r.deviceIndex), r.interfaceType]);
  return textTable(LAYOUT_HEADER, rows);
}

/** `1 thing`, `2 things`. */
export function plural(n: number, singular: string, pluralForm: string = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** The figures of a layout the summary line states. */
export type LayoutSummaryFigures = Pick<EfaLayoutSummary, 'networkInterfaceCount' | 'efaCount' | 'enaCount' | 'ipv4AddressesPerNode'>
& Partial<Pick<EfaLayoutSummary, 'efaBandwidthInGbps'>>;

/**
 * A layout in one line: `33 network interfaces, 32 EFA, 1 ENA, 1 IPv4 address per node, 3200 Gbps EFA bandwidth`.
 * Without `efaBandwidthInGbps` (an instance type cdk-efa does not know), the bandwidth is left out.
 */
export function layoutSummaryText(figures: LayoutSummaryFigures): string {
  const gbps = figures.efaBandwidthInGbps === undefined ? '' : `, ${figures.efaBandwidthInGbps} Gbps EFA bandwidth`;
  return `${plural(figures.networkInterfaceCount, 'network interface')}, ${figures.efaCount} EFA, ${figures.enaCount} ENA, `
    + `${plural(figures.ipv4AddressesPerNode, 'IPv4 address', 'IPv4 addresses')} per node${gbps}`;
}
