/**
 * Deploy-time pre-flight for EFA fleets (EfaNodeGroup, EfaKarpenterNodePool, EfaAutoScalingGroup,
 * EfaBatchComputeEnvironment): picks the fleet's subnet and fails fast, with a `[cdk-efa:<id>]` message, when the
 * fleet could not launch there, instead of leaving it stuck creating.
 *
 * Properties:
 * - `SubnetIds`: the candidates, in order of preference;
 * - `InstanceTypes`: the fleet's instance types;
 * - `AvailabilityZoneId` (optional): keep only the candidates in this AZ ID;
 * - `CapacityReservationId` (optional, `cr-…`): an On-Demand Capacity Reservation or Capacity Block. Instances use a
 *   reservation only in its own Availability Zone, so the handler reads it (DescribeCapacityReservations) and keeps
 *   only the candidates in its AZ ID. It fails when the reservation is not found or has ended, when its instance type
 *   is not one of `InstanceTypes`, when `AvailabilityZoneId` names another zone, or when no candidate is in its zone.
 *
 * Returns the first candidate, in the given order, whose AZ ID offers every instance type (a reservation counts as an
 * offering of its own type in its own zone). The answer depends only on the inputs and on EC2's offerings and
 * reservation when the resource is created or its inputs change; CloudFormation does not call the handler again
 * otherwise, so a new AWS Availability Zone never moves (and so replaces) the node group.
 */
import {
  CapacityReservation, DescribeCapacityReservationsCommand, DescribeSubnetsCommand, EC2Client,
  paginateDescribeInstanceTypeOfferings, Subnet,
} from '@aws-sdk/client-ec2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** What the provider framework expects back. */
export interface OfferingCheckResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

const ec2 = new EC2Client({});

/** Reservation states after which no instance can launch into the reservation again. */
const ENDED_STATES = ['expired', 'cancelled', 'cancelling', 'failed', 'payment-failed'];

function invalidProperty(name: string, expected: string, value: unknown): Error {
  return new Error(`cdk-efa offering check: property ${name} must be ${expected}, got ${JSON.stringify(value)} [cdk-efa:invalid-offering-check-properties]`);
}

function asStrings(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) {
    throw invalidProperty(name, 'a non-empty list of strings', value);
  }
  return value as string[];
}

/** An optional string property; absent and empty both mean "not given". */
function optionalString(value: unknown, name: string, pattern: RegExp, expected: string): string | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalidProperty(name, expected, value);
  }
  return value;
}

/** AZ ID → the instance types offered there, for the given types, across the region. */
async function offerings(instanceTypes: string[]): Promise<Map<string, Set<string>>> {
  const byZone = new Map<string, Set<string>>();
  const pages = paginateDescribeInstanceTypeOfferings({ client: ec2 }, {
    LocationType: 'availability-zone-id',
    Filters: [{ Name: 'instance-type', Values: instanceTypes }],
  });
  for await (const page of pages) {
    for (const offering of page.InstanceTypeOfferings ?? []) {
      if (offering.Location === undefined || offering.InstanceType === undefined) {
        continue;
      }
      const types = byZone.get(offering.Location) ?? new Set<string>();
      types.add(offering.InstanceType);
      byZone.set(offering.Location, types);
    }
  }
  return byZone;
}

/** The reservation, or a `reservation-not-found` error naming it. */
async function reservation(id: string): Promise<CapacityReservation> {
  const notFound = (why: string) => new Error(`cdk-efa: capacity reservation ${id} was not found in this account and region (${why}). `
    + 'Check the ID (aws ec2 describe-capacity-reservations), the region, and that a reservation from another account is shared with this one. [cdk-efa:reservation-not-found]');
  let found: CapacityReservation | undefined;
  try {
    found = (await ec2.send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [id] }))).CapacityReservations?.[0];
  } catch (e) {
    const name = (e as { name?: unknown }).name;
    if (typeof name === 'string' && name.startsWith('InvalidCapacityReservationId')) {
      throw notFound(name);
    }
    throw e;
  }
  if (found === undefined) {
    throw notFound('DescribeCapacityReservations returned nothing');
  }
  return found;
}

function describe(subnet: Subnet): string {
  return `${subnet.SubnetId} (${subnet.AvailabilityZone}, ${subnet.AvailabilityZoneId})`;
}

