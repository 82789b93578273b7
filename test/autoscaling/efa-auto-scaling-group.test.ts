import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as fc from 'fast-check';
import {
  EfaAutoScalingGroup, EfaAutoScalingGroupProps, EfaCapacity, EfaInstanceTypes, EfaLayout, EfaPlacement, EfaSecurityGroup,
  LayoutProfile, PrimaryInterface,
} from '../../src';
import { logicalIds, onlyProperties, startingWith } from '../template-helpers';

const P5 = new ec2.InstanceType('p5.48xlarge');
const P5E = new ec2.InstanceType('p5e.48xlarge');
const CR = 'cr-0123456789abcdef0';

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return { app, stack, vpc };
}

function fleet(props: Partial<EfaAutoScalingGroupProps> = {}, s = setup()) {
  const asg = new EfaAutoScalingGroup(s.stack, 'Fleet', { vpc: s.vpc, instanceType: P5, ...props } as EfaAutoScalingGroupProps);
  return { ...s, asg, template: Template.fromStack(s.stack) };
}

describe('EfaAutoScalingGroup', () => {
  test('creates the launch template with the layout, a cluster placement group and an Auto Scaling group in one subnet', () => {
    const { template, asg, stack } = fleet();
    const data = onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData;
    expect(data.NetworkInterfaces.map((i: any) => [i.NetworkCardIndex, i.DeviceIndex, i.InterfaceType]))
      .toEqual(asg.layout.interfaces.map((i) => [i.networkCardIndex, i.deviceIndex, i.interfaceType]));
    expect(asg.layout.summary.efaCount).toBe(32);
    expect(data.InstanceType).toBe('p5.48xlarge');
    expect(data.SecurityGroupIds).toBeUndefined();
    expect(data.Placement).toEqual({ GroupName: { 'Fn::GetAtt': [expect.stringMatching(/^FleetLaunchTemplatePlacementGroup/), 'GroupName'] } });
    template.hasResourceProperties('AWS::EC2::PlacementGroup', { Strategy: 'cluster' });
    const group = onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(group).toEqual({
      LaunchTemplate: {
        LaunchTemplateId: { Ref: expect.stringMatching(/^FleetLaunchTemplate/) },
        // A specific version, as EC2 Auto Scaling recommends (and for Capacity Blocks, asks) rather than $Latest.
        Version: { 'Fn::GetAtt': [expect.stringMatching(/^FleetLaunchTemplate/), 'LatestVersionNumber'] },
      },
      MinSize: '2',
      MaxSize: '2',
      // Exactly one subnet: the offering check's answer.
      VPCZoneIdentifier: [{ 'Fn::GetAtt': [expect.stringMatching(/^FleetOfferingCheck/), 'SubnetId'] }],
    });
    expect(stack.resolve(asg.subnetId)).toEqual(group.VPCZoneIdentifier[0]);
    expect(stack.resolve(asg.placementGroupName)).toEqual(data.Placement.GroupName);
  });

  test('the offering check gets the candidate subnet and the instance type; VPCZoneIdentifier is its answer', () => {
    const { template, stack, vpc } = fleet({ subnet: undefined });
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', {
      SubnetIds: [stack.resolve(vpc.privateSubnets[0].subnetId)],
      InstanceTypes: ['p5.48xlarge'],
    });
    Annotations.fromStack(stack).hasWarning('/Stack/Fleet', Match.stringLikeRegexp('EfaAutoScalingGroup uses one subnet.*picked Stack/Vpc/PrivateSubnet1.*cdk-efa:subnet-chosen'));
  });

  test('without the offering check, VPCZoneIdentifier is the named subnet', () => {
    const s = setup();
    const { template, stack } = fleet({ subnet: s.vpc.privateSubnets[1], offeringCheck: false }, s);
    expect(onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup').VPCZoneIdentifier).toEqual([stack.resolve(s.vpc.privateSubnets[1].subnetId)]);
    template.resourceCountIs('Custom::CdkEfaOfferingCheck', 0);
    Annotations.fromStack(stack).hasNoWarning('/Stack/Fleet', Match.stringLikeRegexp('subnet-chosen'));
  });

  test('with an AZ ID the offering check chooses among all candidates', () => {
    const { template, stack, vpc } = fleet({ availabilityZoneId: 'use1-az4' });
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', {
      SubnetIds: vpc.privateSubnets.map((sn) => stack.resolve(sn.subnetId)),
      AvailabilityZoneId: 'use1-az4',
    });
  });

  test('the Auto Scaling group takes no security groups: the EFA group is on every interface, extra groups on IP interfaces', () => {
    const s = setup();
    const shared = new EfaSecurityGroup(s.stack, 'Shared', { vpc: s.vpc });
    const ssh = new ec2.SecurityGroup(s.stack, 'Ssh', { vpc: s.vpc });
    const { template, stack, asg } = fleet({ securityGroup: shared, additionalSecurityGroups: [ssh] }, s);
    // The shared group is used: no group of the fleet's own.
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
    const [efaSg, sshSg] = [stack.resolve(shared.securityGroupId), stack.resolve(ssh.securityGroupId)];
    for (const iface of onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.NetworkInterfaces) {
      expect(iface.Groups).toEqual(iface.InterfaceType === 'efa-only' ? [efaSg] : [efaSg, sshSg]);
    }
    expect(onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup').LaunchConfigurationName).toBeUndefined();
    expect(asg.connections.securityGroups).toEqual([shared, ssh]);
  });

  test('creates an EfaSecurityGroup when none is given', () => {
    const { template } = fleet();
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
  });

  test('several instance types with identical layouts: a mixed instances policy, the template names no type', () => {
    const { template } = fleet({ instanceType: undefined, instanceTypes: [P5, P5E], maxCapacity: 4 });
    expect(onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.InstanceType).toBeUndefined();
    const group = onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(group.LaunchTemplate).toBeUndefined();
    expect(group.MixedInstancesPolicy).toEqual({
      LaunchTemplate: {
        LaunchTemplateSpecification: {
          LaunchTemplateId: { Ref: expect.stringMatching(/^FleetLaunchTemplate/) },
          Version: { 'Fn::GetAtt': [expect.stringMatching(/^FleetLaunchTemplate/), 'LatestVersionNumber'] },
        },
        Overrides: [{ InstanceType: 'p5.48xlarge' }, { InstanceType: 'p5e.48xlarge' }],
      },
    });
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { InstanceTypes: ['p5.48xlarge', 'p5e.48xlarge'] });
  });

  test('an On-Demand Capacity Reservation: no placement group, the reservation in the template and the offering check', () => {
    const { template, asg } = fleet({ capacity: EfaCapacity.reservation(CR) });
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    expect(asg.placementGroupName).toBeUndefined();
    const data = onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData;
    expect(data.CapacityReservationSpecification).toEqual({ CapacityReservationTarget: { CapacityReservationId: CR } });
    expect(data.InstanceMarketOptions).toBeUndefined();
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { CapacityReservationId: CR });
    expect(onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup').MinSize).toBe('2');
  });

  test('a reservation with its own placement group', () => {
    const s = setup();
    const group = ec2.PlacementGroup.fromPlacementGroupName(s.stack, 'Pg', 'reserved-pg');
    const { template } = fleet({ capacity: EfaCapacity.reservation(CR), placement: EfaPlacement.fromPlacementGroup(group) }, s);
    expect(onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.Placement).toEqual({ GroupName: 'reserved-pg' });
  });

  test('warns when a reservation is given and offeringCheck is false', () => {
    const s = setup();
    const { stack } = fleet({ capacity: EfaCapacity.reservation(CR), offeringCheck: false, subnet: s.vpc.privateSubnets[0] }, s);
    Annotations.fromStack(stack).hasWarning('/Stack/Fleet', Match.stringLikeRegexp('EfaAutoScalingGroup Stack/Fleet launches into capacity reservation.*cdk-efa:reservation-zone-unchecked'));
  });

  test('defaults to Amazon Linux 2023 for the architecture, and takes your AMI, user data, role and root volume', () => {
    const hpc7g = fleet({ instanceType: new ec2.InstanceType('hpc7g.16xlarge') });
    expect(Object.values(hpc7g.template.toJSON().Parameters).map((p: any) => p.Default))
      .toContain('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64');

    const s = setup();
    const role = new iam.Role(s.stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const userData = ec2.UserData.forLinux();
    userData.addCommands('echo hello');
    const { template, asg } = fleet({
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' }),
      userData,
      role,
      rootVolumeSizeGiB: 500,
    }, s);
    expect(asg.role).toBe(role);
    template.resourceCountIs('AWS::IAM::Role', 3); // yours, and the offering check's two
    const data = onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData;
    expect(data.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 500, VolumeType: 'gp3' } }]);
    expect(JSON.stringify(data.UserData)).toContain('echo hello');
    expect(data.IamInstanceProfile).toBeDefined();
  });

  test('creates a role without policies when none is given, in an instance profile', () => {
    const { template, asg, stack } = fleet({ offeringCheck: false, subnet: undefined });
    const role = onlyProperties(template, 'AWS::IAM::Role');
    expect(role.ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::InstanceProfile', { Roles: [stack.resolve((asg.role as iam.Role).roleName)] });
  });

  test('passes desired capacity, the group name and notifications through', () => {
    const s = setup();
    const topic = new sns.Topic(s.stack, 'Topic');
    const { template, stack } = fleet({ minCapacity: 2, desiredCapacity: 3, maxCapacity: 8, autoScalingGroupName: 'slurm-p5', notifications: [{ topic }] }, s);
    expect(onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup')).toMatchObject({
      MinSize: '2',
      DesiredCapacity: '3',
      MaxSize: '8',
      AutoScalingGroupName: 'slurm-p5',
      NotificationConfigurations: [{ TopicARN: stack.resolve(topic.topicArn) }],
    });
  });

  test('a CfnParameter desiredCapacity is also the default maxCapacity', () => {
    const s = setup();
    const desired = new CfnParameter(s.stack, 'Desired', { type: 'Number' }).valueAsNumber;
    const { template } = fleet({ desiredCapacity: desired }, s);
    expect(onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup')).toMatchObject({ DesiredCapacity: { Ref: 'Desired' }, MaxSize: { Ref: 'Desired' } });
  });

  test('warns when fewer than 2 instances can run', () => {
    const { stack } = fleet({ minCapacity: 1, maxCapacity: 1 });
    Annotations.fromStack(stack).hasWarning('/Stack/Fleet', Match.stringLikeRegexp('at most 1 instance.*cdk-efa:fewer-than-two-nodes'));
  });

  test('is connectable through its launch template', () => {
    const { asg } = fleet();
    expect(asg.connections.securityGroups).toEqual([asg.launchTemplate.efaSecurityGroup]);
  });

  test('takes the layout options', () => {
    const { asg } = fleet({ efaCount: 8, primaryInterface: PrimaryInterface.EFA, profile: LayoutProfile.MAX_BANDWIDTH });
    expect(asg.layout.summary.efaCount).toBe(8);
    expect(asg.layout.interfaces[0].interfaceType).toBe('efa');
  });
});

