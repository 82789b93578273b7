import { InstanceTypeCapabilities } from '../capabilities';

/**
 * Per-family layout recommendations that AWS documents and that the capability table cannot express.
 *
 * Source: EC2 User Guide, "Maximize network bandwidth on Amazon EC2 instances with multiple network cards"
 * (efa-acc-inst-types.html); aws-parallelcluster PR #6930 for p6e-gb200.
 */
interface FamilyRecommendation {
  /**
   * The cards AWS recommends for EFA, in order of preference, when it is not simply "every EFA-capable card".
   */
  readonly efaNetworkCards?: (caps: InstanceTypeCapabilities) => number[];

  /**
   * The highest EFA count AWS recommends (p6e-gb200: 4 or 8 `efa-only`).
   */
  readonly maximumRecommendedEfaCount?: number;

  /**
   * The cards that carry an extra ENA (`interface`) at the next free device in AWS "use case 2"
   * (more IP bandwidth and addresses).
   */
  readonly maxBandwidthEnaCards?: (caps: InstanceTypeCapabilities) => number[];
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i += step) {
    out.push(i);
  }
  return out;
}

function lastCard(caps: InstanceTypeCapabilities): number {
  return caps.networkCards.length - 1;
}

const P5_USE_CASE_2: FamilyRecommendation = {
  // p5/p5e use case 2: an ENA at device 1 on cards 4, 8, …, 28 (8 IPs, 800 Gbps of IP traffic).
  maxBandwidthEnaCards: (caps) => range(4, lastCard(caps), 4),
};

const EVERY_OTHER_CARD_ENA: FamilyRecommendation = {
  // p6-b200 (cards 1–7) and p6-b300 (cards 1–16) use case 2: an ENA on every card but card 0.
  maxBandwidthEnaCards: (caps) => range(1, lastCard(caps)),
};

const RECOMMENDATIONS: Record<string, FamilyRecommendation> = {
  'p5': P5_USE_CASE_2,
  'p5e': P5_USE_CASE_2,
  'p6-b200': EVERY_OTHER_CARD_ENA,
  'p6-b300': EVERY_OTHER_CARD_ENA,
  'p6e-gb200': {
    // Odd cards take one interface, efa-only; AWS recommends 8 EFAs (every odd card) or 4 (cards 1, 5, 9, 13),
    // which the even spread over the odd cards yields.
    efaNetworkCards: (caps) => range(1, lastCard(caps), 2),
    maximumRecommendedEfaCount: 8,
  },
};

/** The family of an instance type: what comes before the first dot (`p6-b200.48xlarge` → `p6-b200`). */
export function familyOf(instanceType: string): string {
  const dot = instanceType.indexOf('.');
  return dot < 0 ? instanceType : instanceType.substring(0, dot);
}

/** The AWS recommendation for the family of `instanceType`, or an empty one. */
export function recommendationFor(instanceType: string): FamilyRecommendation {
  return RECOMMENDATIONS[familyOf(instanceType)] ?? {};
}
