import { App, Aspects, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  EfaBatchComputeEnvironment, EfaBatchComputeEnvironmentProps, EfaCapacity, EfaChecks, EfaInstanceTypes, EfaPlacement, EfaSecurityGroup,
  PrimaryInterface,
} from '../../src';
import { logicalIds, onlyProperties, startingWith } from '../template-helpers';

const P5 = new ec2.InstanceType('p5.48xlarge');
const RESERVATION = 'cr-0123456789abcdef0';

function setup(env?: { account: string; region: string }) {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return { app, stack, vpc };
}

function computeEnvironment(props: Partial<EfaBatchComputeEnvironmentProps> = {}, s = setup()) {
  const ce = new EfaBatchComputeEnvironment(s.stack, 'Ce', { vpc: s.vpc, instanceTypes: [P5], maxvCpus: 384, ...props });
  return { ...s, ce, template: Template.fromStack(s.stack) };
}

describe('EfaBatchComputeEnvironment', () => {
  test('creates an On-Demand EC2 compute environment with the EFA launch template, a placement group and one subnet', () => {
    const { template, ce, stack, vpc } = computeEnvironment();
    const resources = onlyProperties(template, 'AWS::Batch::ComputeEnvironment').ComputeResources;
    expect(resources).toEqual({
      Type: 'EC2',
      AllocationStrategy: 'BEST_FIT_PROGRESSIVE',
      InstanceTypes: ['p5.48xlarge'],
      MaxvCpus: 384,
      MinvCpus: 0,
      InstanceRole: { 'Fn::GetAtt': [expect.stringMatching(/^CeInstanceProfile/), 'Arn'] },
      LaunchTemplate: {
        LaunchTemplateId: { Ref: expect.stringMatching(/^CeLaunchTemplate/) },
        Version: { 'Fn::GetAtt': [expect.stringMatching(/^CeLaunchTemplate/), 'LatestVersionNumber'] },
      },
      PlacementGroup: { 'Fn::GetAtt': [expect.stringMatching(/^CePlacementGroup/), 'GroupName'] },
      // The offering check's answer: exactly one subnet.
      Subnets: [{ 'Fn::GetAtt': [expect.stringMatching(/^CeOfferingCheck/), 'SubnetId'] }],
    });
    expect(resources.SecurityGroupIds).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::PlacementGroup', { Strategy: 'cluster' });
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { SubnetIds: [stack.resolve(vpc.privateSubnets[0].subnetId)], InstanceTypes: ['p5.48xlarge'] });
    expect(ce.layout.summary.efaCount).toBe(32);
    expect(stack.resolve(ce.subnetId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CeOfferingCheck/), 'SubnetId'] });
  });

  test('the launch template has no Placement, no InstanceType, no instance profile, and the EFA group on every interface', () => {
    const { template, ce, stack } = computeEnvironment();
    const data = onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData;
    expect(data.Placement).toBeUndefined();
    expect(data.InstanceType).toBeUndefined();
    expect(data.IamInstanceProfile).toBeUndefined();
    expect(data.SecurityGroupIds).toBeUndefined();
    expect(data.NetworkInterfaces).toHaveLength(32);
    const group = stack.resolve(ce.efaSecurityGroup.securityGroupId);
    for (const iface of data.NetworkInterfaces) expect(iface.Groups).toEqual([group]);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
  });

  test.each<[string, string[], number]>([
    // Card 0 takes two interfaces: an efa primary keeps every EFA and frees device 1 for the containers' interfaces.
    ['p5.48xlarge', ['efa'], 32],
    ['hpc7a.96xlarge', ['efa'], 2],
    ['trn2.48xlarge', ['efa'], 16],
    // Card 0 has room beside AWS's recommended layout: kept.
    ['c5n.18xlarge', ['interface', 'efa-only'], 1],
    ['p4d.24xlarge', ['interface', 'efa-only'], 4],
    // Card 0 takes no EFA: the ENA primary, with room.
    ['p6-b300.48xlarge', ['interface'], 16],
  ])('lays out %s with a free slot on network card 0 where it can: %p', (type, card0, efaCount) => {
    const { ce } = computeEnvironment({ instanceTypes: [new ec2.InstanceType(type)] });
    expect(ce.layout.interfaces.filter((i) => i.networkCardIndex === 0).map((i) => i.interfaceType)).toEqual(card0);
    expect(ce.layout.summary.efaCount).toBe(efaCount);
  });

  test('takes a shared EFA security group and creates none of its own', () => {
    const s = setup();
    const shared = new EfaSecurityGroup(s.stack, 'Shared', { vpc: s.vpc });
    const { template, ce, stack } = computeEnvironment({ securityGroup: shared }, s);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    expect(stack.resolve(ce.efaSecurityGroup.securityGroupId)).toEqual(stack.resolve(shared.securityGroupId));
  });

  test('is IConnectable through the EFA security group', () => {
    const { stack, vpc } = setup();
    const ce = new EfaBatchComputeEnvironment(stack, 'Ce', { vpc, instanceTypes: [P5], maxvCpus: 384 });
    const peer = new ec2.SecurityGroup(stack, 'Peer', { vpc });
    ce.connections.allowFrom(peer, ec2.Port.tcp(22));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: stack.resolve(ce.efaSecurityGroup.securityGroupId), FromPort: 22, SourceSecurityGroupId: stack.resolve(peer.securityGroupId),
    });
  });

  test('takes several instance types with identical layouts', () => {
    const { template } = computeEnvironment({ instanceTypes: [P5, new ec2.InstanceType('p5e.48xlarge')] });
    expect(onlyProperties(template, 'AWS::Batch::ComputeEnvironment').ComputeResources.InstanceTypes).toEqual(['p5.48xlarge', 'p5e.48xlarge']);
  });

  test('an On-Demand Capacity Reservation: targeted by the launch template, no new placement group, checked for its zone', () => {
    const { template, stack, vpc } = computeEnvironment({ capacity: EfaCapacity.reservation(RESERVATION) });
    expect(onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.CapacityReservationSpecification)
      .toEqual({ CapacityReservationTarget: { CapacityReservationId: RESERVATION } });
    expect(onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.InstanceMarketOptions).toBeUndefined();
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    expect(onlyProperties(template, 'AWS::Batch::ComputeEnvironment').ComputeResources.PlacementGroup).toBeUndefined();
    // The deploy-time check chooses among the candidates the subnet in the reservation's zone.
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { CapacityReservationId: RESERVATION, SubnetIds: stack.resolve(vpc.privateSubnets.map((sn) => sn.subnetId)) });
  });

  test('an existing placement group goes on the compute environment; none() sets none', () => {
    const s = setup();
    const group = ec2.PlacementGroup.fromPlacementGroupName(s.stack, 'Existing', 'training');
    const { template } = computeEnvironment({ placement: EfaPlacement.fromPlacementGroup(group) }, s);
    expect(onlyProperties(template, 'AWS::Batch::ComputeEnvironment').ComputeResources.PlacementGroup).toBe('training');
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    const none = computeEnvironment({ placement: EfaPlacement.none() });
    expect(onlyProperties(none.template, 'AWS::Batch::ComputeEnvironment').ComputeResources.PlacementGroup).toBeUndefined();
  });

  test('without the offering check, the chosen subnet itself', () => {
    const s = setup();
    const { template, stack } = computeEnvironment({ subnet: s.vpc.privateSubnets[1], offeringCheck: false }, s);
    expect(onlyProperties(template, 'AWS::Batch::ComputeEnvironment').ComputeResources.Subnets).toEqual([stack.resolve(s.vpc.privateSubnets[1].subnetId)]);
    template.resourceCountIs('Custom::CdkEfaOfferingCheck', 0);
  });

  test('narrows the selection to an Availability Zone', () => {
    const s = setup({ account: '111111111111', region: 'us-east-1' });
    const { template, stack } = computeEnvironment({ availabilityZone: s.vpc.availabilityZones[1], offeringCheck: false }, s);
    expect(onlyProperties(template, 'AWS::Batch::ComputeEnvironment').ComputeResources.Subnets).toEqual([stack.resolve(s.vpc.privateSubnets[1].subnetId)]);
  });

  test('passes an instance role, AMIs, minvCpus and a name through to aws-batch', () => {
    const s = setup();
    const role = new iam.Role(s.stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const { template } = computeEnvironment({
      instanceRole: role,
      minvCpus: 192,
      computeEnvironmentName: 'efa-p5',
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2_NVIDIA }],
    }, s);
    const ce = onlyProperties(template, 'AWS::Batch::ComputeEnvironment');
    expect(ce.ComputeEnvironmentName).toBe('efa-p5');
    expect(ce.ComputeResources.MinvCpus).toBe(192);
    expect(ce.ComputeResources.Ec2Configuration).toEqual([{ ImageType: 'ECS_AL2_NVIDIA' }]);
    template.hasResourceProperties('AWS::IAM::InstanceProfile', { Roles: [{ Ref: Match.stringLikeRegexp('^Role') }] });
  });

  test('wraps user data in the MIME multi-part archive AWS Batch merges with its own', () => {
    const userData = ec2.UserData.forLinux();
    userData.addCommands('echo hello');
    const { template } = computeEnvironment({ userData });
    const encoded = JSON.stringify(onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.UserData['Fn::Base64']);
    expect(encoded).toMatch(/^\{"Fn::Join":\["",\["Content-Type: multipart\/mixed; boundary=/);
    expect(encoded).toContain('echo hello');
  });

  test('sizes the root volume', () => {
    const { template } = computeEnvironment({ rootVolumeSizeGiB: 500 });
    expect(onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.BlockDeviceMappings)
      .toEqual([{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 500, VolumeType: 'gp3' } }]);
  });

  test('takes capabilities for a type the table does not know', () => {
    const caps = { ...EfaInstanceTypes.lookup('p5.48xlarge'), instanceType: 'p5x.48xlarge' };
    const { ce } = computeEnvironment({ instanceTypes: [new ec2.InstanceType('p5x.48xlarge')], capabilities: caps });
    expect(ce.layout.instanceType).toBe('p5x.48xlarge');
  });

  test('passes EfaChecks with no findings', () => {
    const s = setup();
    Aspects.of(s.app).add(new EfaChecks());
    computeEnvironment({ subnet: s.vpc.privateSubnets[0] }, s);
    const annotations = Annotations.fromStack(s.stack);
    annotations.hasNoError('*', Match.stringLikeRegexp('cdk-efa:'));
    annotations.hasNoWarning('*', Match.stringLikeRegexp('cdk-efa:'));
  });

  test('loads aws-batch only when it is created', () => {
    // The L2 is aws-batch's own class, loaded through the lazy accessor.
    const { ce } = computeEnvironment();
    expect(ce.computeEnvironment).toBeInstanceOf(batch.ManagedEc2EcsComputeEnvironment);
    expect(ce.node.findChild('Resource')).toBe(ce.computeEnvironment);
  });
});

describe('EfaBatchComputeEnvironment errors', () => {
  test('fails without instance types', () => {
    expect(() => computeEnvironment({ instanceTypes: [] })).toThrow(/EfaBatchComputeEnvironment Stack\/Ce: needs instanceTypes.*cdk-efa:no-instance-type/);
  });

  test('fails for a Capacity Block, which AWS Batch cannot launch into', () => {
    expect(() => computeEnvironment({ capacity: EfaCapacity.capacityBlock(RESERVATION) }))
      .toThrow(/Capacity Block 'cr-0123456789abcdef0', but AWS Batch ignores a launch template's instance market options.*EfaCapacity\.reservation\(id\).*\[cdk-efa:batch-capacity-block\]$/);
  });

  test.each<[string, Partial<EfaBatchComputeEnvironmentProps>, RegExp]>([
    ['maxvCpus 0', { maxvCpus: 0 }, /maxvCpus 0, but/],
    ['fractional maxvCpus', { maxvCpus: 1.5 }, /maxvCpus 1\.5, but/],
    ['negative minvCpus', { minvCpus: -1 }, /minvCpus -1, but/],
    ['minvCpus above maxvCpus', { minvCpus: 400 }, /minvCpus 400 above maxvCpus 384/],
  ])('fails for %s', (_, props, message) => {
    expect(() => computeEnvironment(props)).toThrow(message);
    expect(() => computeEnvironment(props)).toThrow(/cdk-efa:invalid-vcpus/);
  });

  test('does not judge vCPUs given as tokens', () => {
    const s = setup();
    const max = new CfnParameter(s.stack, 'Max', { type: 'Number' }).valueAsNumber;
    expect(() => computeEnvironment({ maxvCpus: max, minvCpus: 0 }, s)).not.toThrow();
  });

  test('fails when instance types have different layouts, or mix p4d', () => {
    expect(() => computeEnvironment({ instanceTypes: [P5, new ec2.InstanceType('trn2.48xlarge')] }))
      .toThrow(/one launch template serves them all.*its own EfaBatchComputeEnvironment.*cdk-efa:mixed-layouts/);
    expect(() => computeEnvironment({ instanceTypes: [new ec2.InstanceType('p4d.24xlarge'), P5] })).toThrow(/cdk-efa:p4d-mixed/);
  });

  test('fails for capabilities of none of the instance types', () => {
    expect(() => computeEnvironment({ capabilities: EfaInstanceTypes.lookup('trn2.48xlarge') })).toThrow(/capabilities for trn2\.48xlarge.*cdk-efa:capabilities-mismatch/);
  });

  test('fails for a new cluster placement group with a reservation', () => {
    expect(() => computeEnvironment({ capacity: EfaCapacity.reservation(RESERVATION), placement: EfaPlacement.cluster() })).toThrow(/cdk-efa:placement-group-with-reservation/);
  });

  test('fails for a root volume of 0 GiB', () => {
    expect(() => computeEnvironment({ rootVolumeSizeGiB: 0 })).toThrow(/cdk-efa:invalid-root-volume-size/);
  });

  test('fails for subnet options that conflict, a zone ID without the check, and a public subnet', () => {
    const s = setup();
    expect(() => computeEnvironment({ subnet: s.vpc.privateSubnets[0], availabilityZone: 'us-east-1a' }, s)).toThrow(/cdk-efa:conflicting-subnet-options/);
    expect(() => computeEnvironment({ availabilityZoneId: 'use1-az4', offeringCheck: false })).toThrow(/cdk-efa:zone-id-needs-offering-check/);
    const p = setup();
    expect(() => computeEnvironment({ subnet: p.vpc.publicSubnets[0] }, p)).toThrow(/EfaBatchComputeEnvironment Stack\/Ce launches in Stack\/Vpc\/PublicSubnet1.*cdk-efa:public-subnet/);
  });

  test('fails for a public subnet even with a single-interface layout: the containers\' interfaces get no public IP', () => {
    const s = setup();
    expect(() => computeEnvironment({ instanceTypes: [new ec2.InstanceType('c5n.18xlarge')], efaCount: 1, primaryInterface: PrimaryInterface.EFA, subnet: s.vpc.publicSubnets[0] }, s))
      .toThrow(/cdk-efa:public-subnet/);
  });

  test('reports every problem of the props in one error', () => {
    expect(() => computeEnvironment({ maxvCpus: 0, capacity: EfaCapacity.capacityBlock(RESERVATION), rootVolumeSizeGiB: 0 }))
      .toThrow(/EfaBatchComputeEnvironment Stack\/Ce: 3 problems:\n.*invalid-vcpus.*\n.*batch-capacity-block.*\n.*invalid-root-volume-size/);
  });
});

describe('EfaBatchComputeEnvironment warnings', () => {
  test('warns when the layout fills network card 0', () => {
    const { stack } = computeEnvironment({ primaryInterface: PrimaryInterface.ENA });
    Annotations.fromStack(stack).hasWarning('/Stack/Ce', Match.stringLikeRegexp('fills network card 0 \\(2 interface\\(s\\)\\).*cdk-efa:batch-card-0-full'));
    const roomy = computeEnvironment();
    Annotations.fromStack(roomy.stack).hasNoWarning('/Stack/Ce', Match.stringLikeRegexp('batch-card-0-full'));
  });

  test('warns when the VPC removes the rules of its default security group, which the containers\' interfaces get', () => {
    const app = new App({ context: { '@aws-cdk/aws-ec2:restrictDefaultSecurityGroup': true } });
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    computeEnvironment({}, { app, stack, vpc });
    Annotations.fromStack(stack).hasWarning('/Stack/Ce', Match.stringLikeRegexp('The VPC Stack/Vpc removes every rule of its default security group.*cdk-efa:batch-default-security-group'));
    const open = setup();
    computeEnvironment({}, open);
    Annotations.fromStack(open.stack).hasNoWarning('/Stack/Ce', Match.stringLikeRegexp('batch-default-security-group'));
  });

  test('warns when it picks its one subnet from several', () => {
    const { stack } = computeEnvironment({ offeringCheck: false });
    Annotations.fromStack(stack).hasWarning('/Stack/Ce', Match.stringLikeRegexp('EfaBatchComputeEnvironment uses one subnet.*cdk-efa:subnet-chosen'));
  });

  test('warns when a reservation\'s zone goes unchecked', () => {
    const s = setup();
    const props = { capacity: EfaCapacity.reservation(RESERVATION), offeringCheck: false, subnet: s.vpc.privateSubnets[0] };
    const { stack } = computeEnvironment(props, s);
    Annotations.fromStack(stack).hasWarning('/Stack/Ce', Match.stringLikeRegexp('EfaBatchComputeEnvironment Stack/Ce launches into capacity reservation.*cdk-efa:reservation-zone-unchecked'));
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot): a changed ID replaces the compute environment', () => {
    const { template } = computeEnvironment();
    const ids = logicalIds(template, startingWith('Ce', 'CdkEfa'));
    expect(ids).toMatchSnapshot();
  });
});
