import { familyOf } from './aws-recommendations';
import { Problem, echo } from './errors';
import type { EfaLayout } from '../layout';
import { Token } from './tokens';

/**
 * Rules about a fleet as a whole (the instance types of one node group or EC2 Fleet, the interfaces of one launch),
 * shared by the constructs (which throw) and EfaChecks (which reports on L1 resources). Each returns the problem
 * without a subject prefix: the caller says which construct or resource it is about.
 */

/** The instance families that cannot exchange EFA traffic with any other instance type. */
const P4_FAMILIES: readonly string[] = ['p4d', 'p4de'];

/**
 * `p4d-mixed`: p4d and p4de instances cannot exchange EFA traffic with other instance types, so a node group or fleet
 * that mixes them with others cannot form one EFA fabric. Names that are unresolved tokens are skipped, and repeated
 * names are reported once.
 *
 * @returns the problem, or undefined when the types do not mix p4d/p4de with other types.
 */
export function mixedP4Problem(instanceTypes: string[]): Problem | undefined {
  const names = [...new Set(instanceTypes.filter((t) => !Token.isUnresolved(t)))];
  const p4 = names.filter((n) => P4_FAMILIES.includes(familyOf(n)));
  const others = names.filter((n) => !P4_FAMILIES.includes(familyOf(n)));
  if (p4.length === 0 || others.length === 0) {
    return undefined;
  }
  return {
    id: 'p4d-mixed',
    message: `mixes ${p4.join(', ')} with ${others.join(', ')}, but p4d and p4de instances cannot exchange EFA traffic with other instance types; put them in a node group or fleet of their own.`,
  };
}

/**
 * `public-ip-with-multiple-interfaces`: EC2 assigns a public IPv4 address only when a launch has a single network
 * interface.
 *
 * @param networkInterfaceCount how many network interfaces the launch attaches.
 * @param associatePublicIpAddress whether a public IP is asked for.
 * @returns the problem, or undefined when no public IP is asked for or the launch has at most one interface.
 */
export function publicIpProblem(networkInterfaceCount: number, associatePublicIpAddress: boolean): Problem | undefined {
  if (!associatePublicIpAddress || networkInterfaceCount <= 1) {
    return undefined;
  }
  return {
    id: 'public-ip-with-multiple-interfaces',
    message: `asks for a public IP on a launch with ${networkInterfaceCount} network interfaces, but EC2 cannot assign a public IP when a launch has more than one network interface; launch into a private subnet (reach the internet through a NAT gateway, and the instances through a bastion or SSM), or use a single network interface.`,
  };
}

/**
 * `mixed-layouts`: instance types whose EFA layouts differ cannot share one interface list (one launch template of a
 * node group, one `EC2NodeClass` of a Karpenter node pool).
 *
 * @param layouts the layout of each instance type, the first being the one the others are compared with.
 * @param servedBy what carries the one interface list, for example `one launch template`.
 * @param splitInto where each layout should go instead, for example `its own node group`.
 * @returns the problem, listing what each type lacks and adds, or undefined when all layouts are the same.
 */
export function mixedLayoutsProblem(layouts: EfaLayout[], servedBy: string, splitInto: string): Problem | undefined {
  if (layouts.length < 2) {
    return undefined;
  }
  const render = (l: EfaLayout) => l.interfaces.map((i) => `${i.networkCardIndex}/${i.deviceIndex} ${i.interfaceType}`);
  const [first, ...others] = layouts;
  const reference = render(first);
  const differences = others.flatMap((layout) => {
    const other = render(layout);
    const missing = reference.filter((i) => !other.includes(i));
    const extra = other.filter((i) => !reference.includes(i));
    return missing.length + extra.length === 0 ? [] : [`${layout.instanceType} lacks [${missing.join(', ')}] and adds [${extra.join(', ')}] compared with ${first.instanceType}`];
  });
  if (differences.length === 0) {
    return undefined;
  }
  return {
    id: 'mixed-layouts',
    message: `mixes instance types whose EFA layouts differ, but ${servedBy} serves them all: ${differences.join('; ')}. Put each layout in ${splitInto}.`,
  };
}

const RESERVATION_ID = /^cr-[0-9a-f]{17}$/;

/** `invalid-capacity-reservation-id`: a reservation ID that is not `cr-` and 17 hexadecimal digits (tokens pass). */
export function reservationIdProblem(id: unknown): Problem | undefined {
  if (id === undefined || (typeof id === 'string' && (Token.isUnresolved(id) || RESERVATION_ID.test(id)))) {
    return undefined;
  }
  return {
    id: 'invalid-capacity-reservation-id',
    message: `the capacity reservation ID ${echo(id)} is not a reservation ID; EC2 reservation IDs are 'cr-' followed by 17 hexadecimal digits (for example cr-0123456789abcdef0), as \`aws ec2 describe-capacity-reservations\` lists them.`,
  };
}