/** The candidates in the reservation's zone, after checking that the reservation fits the node group. */
function inReservationZone(cr: CapacityReservation, subnets: Subnet[], instanceTypes: string[], wantedZoneId: string | undefined): Subnet[] {
  const id = cr.CapacityReservationId;
  const zone = `${cr.AvailabilityZone} (${cr.AvailabilityZoneId})`;
  if (cr.State !== undefined && ENDED_STATES.includes(cr.State)) {
    throw new Error(`cdk-efa: capacity reservation ${id} is ${cr.State}, so no instance can launch into it. `
      + 'Remove capacityReservationId, or pass a reservation that is active or scheduled. [cdk-efa:reservation-ended]');
  }
  if (cr.InstanceType === undefined || !instanceTypes.includes(cr.InstanceType)) {
    throw new Error(`cdk-efa: capacity reservation ${id} is for ${cr.InstanceType}, but the node group's instance types are ${instanceTypes.join(', ')}; `
      + 'instances of other types do not use the reservation. Use the reservation\'s instance type. [cdk-efa:reservation-instance-type-mismatch]');
  }
  if (wantedZoneId !== undefined && cr.AvailabilityZoneId !== undefined && wantedZoneId !== cr.AvailabilityZoneId) {
    throw new Error(`cdk-efa: availabilityZoneId ${wantedZoneId} was asked for, but capacity reservation ${id} is in ${zone}, and instances use a reservation only in its own zone. `
      + `Use availabilityZoneId ${cr.AvailabilityZoneId}, or leave it unset. [cdk-efa:reservation-zone-id-conflict]`);
  }
  // Match on the zone ID (the same physical zone in every account, so right for shared reservations too); fall back to
  // the zone name if EC2 gave no ID.
  const fits = (s: Subnet) => (cr.AvailabilityZoneId !== undefined
    ? s.AvailabilityZoneId === cr.AvailabilityZoneId
    : s.AvailabilityZone === cr.AvailabilityZone);
  const candidates = subnets.filter(fits);
  if (candidates.length === 0) {
    throw new Error(`cdk-efa: capacity reservation ${id} is in ${zone}, but none of the subnets ${subnets.map(describe).join(', ')} is in that zone, `
      + 'and instances use a reservation only in its own zone. Pass a subnet in that zone (the subnet or vpcSubnets option), or add one to the VPC. [cdk-efa:no-subnet-in-reservation-zone]');
  }
  return candidates;
}

export async function handler(event: CloudFormationCustomResourceEvent): Promise<OfferingCheckResponse> {
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const props = event.ResourceProperties;
  const subnetIds = asStrings(props.SubnetIds, 'SubnetIds');
  const instanceTypes = asStrings(props.InstanceTypes, 'InstanceTypes');
  const wantedZoneId = optionalString(props.AvailabilityZoneId, 'AvailabilityZoneId', /^[a-z0-9-]+$/, 'an availability zone ID such as use1-az4');
  const reservationId = optionalString(props.CapacityReservationId, 'CapacityReservationId', /^cr-[0-9a-f]+$/, 'a capacity reservation ID such as cr-0123456789abcdef0');
  const typeList = instanceTypes.join(', ');

  const [subnetsResponse, cr] = await Promise.all([
    ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds })),
    reservationId === undefined ? Promise.resolve(undefined) : reservation(reservationId),
  ]);
  const described = subnetsResponse.Subnets ?? [];
  // Keep the caller's order: it is the order of preference.
  const subnets = subnetIds
    .map((id) => described.find((s) => s.SubnetId === id))
    .filter((s): s is Subnet => s !== undefined);
  const inZone = cr === undefined ? subnets : inReservationZone(cr, subnets, instanceTypes, wantedZoneId);
  const candidates = wantedZoneId === undefined ? inZone : inZone.filter((s) => s.AvailabilityZoneId === wantedZoneId);
  if (candidates.length === 0) {
    throw new Error(`cdk-efa: none of the subnets ${subnets.map(describe).join(', ')} is in availability zone ID ${wantedZoneId}. `
      + 'Add a subnet in that zone to the VPC selection, or choose another availabilityZoneId. [cdk-efa:no-subnet-in-zone-id]');
  }

  const offered = await offerings(instanceTypes);
  // A reservation proves that its type runs in its zone, even where EC2 lists no regular offering (Capacity Blocks).
  if (cr?.AvailabilityZoneId !== undefined && cr.InstanceType !== undefined) {
    const types = offered.get(cr.AvailabilityZoneId) ?? new Set<string>();
    types.add(cr.InstanceType);
    offered.set(cr.AvailabilityZoneId, types);
  }
  const offersAll = (zoneId: string | undefined) => zoneId !== undefined && instanceTypes.every((t) => offered.get(zoneId)?.has(t));
  const chosen = candidates.find((s) => offersAll(s.AvailabilityZoneId));
  if (chosen === undefined) {
    const zones = [...offered.keys()].filter(offersAll).sort();
    const where = zones.length > 0 ? `it is offered in availability zone IDs ${zones.join(', ')}` : 'no availability zone of this region offers it';
    throw new Error(`cdk-efa: ${typeList} is not offered in the availability zone of ${candidates.map(describe).join(', ')}; ${where}. `
      + 'Choose a subnet in one of those zones (the subnet, availabilityZone or availabilityZoneId option), or another instance type. [cdk-efa:not-offered-in-zone]');
  }
  return {
    PhysicalResourceId: chosen.SubnetId!,
    Data: {
      SubnetId: chosen.SubnetId!,
      AvailabilityZone: chosen.AvailabilityZone ?? '',
      AvailabilityZoneId: chosen.AvailabilityZoneId ?? '',
    },
  };
}