describe('EfaAutoScalingGroup with a Capacity Block', () => {
  const block = EfaCapacity.capacityBlock(CR);

  test('the template has the market type, the reservation and the instance type; the group starts empty, no placement group', () => {
    const { template } = fleet({ capacity: block, maxCapacity: 4 });
    const data = onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData;
    expect(data).toMatchObject({
      InstanceMarketOptions: { MarketType: 'capacity-block' },
      CapacityReservationSpecification: { CapacityReservationTarget: { CapacityReservationId: CR } },
      InstanceType: 'p5.48xlarge',
    });
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    const group = onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(group).toMatchObject({ MinSize: '0', MaxSize: '4' });
    expect(group.DesiredCapacity).toBeUndefined();
    template.resourceCountIs('AWS::AutoScaling::ScheduledAction', 0);
  });

  test('schedules a one-time scale-out at the start and a scale-in an hour before the end', () => {
    const { template, stack } = fleet({
      capacity: block,
      maxCapacity: 4,
      capacityBlockStartTime: new Date('2026-08-05T11:30:00Z'),
      capacityBlockEndTime: new Date('2026-08-06T11:30:00Z'),
    });
    const groupRef = { Ref: expect.stringMatching(/^FleetAutoScalingGroupASG/) };
    const actions = Object.entries(template.findResources('AWS::AutoScaling::ScheduledAction'))
      .map(([id, r]) => [id.replace(/[0-9A-F]{8}$/, ''), r.Properties]);
    expect(Object.fromEntries(actions)).toEqual({
      FleetCapacityBlockScaleOut: { AutoScalingGroupName: groupRef, StartTime: '2026-08-05T11:30:00Z', DesiredCapacity: 4 },
      // EC2 begins terminating 30 minutes before the end; the scale-in comes 30 minutes before that.
      FleetCapacityBlockScaleIn: { AutoScalingGroupName: groupRef, StartTime: '2026-08-06T10:30:00Z', MinSize: 0, DesiredCapacity: 0 },
    });
    Annotations.fromStack(stack).hasNoWarning('/Stack/Fleet', Match.stringLikeRegexp('capacity-block-desired-size'));
  });

  test('warns when the group would launch before the block starts: a minimum or desired capacity above 0', () => {
    for (const sizes of [{ desiredCapacity: 2 }, { minCapacity: 2 }]) {
      const { stack } = fleet({ capacity: block, maxCapacity: 4, ...sizes });
      Annotations.fromStack(stack).hasWarning('/Stack/Fleet', Match.stringLikeRegexp('Capacity Block .cr-0123456789abcdef0.*only within its window.*cdk-efa:capacity-block-desired-size'));
    }
  });

  test('fails without maxCapacity, the block\'s instance count', () => {
    expect(() => fleet({ capacity: block })).toThrow(/Stack\/Fleet: launches into Capacity Block 'cr-0123456789abcdef0' but has no maxCapacity.*cdk-efa:capacity-block-needs-max-capacity/);
  });

  test('fails with several instance types: EC2 Auto Scaling has no mixed instances groups with Capacity Blocks', () => {
    expect(() => fleet({ capacity: block, maxCapacity: 2, instanceType: undefined, instanceTypes: [P5, P5E] }))
      .toThrow(/several instance types.*no mixed instances groups with Capacity Blocks.*cdk-efa:capacity-block-without-instance-type/);
  });

  test('fails with a new cluster placement group', () => {
    expect(() => fleet({ capacity: block, maxCapacity: 2, placement: EfaPlacement.cluster() })).toThrow(/cdk-efa:placement-group-with-reservation/);
  });

  test.each<[string, Partial<EfaAutoScalingGroupProps>, RegExp]>([
    ['the times come without a Capacity Block', { capacityBlockStartTime: new Date('2026-08-05T11:30:00Z') }, /schedule scaling for a Capacity Block, but its capacity is on-demand/],
    ['the times come with a reservation', { capacity: EfaCapacity.reservation(CR), capacityBlockEndTime: new Date('2026-08-05T11:30:00Z') }, /its capacity is reservation/],
    ['the scale-in would not follow the start', {
      capacity: block, maxCapacity: 2, capacityBlockStartTime: new Date('2026-08-05T11:30:00Z'), capacityBlockEndTime: new Date('2026-08-05T12:00:00Z'),
    }, /scale-in runs 60 minutes before the end, which is not after the start/],
    ['a time is not a date', { capacity: block, maxCapacity: 2, capacityBlockStartTime: new Date('tomorrow') }, /capacityBlockStartTime Invalid Date, which is not a valid date/],
    ['a time is a string', { capacity: block, maxCapacity: 2, capacityBlockEndTime: '2026-08-05T11:30:00Z' as unknown as Date }, /capacityBlockEndTime '2026-08-05T11:30:00Z', which is not a valid date/],
  ])('fails when %s', (_, props, message) => {
    expect(() => fleet(props)).toThrow(message);
    expect(() => fleet(props)).toThrow(/cdk-efa:invalid-capacity-block-schedule/);
  });
});

