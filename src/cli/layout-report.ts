import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaLayout } from '../core/layout';
import { InterfaceType, NetworkInterfaceSpec } from '../core/network-interface';
import { recommendationFor } from '../core/private/aws-recommendations';
import { summarize } from '../core/private/layout-rules';

/**
 * The layouts the report compares, for every instance type.
 */
export enum ReportedLayout {
  /** cdk-efa's default: `EfaLayout.recommended(capabilities)`. */
  CDK_EFA = 'cdk-efa',
  /**
   * The layout eksctl and Karpenter's automatic path use: an `efa` interface (with an IP address) at device 0 of every
   * network card.
   */
  EVERY_CARD_EFA = 'every-card-efa',
  /** terraform-aws-eks v21: `efa` at card 0 device 0 and `efa-only` at device 0 of every other card. */
  TERRAFORM_V21 = 'terraform-aws-eks-v21',
}

/** The layouts in report order, with the titles the CLI prints: a short one for plain-text tables, and a full one. */
export const REPORTED_LAYOUTS: ReadonlyArray<{ readonly layout: ReportedLayout; readonly short: string; readonly title: string }> = [
  { layout: ReportedLayout.CDK_EFA, short: 'CDK-EFA DEFAULT', title: 'cdk-efa default' },
  { layout: ReportedLayout.EVERY_CARD_EFA, short: 'EVERY-CARD EFA', title: 'every-card efa (eksctl, Karpenter)' },
  { layout: ReportedLayout.TERRAFORM_V21, short: 'TERRAFORM V21', title: 'terraform-aws-eks v21' },
];

/** What one layout delivers on one instance type, and whether EC2 would accept it. */
export interface LayoutFigures {
  /** EFA interfaces (`efa` plus `efa-only`) the layout exposes, a count; for an invalid layout, what it would expose. */
  readonly efaInterfaces: number;
  /** EFA bandwidth in Gbps, as `EfaLayoutSummary.efaBandwidthInGbps` computes it. */
  readonly efaBandwidthInGbps: number;
  /** Private IPv4 addresses one node consumes for its interfaces, a count. */
  readonly ipv4AddressesPerNode: number;
  /** Whether the layout passes `EfaLayout.validate`, the rules EC2 enforces at launch. */
  readonly valid: boolean;
  /**
   * The first rule the layout breaks.
   *
   * @default - none: the layout is valid
   */
  readonly firstProblem?: string;
}

/** The three layouts of one instance type. */
export interface LayoutReportRow {
  /** The instance type, for example `p5.48xlarge`. */
  readonly instanceType: string;
  /** Network cards (`MaximumNetworkCards`), a count. */
  readonly networkCards: number;
  /** EFA interfaces the type supports (`MaximumEfaInterfaces`), a count. */
  readonly maximumEfaInterfaces: number;
  /**
   * The most EFA interfaces AWS recommends, where that is below `maximumEfaInterfaces` (8 of 16 on p6e-gb200).
   *
   * @default - none: AWS recommends every EFA interface the type supports
   */
  readonly recommendedEfaInterfaces?: number;
  /** Each layout's figures. */
  readonly layouts: Record<ReportedLayout, LayoutFigures>;
}

/** Totals of one layout over the reported types. */
export interface LayoutTotals {
  /** Types on which the layout is invalid. */
  readonly invalid: string[];
  /** EFA interfaces over all types (one node of each), a count. */
  readonly efaInterfaces: number;
  /** IPv4 addresses over all types (one node of each), a count. */
  readonly ipv4AddressesPerNode: number;
}

/**
 * The target check of cdk-efa's default: every type's EFA interfaces (or the count AWS recommends), one IPv4 address
 * per node, and a valid layout.
 */
export interface LayoutReportSummary {
  /** Types reported, a count. */
  readonly instanceTypes: number;
  /** Types where the default exposes every EFA interface the type supports. */
  readonly allEfaExposed: number;
  /** Types where the default exposes fewer because AWS recommends fewer, as `type: n of max`; not a shortfall. */
  readonly awsRecommendedFewer: string[];
  /** Types where the default exposes fewer EFA interfaces than the type supports for no documented reason, as `type: n of max`. */
  readonly efaShortfall: string[];
  /** Types where the default uses more than one IPv4 address per node. */
  readonly moreThanOneIp: string[];
  /** Types where the default is invalid. */
  readonly invalid: string[];
  /** Whether cdk-efa's default meets the target on every reported type. */
  readonly targetMet: boolean;
  /** Per-layout totals. */
  readonly totals: Record<ReportedLayout, LayoutTotals>;
}

/** The report: one row per instance type, and the summary. */
export interface LayoutReport {
  readonly rows: LayoutReportRow[];
  readonly summary: LayoutReportSummary;
}

/** `efa` at device 0 of every network card: eksctl's and Karpenter's automatic layout. */
export function everyCardEfaInterfaces(capabilities: InstanceTypeCapabilities): NetworkInterfaceSpec[] {
  return capabilities.networkCards.map((card) => ({ networkCardIndex: card.networkCardIndex, deviceIndex: 0, interfaceType: InterfaceType.EFA }));
}

