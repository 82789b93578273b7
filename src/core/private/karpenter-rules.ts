import { Problem, echo } from './errors';
import { isNumberToken } from './layout-rules';
import { Token } from './tokens';

/**
 * The rules Karpenter's API server validation applies to `EC2NodeClass.spec.networkInterfaces`: the one home of them,
 * used by `EfaKarpenterLayout` (and through it by `EfaKarpenterNodePool` and the CLI's `--format karpenter`).
 *
 * Source: aws/karpenter-provider-aws `pkg/apis/v1/ec2nodeclass.go` (the `NetworkInterfaces` field and the
 * `NetworkInterface` type, added in v1.11.0 by PR #9027): the `interfaceType` enum holds `interface` and `efa-only`
 * only, and two CEL rules on the list say
 * 1. a non-empty list includes an `interface` at network card 0, device 0;
 * 2. each (networkCardIndex, deviceIndex) pair appears once, and a network card carries at most one `efa-only`.
 * These come on top of EC2's own rules (`layout-rules.ts`), which a layout from `EfaLayout` already obeys.
 */

/** The interface types Karpenter's `EC2NodeClass` accepts. */
export const KARPENTER_INTERFACE_TYPES: readonly string[] = ['interface', 'efa-only'];

/** One entry of `EC2NodeClass.spec.networkInterfaces`, as the rules read it. */
export interface KarpenterInterfaceEntry {
  readonly networkCardIndex: number;
  readonly deviceIndex: number;
  readonly interfaceType: string;
}

/** Where an entry is, for a message. */
function whereIs(entry: KarpenterInterfaceEntry, position: number): string {
  if (isNumberToken(entry.networkCardIndex) || isNumberToken(entry.deviceIndex)) {
    return `network interface ${position + 1} of the list`;
  }
  return `network card ${echo(entry.networkCardIndex)} device ${echo(entry.deviceIndex)}`;
}

/**
 * Every Karpenter rule the entries break; an empty list when Karpenter accepts them. An empty list of entries is
 * accepted (Karpenter then chooses the interfaces itself). Entries whose indexes are unresolved tokens are not
 * compared, nor is an `interfaceType` that is a token.
 *
 * IDs: `karpenter-unsupported-interface-type`, `karpenter-no-primary-interface`, `karpenter-duplicate-interface`,
 * `karpenter-multiple-efa-only-on-card`. Messages have no subject: the caller says which layout they are about.
 */
export function karpenterLayoutProblems(entries: readonly KarpenterInterfaceEntry[]): Problem[] {
  const problems: Problem[] = [];
  entries.forEach((entry, position) => {
    const type: unknown = entry.interfaceType;
    if (!(typeof type === 'string' && (KARPENTER_INTERFACE_TYPES.includes(type) || Token.isUnresolved(type)))) {
      const efa = type === 'efa'
        ? ' An \'efa\' interface (EFA with ENA) has no Karpenter equivalent: make it \'interface\' and add an \'efa-only\' on the same card where the card has room, or use an EfaNodeGroup or EfaLaunchTemplate, which take \'efa\'.'
        : ' Use \'interface\' or \'efa-only\'.';
      problems.push({
        id: 'karpenter-unsupported-interface-type',
        message: `${whereIs(entry, position)} has interfaceType ${echo(type)}, but Karpenter's EC2NodeClass accepts only 'interface' and 'efa-only'.${efa}`,
      });
    }
  });

  const resolved = entries.filter((e) => !isNumberToken(e.networkCardIndex) && !isNumberToken(e.deviceIndex));
  const primary = resolved.some((e) => e.networkCardIndex === 0 && e.deviceIndex === 0 && e.interfaceType === 'interface');
  if (entries.length > 0 && resolved.length === entries.length && !primary) {
    const at00 = resolved.find((e) => e.networkCardIndex === 0 && e.deviceIndex === 0);
    const found = at00 === undefined ? 'has no interface there' : `has ${echo(at00.interfaceType)} there`;
    problems.push({
      id: 'karpenter-no-primary-interface',
      message: `Karpenter needs an 'interface' at network card 0, device 0 (the primary), but the list ${found}; make the primary 'interface'.`,
    });
  }

  const pairs = new Map<string, number>();
  const efaOnly = new Map<number, number>();
  for (const entry of resolved) {
    const key = `${entry.networkCardIndex}/${entry.deviceIndex}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    if (entry.interfaceType === 'efa-only') {
      efaOnly.set(entry.networkCardIndex, (efaOnly.get(entry.networkCardIndex) ?? 0) + 1);
    }
  }
  for (const [key, count] of pairs) {
    if (count > 1) {
      const [card, device] = key.split('/');
      problems.push({
        id: 'karpenter-duplicate-interface',
        message: `network card ${card} device ${device} appears ${count} times, but Karpenter accepts each (networkCardIndex, deviceIndex) pair once; keep one.`,
      });
    }
  }
  for (const [card, count] of efaOnly) {
    if (count > 1) {
      problems.push({
        id: 'karpenter-multiple-efa-only-on-card',
        message: `network card ${card} has ${count} 'efa-only' interfaces, but Karpenter accepts at most one 'efa-only' per network card (as EC2 takes one EFA per card); keep one and move the others to other cards.`,
      });
    }
  }
  return problems;
}