describe('EfaAutoScalingGroup errors', () => {
  test.each<[string, Partial<EfaAutoScalingGroupProps>, RegExp]>([
    ['no instance type is given', { instanceType: undefined }, /needs instanceType.*cdk-efa:no-instance-type/],
    ['instanceType and instanceTypes are both given', { instanceTypes: [P5E] }, /has instanceType and also instanceTypes.*cdk-efa:conflicting-instance-type-options/],
    ['minCapacity is negative', { minCapacity: -1 }, /minCapacity is -1; give a whole number.*cdk-efa:invalid-scaling/],
    ['maxCapacity is fractional', { maxCapacity: 2.5 }, /maxCapacity is 2.5.*cdk-efa:invalid-scaling/],
    ['minCapacity exceeds maxCapacity', { minCapacity: 4, maxCapacity: 2 }, /minCapacity 4, desiredCapacity missing and maxCapacity 2 must satisfy.*cdk-efa:invalid-scaling/],
    ['desiredCapacity exceeds maxCapacity', { desiredCapacity: 5, maxCapacity: 4 }, /cdk-efa:invalid-scaling/],
    ['the root volume is under 1 GiB', { rootVolumeSizeGiB: 0 }, /cdk-efa:invalid-root-volume-size/],
    ['p4d is mixed with another type', { instanceType: undefined, instanceTypes: [new ec2.InstanceType('p4d.24xlarge'), P5] }, /cdk-efa:p4d-mixed/],
    ['Arm and x86 types are mixed', {
      instanceType: undefined, instanceTypes: [new ec2.InstanceType('c5n.18xlarge'), new ec2.InstanceType('c7gn.16xlarge')],
    }, /mixes instance types of different CPU architectures, x86_64 \(c5n.18xlarge\) and arm64 \(c7gn.16xlarge\).*cdk-efa:mixed-architectures/],
    ['the capabilities are for another type', { capabilities: EfaInstanceTypes.lookup('p5e.48xlarge') }, /has instanceType p5.48xlarge but capabilities for p5e.48xlarge.*cdk-efa:capabilities-mismatch/],
    ['the capabilities are for none of several types', {
      instanceType: undefined, instanceTypes: [P5, P5E], capabilities: EfaInstanceTypes.lookup('p5en.48xlarge'),
    }, /capabilities for p5en.48xlarge, which is none of its instance types.*cdk-efa:capabilities-mismatch/],
    ['an AZ ID is asked for without the offering check', { availabilityZoneId: 'use1-az4', offeringCheck: false }, /cdk-efa:zone-id-needs-offering-check/],
  ])('fails when %s', (_, props, message) => {
    expect(() => fleet(props)).toThrow(message);
  });

  test('fails when the instance types\' layouts differ', () => {
    expect(() => fleet({ instanceType: undefined, instanceTypes: [P5, new ec2.InstanceType('p5en.48xlarge')] }))
      .toThrow(/EfaAutoScalingGroup Stack\/Fleet mixes instance types whose EFA layouts differ.*its own EfaAutoScalingGroup.*cdk-efa:mixed-layouts/);
  });

  test('fails when a subnet is combined with subnet selection options', () => {
    const s = setup();
    expect(() => fleet({ subnet: s.vpc.privateSubnets[0], availabilityZone: 'us-east-1a' }, s)).toThrow(/cdk-efa:conflicting-subnet-options/);
  });

  test('fails when the subnet is one of the VPC\'s public subnets', () => {
    const s = setup();
    expect(() => fleet({ subnet: s.vpc.publicSubnets[0] }, s)).toThrow(/EfaAutoScalingGroup Stack\/Fleet launches in Stack\/Vpc\/PublicSubnet1.*cdk-efa:public-subnet/);
  });

  test('fails once, listing every problem of the props', () => {
    expect(() => fleet({ instanceTypes: [P5E], minCapacity: -1, rootVolumeSizeGiB: 0, capacityBlockStartTime: new Date('2026-08-05T11:30:00Z') }))
      .toThrow(/EfaAutoScalingGroup Stack\/Fleet: 4 problems:\n {2}- .*conflicting-instance-type-options.*\n {2}- .*invalid-scaling.*\n {2}- .*invalid-root-volume-size.*\n {2}- .*invalid-capacity-block-schedule/);
  });
});

