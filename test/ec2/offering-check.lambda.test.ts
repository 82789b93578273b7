import {
  CapacityReservation, DescribeCapacityReservationsCommand, DescribeInstanceTypeOfferingsCommand, DescribeSubnetsCommand, EC2Client,
  EC2ServiceException, InstanceTypeOffering, _InstanceType,
} from '@aws-sdk/client-ec2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../src/ec2/offering-check.lambda';

const ec2 = mockClient(EC2Client);

const SUBNETS = [
  { SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1' },
  { SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b', AvailabilityZoneId: 'use1-az4' },
  { SubnetId: 'subnet-c', AvailabilityZone: 'us-east-1c', AvailabilityZoneId: 'use1-az6' },
];

function event(properties: Record<string, unknown>, requestType: 'Create' | 'Update' | 'Delete' = 'Create'): CloudFormationCustomResourceEvent {
  return {
    RequestType: requestType,
    ServiceToken: 'token',
    ResponseURL: 'https://example.com',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'OfferingCheck',
    ResourceType: 'Custom::CdkEfaOfferingCheck',
    PhysicalResourceId: 'subnet-old',
    ResourceProperties: { ServiceToken: 'token', ...properties },
    OldResourceProperties: {},
  } as CloudFormationCustomResourceEvent;
}

function offered(...pairs: Array<[string, string]>) {
  const offerings: InstanceTypeOffering[] = pairs.map(([type, Location]) => ({ InstanceType: type as _InstanceType, Location, LocationType: 'availability-zone-id' }));
  return { InstanceTypeOfferings: offerings };
}

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: SUBNETS });
});

describe('offering check handler', () => {
  test('returns the chosen subnet when its AZ ID offers the instance type', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az1'], ['p5.48xlarge', 'use1-az6']));
    const result = await handler(event({ SubnetIds: ['subnet-a'], InstanceTypes: ['p5.48xlarge'] }));
    expect(result).toEqual({ PhysicalResourceId: 'subnet-a', Data: { SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1' } });
    expect(ec2.commandCalls(DescribeInstanceTypeOfferingsCommand)[0].args[0].input).toMatchObject({
      LocationType: 'availability-zone-id',
      Filters: [{ Name: 'instance-type', Values: ['p5.48xlarge'] }],
    });
  });

  test('fails naming the AZ IDs that offer the type when the subnet\'s zone does not', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az6'], ['p5.48xlarge', 'use1-az4']));
    await expect(handler(event({ SubnetIds: ['subnet-a'], InstanceTypes: ['p5.48xlarge'] })))
      .rejects.toThrow(/p5\.48xlarge is not offered in the availability zone of subnet-a \(us-east-1a, use1-az1\); it is offered in availability zone IDs use1-az4, use1-az6.*cdk-efa:not-offered-in-zone/);
  });

  test('fails when no zone of the region offers the type', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered());
    await expect(handler(event({ SubnetIds: ['subnet-a'], InstanceTypes: ['p6-b300.48xlarge'] }))).rejects.toThrow(/no availability zone of this region offers it/);
  });

  test('needs every instance type offered in the zone', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az1'], ['p5e.48xlarge', 'use1-az4'], ['p5.48xlarge', 'use1-az4']));
    const result = await handler(event({ SubnetIds: ['subnet-a', 'subnet-b'], InstanceTypes: ['p5.48xlarge', 'p5e.48xlarge'] }));
    expect(result.PhysicalResourceId).toBe('subnet-b');
  });

  test('with an AZ ID, keeps the candidates in that zone, in the given order', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['trn2.48xlarge', 'use1-az1'], ['trn2.48xlarge', 'use1-az4']));
    const result = await handler(event({ SubnetIds: ['subnet-a', 'subnet-b'], InstanceTypes: ['trn2.48xlarge'], AvailabilityZoneId: 'use1-az4' }));
    expect(result.PhysicalResourceId).toBe('subnet-b');
  });

  test('the answer depends only on the inputs and the offerings: the same call gives the same subnet', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az1'], ['p5.48xlarge', 'use1-az4']));
    const props = { SubnetIds: ['subnet-b', 'subnet-a'], InstanceTypes: ['p5.48xlarge'] };
    const first = await handler(event(props));
    const second = await handler(event(props, 'Update'));
    expect(first).toEqual(second);
    expect(first.PhysicalResourceId).toBe('subnet-b');
  });

  test('fails when no candidate is in the AZ ID', async () => {
    await expect(handler(event({ SubnetIds: ['subnet-a'], InstanceTypes: ['p5.48xlarge'], AvailabilityZoneId: 'use1-az9' })))
      .rejects.toThrow(/none of the subnets subnet-a \(us-east-1a, use1-az1\) is in availability zone ID use1-az9.*cdk-efa:no-subnet-in-zone-id/);
  });

  test('fails when a property is malformed', async () => {
    await expect(handler(event({ SubnetIds: [], InstanceTypes: ['p5.48xlarge'] }))).rejects.toThrow(/SubnetIds must be a non-empty list.*cdk-efa:invalid-offering-check-properties/);
  });

  test('does nothing on delete', async () => {
    expect(await handler(event({}, 'Delete'))).toEqual({ PhysicalResourceId: 'subnet-old' });
    expect(ec2.calls()).toHaveLength(0);
  });

  test('reads every page of offerings', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand)
      .resolvesOnce({ ...offered(['p5.48xlarge', 'use1-az6']), NextToken: 'page2' })
      .resolvesOnce(offered(['p5.48xlarge', 'use1-az1']));
    const result = await handler(event({ SubnetIds: ['subnet-a'], InstanceTypes: ['p5.48xlarge'] }));
    expect(result.PhysicalResourceId).toBe('subnet-a');
    expect(ec2.commandCalls(DescribeInstanceTypeOfferingsCommand)).toHaveLength(2);
  });

  test('fails when CapacityReservationId is not a reservation ID', async () => {
    await expect(handler(event({ SubnetIds: ['subnet-a'], InstanceTypes: ['p5.48xlarge'], CapacityReservationId: 'ocr-123' })))
      .rejects.toThrow(/CapacityReservationId must be a capacity reservation ID.*"ocr-123".*cdk-efa:invalid-offering-check-properties/);
    expect(ec2.calls()).toHaveLength(0);
  });

  test('fails when AvailabilityZoneId is not a string', async () => {
    await expect(handler(event({ SubnetIds: ['subnet-a'], InstanceTypes: ['p5.48xlarge'], AvailabilityZoneId: ['use1-az1'] })))
      .rejects.toThrow(/AvailabilityZoneId must be an availability zone ID.*cdk-efa:invalid-offering-check-properties/);
  });
});

