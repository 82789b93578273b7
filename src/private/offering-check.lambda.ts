/**
 * Deploy-time pre-flight for EfaNodeGroup: picks the node group's subnet and fails fast when its Availability Zone
 * does not offer the instance types, instead of leaving the node group stuck creating.
 *
 * Properties: `SubnetIds` (candidates, in order of preference), `InstanceTypes`, and optionally `AvailabilityZoneId`.
 * Returns the first candidate, in the given order, whose AZ ID offers every instance type. The answer depends only on
 * the inputs and on EC2's offerings when the resource is created or its inputs change; CloudFormation does not call
 * the handler again otherwise, so a new AWS Availability Zone never moves (and so replaces) the node group.
 */
import {
  DescribeSubnetsCommand, EC2Client, paginateDescribeInstanceTypeOfferings, Subnet,
} from '@aws-sdk/client-ec2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** What the provider framework expects back. */
export interface OfferingCheckResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

const ec2 = new EC2Client({});

function asStrings(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) {
    throw new Error(`cdk-efa offering check: property ${name} must be a non-empty list of strings, got ${JSON.stringify(value)} [cdk-efa:invalid-offering-check-properties]`);
  }
  return value as string[];
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

function describe(subnet: Subnet): string {
  return `${subnet.SubnetId} (${subnet.AvailabilityZone}, ${subnet.AvailabilityZoneId})`;
}

export async function handler(event: CloudFormationCustomResourceEvent): Promise<OfferingCheckResponse> {
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const props = event.ResourceProperties;
  const subnetIds = asStrings(props.SubnetIds, 'SubnetIds');
  const instanceTypes = asStrings(props.InstanceTypes, 'InstanceTypes');
  const wantedZoneId: string | undefined = props.AvailabilityZoneId || undefined;
  const typeList = instanceTypes.join(', ');

  const described = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? [];
  // Keep the caller's order: it is the order of preference.
  const subnets = subnetIds
    .map((id) => described.find((s) => s.SubnetId === id))
    .filter((s): s is Subnet => s !== undefined);
  const candidates = wantedZoneId === undefined ? subnets : subnets.filter((s) => s.AvailabilityZoneId === wantedZoneId);
  if (candidates.length === 0) {
    throw new Error(`cdk-efa: none of the subnets ${subnets.map(describe).join(', ')} is in availability zone ID ${wantedZoneId}. `
      + 'Add a subnet in that zone to the VPC selection, or choose another availabilityZoneId. [cdk-efa:no-subnet-in-zone-id]');
  }

  const offered = await offerings(instanceTypes);
  const offersAll = (zoneId: string | undefined) => zoneId !== undefined && instanceTypes.every((t) => offered.get(zoneId)?.has(t));
  const chosen = candidates.find((s) => offersAll(s.AvailabilityZoneId));
  if (chosen === undefined) {
    const zones = [...offered.keys()].filter(offersAll).sort();
    const where = zones.length > 0 ? `it is offered in availability zone IDs ${zones.join(', ')}` : 'no availability zone of this region offers it';
    throw new Error(`cdk-efa: ${typeList} is not offered in the availability zone of ${candidates.map(describe).join(', ')}; ${where}. `
      + 'Choose a subnet in one of those zones (EfaNodeGroup subnet, availabilityZone or availabilityZoneId), or another instance type. [cdk-efa:not-offered-in-zone]');
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