describe('EfaAutoScalingGroup mixed instance types (property)', () => {
  test('accepts two types exactly when they share one architecture and one layout, and p4d/p4de stay alone', () => {
    const types = EfaInstanceTypes.all();
    const render = (t: string) => JSON.stringify(EfaLayout.forInstanceType(t).interfaces);
    const pair = (a: string, b: string) =>
      fleet({ instanceType: undefined, instanceTypes: [new ec2.InstanceType(a), new ec2.InstanceType(b)], offeringCheck: false });
    let accepted = 0;
    let refused = 0;
    fc.assert(fc.property(fc.uniqueArray(fc.constantFrom(...types), { minLength: 2, maxLength: 2 }), ([a, b]) => {
      const [ca, cb] = [EfaInstanceTypes.lookup(a), EfaInstanceTypes.lookup(b)];
      const p4 = [a, b].filter((t) => /^p4de?\./.test(t)).length === 1;
      const compatible = !p4 && ca.architecture === cb.architecture && render(a) === render(b);
      const build = () => pair(a, b);
      if (compatible) {
        accepted++;
        const overrides = onlyProperties(build().template, 'AWS::AutoScaling::AutoScalingGroup').MixedInstancesPolicy.LaunchTemplate.Overrides;
        expect(overrides).toEqual([{ InstanceType: a }, { InstanceType: b }]);
      } else {
        refused++;
        expect(build).toThrow(/cdk-efa:(p4d-mixed|mixed-architectures|mixed-layouts)/);
      }
    }), { numRuns: 60 });
    // Pairs drawn from the whole table mostly differ in layout: known compatible pairs make sure both outcomes are
    // reached.
    for (const [a, b] of [['p5.48xlarge', 'p5e.48xlarge'], ['c5n.18xlarge', 'g5.8xlarge'], ['hpc7g.16xlarge', 'c7gn.16xlarge']]) {
      expect(EfaInstanceTypes.lookup(a).architecture).toBe(EfaInstanceTypes.lookup(b).architecture);
      expect(render(a)).toBe(render(b));
      accepted++;
      expect(() => pair(a, b)).not.toThrow();
    }
    expect(refused).toBeGreaterThan(20);
    expect(accepted).toBeGreaterThanOrEqual(3);
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot): a changed ID replaces the group', () => {
    const { template } = fleet({
      capacity: EfaCapacity.capacityBlock(CR),
      maxCapacity: 2,
      capacityBlockStartTime: new Date('2026-08-05T11:30:00Z'),
      capacityBlockEndTime: new Date('2026-08-06T11:30:00Z'),
    });
    const plain = fleet();
    const ids = [template, plain.template].flatMap((t) => logicalIds(t, startingWith('Fleet', 'CdkEfa'))).sort();
    expect([...new Set(ids)]).toMatchSnapshot();
  });
});