/** terraform-aws-eks v21's layout: `efa` at card 0 device 0, `efa-only` at device 0 of every other card. */
export function terraformV21Interfaces(capabilities: InstanceTypeCapabilities): NetworkInterfaceSpec[] {
  return capabilities.networkCards.map((card) => ({
    networkCardIndex: card.networkCardIndex,
    deviceIndex: 0,
    interfaceType: card.networkCardIndex === 0 ? InterfaceType.EFA : InterfaceType.EFA_ONLY,
  }));
}

/** The figures of a layout, from the same summary `EfaLayout` gives and `EfaLayout.validate`. */
export function layoutFigures(capabilities: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[]): LayoutFigures {
  const problems = EfaLayout.validate(capabilities, interfaces);
  const summary = summarize(capabilities, interfaces);
  return {
    efaInterfaces: summary.efaCount,
    efaBandwidthInGbps: summary.efaBandwidthInGbps,
    ipv4AddressesPerNode: summary.ipv4AddressesPerNode,
    valid: problems.length === 0,
    firstProblem: problems[0],
  };
}

/** The three layouts of one instance type. */
export function reportRow(capabilities: InstanceTypeCapabilities): LayoutReportRow {
  const recommended = recommendationFor(capabilities.instanceType).maximumRecommendedEfaCount;
  return {
    instanceType: capabilities.instanceType,
    networkCards: capabilities.networkCards.length,
    maximumEfaInterfaces: capabilities.maximumEfaInterfaces,
    recommendedEfaInterfaces: recommended !== undefined && recommended < capabilities.maximumEfaInterfaces ? recommended : undefined,
    layouts: {
      [ReportedLayout.CDK_EFA]: layoutFigures(capabilities, EfaLayout.recommended(capabilities).interfaces),
      [ReportedLayout.EVERY_CARD_EFA]: layoutFigures(capabilities, everyCardEfaInterfaces(capabilities)),
      [ReportedLayout.TERRAFORM_V21]: layoutFigures(capabilities, terraformV21Interfaces(capabilities)),
    },
  };
}

function totalsOf(rows: LayoutReportRow[], layout: ReportedLayout): LayoutTotals {
  return {
    invalid: rows.filter((r) => !r.layouts[layout].valid).map((r) => r.instanceType),
    efaInterfaces: rows.reduce((sum, r) => sum + r.layouts[layout].efaInterfaces, 0),
    ipv4AddressesPerNode: rows.reduce((sum, r) => sum + r.layouts[layout].ipv4AddressesPerNode, 0),
  };
}

/** Checks cdk-efa's default against the target and totals every layout. */
export function summarizeReport(rows: LayoutReportRow[]): LayoutReportSummary {
  const defaults = rows.map((row) => ({ row, figures: row.layouts[ReportedLayout.CDK_EFA] }));
  const fewer = defaults.filter(({ row, figures }) => figures.efaInterfaces < row.maximumEfaInterfaces);
  const asRecommended = fewer.filter(({ row, figures }) => figures.efaInterfaces === row.recommendedEfaInterfaces);
  const shortfall = fewer.filter((entry) => !asRecommended.includes(entry));
  const moreThanOneIp = defaults.filter(({ figures }) => figures.ipv4AddressesPerNode > 1).map(({ row }) => row.instanceType);
  const invalid = defaults.filter(({ figures }) => !figures.valid).map(({ row }) => row.instanceType);
  const describe = ({ row, figures }: { row: LayoutReportRow; figures: LayoutFigures }) => `${row.instanceType}: ${figures.efaInterfaces} of ${row.maximumEfaInterfaces}`;
  return {
    instanceTypes: rows.length,
    allEfaExposed: rows.length - fewer.length,
    awsRecommendedFewer: asRecommended.map(describe),
    efaShortfall: shortfall.map(describe),
    moreThanOneIp,
    invalid,
    targetMet: shortfall.length === 0 && moreThanOneIp.length === 0 && invalid.length === 0,
    totals: {
      [ReportedLayout.CDK_EFA]: totalsOf(rows, ReportedLayout.CDK_EFA),
      [ReportedLayout.EVERY_CARD_EFA]: totalsOf(rows, ReportedLayout.EVERY_CARD_EFA),
      [ReportedLayout.TERRAFORM_V21]: totalsOf(rows, ReportedLayout.TERRAFORM_V21),
    },
  };
}

/**
 * The report for the given instance types, in the order given, or for every type in the capability table.
 *
 * @param instanceTypes for example `['p5.48xlarge']`; each must be EFA-capable and in the table
 * @throws if a type is unknown or does not support EFA (see `EfaInstanceTypes.lookup`)
 */
export function layoutReport(instanceTypes: string[] = EfaInstanceTypes.all()): LayoutReport {
  const rows = [...new Set(instanceTypes)].map((type) => reportRow(EfaInstanceTypes.lookup(type)));
  return { rows, summary: summarizeReport(rows) };
}
