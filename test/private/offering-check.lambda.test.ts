import { DescribeInstanceTypeOfferingsCommand, DescribeSubnetsCommand, EC2Client, InstanceTypeOffering, _InstanceType } from '@aws-sdk/client-ec2';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../src/private/offering-check.lambda';

const ec2 = mockClient(EC2Client);

const SUBNETS = [
  { SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1' },
  { SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b', AvailabilityZoneId: 'use1-az4' },
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
});