describe('offering check handler with a capacity reservation', () => {
  const RESERVATION: CapacityReservation = {
    CapacityReservationId: 'cr-0123456789abcdef0',
    AvailabilityZone: 'us-east-1b',
    AvailabilityZoneId: 'use1-az4',
    InstanceType: 'p5.48xlarge',
    State: 'active',
  };

  function reserve(reservation: Partial<CapacityReservation> = {}) {
    ec2.on(DescribeCapacityReservationsCommand).resolves({ CapacityReservations: [{ ...RESERVATION, ...reservation }] });
  }

  const props = (extra: Record<string, unknown> = {}) => ({
    SubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'], InstanceTypes: ['p5.48xlarge'], CapacityReservationId: RESERVATION.CapacityReservationId, ...extra,
  });

  test('chooses the first candidate in the reservation\'s AZ ID, not the first candidate', async () => {
    reserve();
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az1'], ['p5.48xlarge', 'use1-az4'], ['p5.48xlarge', 'use1-az6']));
    const result = await handler(event(props()));
    expect(result).toEqual({ PhysicalResourceId: 'subnet-b', Data: { SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b', AvailabilityZoneId: 'use1-az4' } });
    expect(ec2.commandCalls(DescribeCapacityReservationsCommand)[0].args[0].input).toEqual({ CapacityReservationIds: ['cr-0123456789abcdef0'] });
  });

  test('matches the zone by ID, not by name (a reservation shared from another account)', async () => {
    // In the owner's account the same physical zone may be called us-east-1a.
    reserve({ AvailabilityZone: 'us-east-1a' });
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az4']));
    expect((await handler(event(props()))).PhysicalResourceId).toBe('subnet-b');
  });

  test('verifies a single subnet in the reservation\'s zone', async () => {
    reserve();
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az4']));
    expect((await handler(event(props({ SubnetIds: ['subnet-b'] })))).PhysicalResourceId).toBe('subnet-b');
  });

  test('counts the reservation as an offering of its type in its zone (a Capacity Block type with no regular offering)', async () => {
    reserve({ InstanceType: 'p5e.48xlarge', State: 'scheduled' });
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered());
    const result = await handler(event(props({ InstanceTypes: ['p5e.48xlarge'] })));
    expect(result.PhysicalResourceId).toBe('subnet-b');
  });

  test('keeps the offering check for the node group\'s other instance types', async () => {
    reserve();
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az4'], ['p5en.48xlarge', 'use1-az6']));
    await expect(handler(event(props({ InstanceTypes: ['p5.48xlarge', 'p5en.48xlarge'] }))))
      .rejects.toThrow(/p5\.48xlarge, p5en\.48xlarge is not offered in the availability zone of subnet-b \(us-east-1b, use1-az4\).*cdk-efa:not-offered-in-zone/);
  });

  test('accepts an AvailabilityZoneId that agrees with the reservation', async () => {
    reserve();
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az4']));
    expect((await handler(event(props({ AvailabilityZoneId: 'use1-az4' })))).PhysicalResourceId).toBe('subnet-b');
  });

  test('fails naming the reservation\'s zone and the candidates\' zones when no candidate is in it', async () => {
    reserve({ AvailabilityZone: 'us-east-1d', AvailabilityZoneId: 'use1-az2' });
    await expect(handler(event(props())))
      .rejects.toThrow(/capacity reservation cr-0123456789abcdef0 is in us-east-1d \(use1-az2\), but none of the subnets subnet-a \(us-east-1a, use1-az1\), subnet-b \(us-east-1b, use1-az4\), subnet-c \(us-east-1c, use1-az6\) is in that zone.*cdk-efa:no-subnet-in-reservation-zone/);
    expect(ec2.commandCalls(DescribeInstanceTypeOfferingsCommand)).toHaveLength(0);
  });

  test('fails naming both zones when AvailabilityZoneId contradicts the reservation', async () => {
    reserve();
    await expect(handler(event(props({ AvailabilityZoneId: 'use1-az1' }))))
      .rejects.toThrow(/availabilityZoneId use1-az1 was asked for, but capacity reservation cr-0123456789abcdef0 is in us-east-1b \(use1-az4\).*Use availabilityZoneId use1-az4.*cdk-efa:reservation-zone-id-conflict/);
  });

  test('fails when the reservation is for an instance type the node group does not use', async () => {
    reserve({ InstanceType: 'p5e.48xlarge' });
    await expect(handler(event(props())))
      .rejects.toThrow(/cr-0123456789abcdef0 is for p5e\.48xlarge, but the node group's instance types are p5\.48xlarge.*cdk-efa:reservation-instance-type-mismatch/);
  });

  test('fails naming the reservation when EC2 does not know it', async () => {
    ec2.on(DescribeCapacityReservationsCommand).rejects(new EC2ServiceException({
      name: 'InvalidCapacityReservationId.NotFound', $fault: 'client', $metadata: {}, message: 'The capacity reservation ID does not exist',
    }));
    await expect(handler(event(props())))
      .rejects.toThrow(/capacity reservation cr-0123456789abcdef0 was not found in this account and region \(InvalidCapacityReservationId\.NotFound\).*cdk-efa:reservation-not-found/);
  });

  test('fails naming the reservation when EC2 returns no reservation', async () => {
    ec2.on(DescribeCapacityReservationsCommand).resolves({ CapacityReservations: [] });
    await expect(handler(event(props()))).rejects.toThrow(/capacity reservation cr-0123456789abcdef0 was not found.*cdk-efa:reservation-not-found/);
  });

  test('fails with EC2\'s own error for other failures (no permission)', async () => {
    ec2.on(DescribeCapacityReservationsCommand).rejects(new EC2ServiceException({
      name: 'UnauthorizedOperation', $fault: 'client', $metadata: {}, message: 'You are not authorized to perform this operation.',
    }));
    await expect(handler(event(props()))).rejects.toThrow(/not authorized/);
  });

  test.each(['expired', 'cancelled', 'failed'])('fails when the reservation is %s', async (state) => {
    reserve({ State: state as CapacityReservation['State'] });
    await expect(handler(event(props()))).rejects.toThrow(new RegExp(`cr-0123456789abcdef0 is ${state}, so no instance can launch into it.*cdk-efa:reservation-ended`));
  });

  test('without a reservation, does not read one and keeps the old behaviour', async () => {
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offered(['p5.48xlarge', 'use1-az1'], ['p5.48xlarge', 'use1-az4']));
    const result = await handler(event({ SubnetIds: ['subnet-a', 'subnet-b'], InstanceTypes: ['p5.48xlarge'], CapacityReservationId: '' }));
    expect(result.PhysicalResourceId).toBe('subnet-a');
    expect(ec2.commandCalls(DescribeCapacityReservationsCommand)).toHaveLength(0);
  });
});
