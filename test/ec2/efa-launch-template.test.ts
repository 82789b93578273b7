import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  EfaInstanceTypes, EfaLaunchTemplate, EfaLaunchTemplateProps, EfaPlacement, EfaSecurityGroup, InterfaceType, LayoutProfile, PrimaryInterface,
} from '../../src';
import { logicalIds } from '../template-helpers';

function setup() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
  return { app, stack, vpc };
}

function launchTemplate(props: Partial<EfaLaunchTemplateProps> & { instanceType?: ec2.InstanceType } = {}) {
  const { stack, vpc } = setup();
  const lt = new EfaLaunchTemplate(stack, 'LaunchTemplate', { vpc, instanceType: new ec2.InstanceType('p5.48xlarge'), ...props });
  return { stack, vpc, lt, template: Template.fromStack(stack) };
}

function networkInterfaces(template: Template): Array<Record<string, any>> {
  const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
  return lt.Properties.LaunchTemplateData.NetworkInterfaces;
}

describe('EfaLaunchTemplate', () => {
  test('renders the recommended layout as NetworkInterfaces, in layout order', () => {
    const { template, lt } = launchTemplate();
    const rendered = networkInterfaces(template);
    expect(rendered).toHaveLength(33);
    expect(rendered.map((i) => [i.NetworkCardIndex, i.DeviceIndex, i.InterfaceType])).toEqual(
      lt.layout.interfaces.map((i) => [i.networkCardIndex, i.deviceIndex, i.interfaceType]));
    expect(rendered[0]).toMatchObject({ NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: 'interface', DeleteOnTermination: true });
    expect(rendered[1]).toMatchObject({ NetworkCardIndex: 0, DeviceIndex: 1, InterfaceType: 'efa-only' });
  });

  test('puts the security groups on every interface and never in SecurityGroupIds', () => {
    const { template, lt } = launchTemplate();
    const data = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0].Properties.LaunchTemplateData;
    expect(data.SecurityGroupIds).toBeUndefined();
    const sgId = Stack.of(lt).resolve(lt.efaSecurityGroup.securityGroupId);
    for (const iface of data.NetworkInterfaces) {
      expect(iface.Groups).toEqual([sgId]);
    }
  });

  test('creates an EfaSecurityGroup in the VPC when none is given', () => {
    const { template, lt } = launchTemplate();
    expect(lt.efaSecurityGroup).toBeInstanceOf(EfaSecurityGroup);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
  });

  test('additional groups go on IP interfaces; efa-only interfaces can keep only the EFA group', () => {
    const { stack, vpc } = setup();
    const efa = new EfaSecurityGroup(stack, 'Efa', { vpc });
    const ssh = new ec2.SecurityGroup(stack, 'Ssh', { vpc });
    const lt = new EfaLaunchTemplate(stack, 'LT', {
      instanceType: new ec2.InstanceType('p6-b200.48xlarge'),
      securityGroup: efa,
      additionalSecurityGroups: [ssh],
      efaOnlyInterfacesUseEfaSecurityGroupOnly: true,
    });
    const [efaId, sshId] = [efa, ssh].map((g) => stack.resolve(g.securityGroupId));
    for (const iface of networkInterfaces(Template.fromStack(stack))) {
      expect(iface.Groups).toEqual(iface.InterfaceType === 'efa-only' ? [efaId] : [efaId, sshId]);
    }
    expect(lt.connections.securityGroups).toEqual([efa, ssh]);
  });

  test('addSecurityGroup adds a group to the interfaces', () => {
    const { stack, vpc } = setup();
    const lt = new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: new ec2.InstanceType('c5n.18xlarge') });
    const extra = new ec2.SecurityGroup(stack, 'Extra', { vpc });
    lt.addSecurityGroup(extra);
    for (const iface of networkInterfaces(Template.fromStack(stack))) {
      expect(iface.Groups).toContainEqual(stack.resolve(extra.securityGroupId));
    }
  });

  test('creates a cluster placement group by default', () => {
    const { template, lt } = launchTemplate();
    template.hasResourceProperties('AWS::EC2::PlacementGroup', { Strategy: 'cluster' });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { Placement: { GroupName: Stack.of(lt).resolve(lt.placementGroup!.placementGroupName) } },
    });
  });

  test('uses an existing placement group, or none', () => {
    const { stack, vpc } = setup();
    const existing = ec2.PlacementGroup.fromPlacementGroupName(stack, 'PG', 'my-cluster');
    new EfaLaunchTemplate(stack, 'Existing', { vpc, instanceType: new ec2.InstanceType('c5n.18xlarge'), placement: EfaPlacement.fromPlacementGroup(existing) });
    new EfaLaunchTemplate(stack, 'None', { vpc, instanceType: new ec2.InstanceType('c5n.18xlarge'), placement: EfaPlacement.none() });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    const placements = Object.values(template.findResources('AWS::EC2::LaunchTemplate')).map((r) => r.Properties.LaunchTemplateData.Placement);
    expect(placements).toEqual(expect.arrayContaining([{ GroupName: 'my-cluster' }, undefined]));
  });

  test('requires IMDSv2 and encrypts the root volume by default', () => {
    const { template } = launchTemplate();
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3', VolumeSize: 100 }) }],
        InstanceType: 'p5.48xlarge',
        IamInstanceProfile: Match.absent(),
      },
    });
  });

  test('passes machine image, user data, root device and size through', () => {
    const userData = ec2.UserData.forLinux();
    userData.addCommands('echo hello');
    const { template } = launchTemplate({
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-12345' }),
      userData,
      rootDeviceName: '/dev/sda1',
      rootVolumeSizeGiB: 500,
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        ImageId: Match.anyValue(),
        UserData: { 'Fn::Base64': Match.stringLikeRegexp('echo hello') },
        BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: Match.objectLike({ VolumeSize: 500, Encrypted: true }) }],
      },
    });
  });

  test('warns about unencrypted EBS volumes the user passes', () => {
    const { stack } = launchTemplate({ blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(50) }] });
    Annotations.fromStack(stack).hasWarning('/Stack/LaunchTemplate', Match.stringLikeRegexp('/dev/xvda are not encrypted.*cdk-efa:ebs-unencrypted'));
  });

  test('layout options reach the engine', () => {
    const { lt, template } = launchTemplate({ instanceType: new ec2.InstanceType('p6-b200.48xlarge'), efaCount: 4, profile: LayoutProfile.MAX_BANDWIDTH });
    expect(lt.layout.summary).toMatchObject({ efaCount: 4, ipv4AddressesPerNode: 8 });
    expect(networkInterfaces(template)).toHaveLength(12);
  });

  test('a single-interface layout can take a public IP, on the primary only', () => {
    const { template } = launchTemplate({ instanceType: new ec2.InstanceType('c5n.18xlarge'), primaryInterface: PrimaryInterface.EFA, associatePublicIpAddress: true });
    expect(networkInterfaces(template)).toEqual([expect.objectContaining({ InterfaceType: 'efa', AssociatePublicIpAddress: true })]);
  });

  test('never sets IP or public-IP properties on efa-only interfaces', () => {
    const { template } = launchTemplate({ associatePublicIpAddress: false });
    const efaOnly = networkInterfaces(template).filter((i) => i.InterfaceType === 'efa-only');
    expect(efaOnly).toHaveLength(32);
    for (const iface of efaOnly) {
      expect(Object.keys(iface).sort()).toEqual(['DeleteOnTermination', 'DeviceIndex', 'Groups', 'InterfaceType', 'NetworkCardIndex']);
    }
    expect(networkInterfaces(template)[0].AssociatePublicIpAddress).toBe(false);
  });

  test('accepts a hand-written layout, validated', () => {
    const { lt } = launchTemplate({
      instanceType: new ec2.InstanceType('hpc7a.96xlarge'),
      networkInterfaces: [
        { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.EFA },
        { networkCardIndex: 1, deviceIndex: 0, interfaceType: InterfaceType.EFA_ONLY },
      ],
    });
    expect(lt.layout.summary.efaCount).toBe(2);
  });

  test('takes capabilities for an instance type given as a token', () => {
    const { stack, vpc } = setup();
    const param = new CfnParameter(stack, 'InstanceType', { default: 'p5.48xlarge' });
    const lt = new EfaLaunchTemplate(stack, 'LT', {
      vpc,
      instanceType: new ec2.InstanceType(param.valueAsString),
      capabilities: EfaInstanceTypes.lookup('p5.48xlarge'),
    });
    expect(lt.layout.summary.efaCount).toBe(32);
  });

  test('warns when its capabilities are unverified', () => {
    const { stack } = launchTemplate({ instanceType: new ec2.InstanceType('trn2u.48xlarge') });
    Annotations.fromStack(stack).hasWarning('/Stack/LaunchTemplate', Match.stringLikeRegexp('cdk-efa:unverified-capabilities'));
  });

  test('warns when the security group has no EFA rules made in this app', () => {
    const { stack } = setup();
    const imported = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Imported', 'sg-123');
    new EfaLaunchTemplate(stack, 'LT', { instanceType: new ec2.InstanceType('c5n.18xlarge'), securityGroup: imported });
    Annotations.fromStack(stack).hasWarning('/Stack/LT', Match.stringLikeRegexp('cdk-efa:security-group-rules-unknown'));
  });

  test('works as the launch template of an Auto Scaling group', () => {
    const { stack, vpc } = setup();
    const lt = new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: new ec2.InstanceType('hpc7a.96xlarge'), machineImage: ec2.MachineImage.latestAmazonLinux2023() });
    new autoscaling.AutoScalingGroup(stack, 'Asg', { vpc, launchTemplate: lt, minCapacity: 2 });
    Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchTemplate: { LaunchTemplateId: { Ref: Match.stringLikeRegexp('LT') }, Version: Match.anyValue() },
    });
  });

  test('passes a role through as an instance profile', () => {
    const { stack, vpc } = setup();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: new ec2.InstanceType('c5n.18xlarge'), role });
    Template.fromStack(stack).resourceCountIs('AWS::IAM::InstanceProfile', 1);
  });
});

describe('EfaLaunchTemplate capacity and instance type', () => {
  test('targets an On-Demand Capacity Reservation without a placement group by default', () => {
    const { template, lt } = launchTemplate({ capacityReservationId: 'cr-0123456789abcdef1' });
    expect(lt.placementGroup).toBeUndefined();
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        CapacityReservationSpecification: { CapacityReservationTarget: { CapacityReservationId: 'cr-0123456789abcdef1' } },
        InstanceMarketOptions: Match.absent(),
      },
    });
  });

  test('a reservation can use the group it was made in', () => {
    const { stack, vpc } = setup();
    const pg = ec2.PlacementGroup.fromPlacementGroupName(stack, 'PG', 'reserved-group');
    new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: new ec2.InstanceType('p5.48xlarge'), capacityReservationId: 'cr-0123456789abcdef1', placement: EfaPlacement.fromPlacementGroup(pg) });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { Placement: { GroupName: 'reserved-group' } } });
  });

  test('a Capacity Block sets the capacity-block market type', () => {
    const { template, lt } = launchTemplate({ capacityReservationId: 'cr-0123456789abcdef1', capacityBlock: true });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { InstanceMarketOptions: { MarketType: 'capacity-block' } } });
    expect(lt.capacityBlock).toBe(true);
    expect(lt.capacityReservationId).toBe('cr-0123456789abcdef1');
  });

  test('says what it launches into, for consumers such as EfaNodeGroup', () => {
    const { lt } = launchTemplate();
    expect(lt.capacityBlock).toBe(false);
    expect(lt.capacityReservationId).toBeUndefined();
    expect(launchTemplate({ capacityReservationId: 'cr-0123456789abcdef2' }).lt.capacityBlock).toBe(false);
  });

  test('rootDeviceName picks the volume rootVolumeSizeGiB sizes, for example Bottlerocket\'s data volume', () => {
    const { template } = launchTemplate({ rootDeviceName: '/dev/xvdb', rootVolumeSizeGiB: 200 });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { BlockDeviceMappings: [{ DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 200, Encrypted: true, VolumeType: 'gp3' } }] },
    });
  });

  test('can leave the instance type to the consumer and still compute its layout', () => {
    const { template, lt } = launchTemplate({ includeInstanceType: false });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { InstanceType: Match.absent() } });
    expect(lt.layout.summary.efaCount).toBe(32);
  });
});

describe('EfaLaunchTemplate errors', () => {
  test('fails when capacityBlock is set without a reservation', () => {
    expect(() => launchTemplate({ capacityBlock: true })).toThrow(/capacityBlock: true but no capacityReservationId.*cdk-efa:capacity-block-without-reservation/);
  });

  test('fails when capacityBlock leaves out the instance type', () => {
    expect(() => launchTemplate({ capacityBlock: true, capacityReservationId: 'cr-0123456789abcdef1', includeInstanceType: false }))
      .toThrow(/launches into a Capacity Block but leaves out its instance type.*cdk-efa:capacity-block-without-instance-type/);
  });

  test('fails when a reservation is combined with a new cluster placement group', () => {
    expect(() => launchTemplate({ capacityReservationId: 'cr-0123456789abcdef1', placement: EfaPlacement.cluster() })).toThrow(/cdk-efa:placement-group-with-reservation/);
  });

  test('fails when a public IP is asked for with more than one interface', () => {
    expect(() => launchTemplate({ associatePublicIpAddress: true })).toThrow(/asks for a public IP.*33 network interfaces.*cdk-efa:public-ip-with-multiple-interfaces/);
  });

  test('fails when neither vpc nor securityGroup is given', () => {
    const stack = new Stack(new App(), 'Stack');
    expect(() => new EfaLaunchTemplate(stack, 'LT', { instanceType: new ec2.InstanceType('p5.48xlarge') })).toThrow(/pass `vpc`.*cdk-efa:no-security-group/);
  });

  test('fails when the instance type does not support EFA', () => {
    expect(() => launchTemplate({ instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO) })).toThrow(/t3\.micro does not support EFA/);
  });

  test('fails when the instance type is a token without capabilities', () => {
    const { stack, vpc } = setup();
    const param = new CfnParameter(stack, 'InstanceType');
    expect(() => new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: new ec2.InstanceType(param.valueAsString) })).toThrow(/cdk-efa:instance-type-unresolved/);
  });

  test('fails when capabilities are for another instance type', () => {
    expect(() => launchTemplate({ capabilities: EfaInstanceTypes.lookup('p6-b200.48xlarge') })).toThrow(/instanceType p5\.48xlarge but capabilities for p6-b200\.48xlarge.*cdk-efa:capabilities-mismatch/);
  });

  test('fails when a hand-written layout is combined with layout options', () => {
    expect(() => launchTemplate({
      efaCount: 2,
      networkInterfaces: [{ networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.INTERFACE }],
    })).toThrow(/also efaCount.*cdk-efa:conflicting-layout-options/);
  });

  test.each<[string, Partial<EfaLaunchTemplateProps>, RegExp]>([
    ['httpPutResponseHopLimit is 0', { httpPutResponseHopLimit: 0 }, /httpPutResponseHopLimit 0, but EC2 takes a whole number of hops from 1 to 64.*cdk-efa:invalid-hop-limit/],
    ['httpPutResponseHopLimit is 65', { httpPutResponseHopLimit: 65 }, /httpPutResponseHopLimit 65.*cdk-efa:invalid-hop-limit/],
    ['httpPutResponseHopLimit is fractional', { httpPutResponseHopLimit: 1.5 }, /cdk-efa:invalid-hop-limit/],
    ['rootVolumeSizeGiB is 0', { rootVolumeSizeGiB: 0 }, /rootVolumeSizeGiB 0, but an EBS volume size is a whole number of GiB, 1 or more.*cdk-efa:invalid-root-volume-size/],
    ['rootVolumeSizeGiB is fractional', { rootVolumeSizeGiB: 0.5 }, /rootVolumeSizeGiB 0\.5.*cdk-efa:invalid-root-volume-size/],
    ['blockDevices come with rootVolumeSizeGiB', {
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(50, { encrypted: true }) }], rootVolumeSizeGiB: 200,
    }, /has blockDevices and also rootVolumeSizeGiB.*cdk-efa:conflicting-block-device-options/],
  ])('fails when %s', (_, props, message) => {
    expect(() => launchTemplate(props)).toThrow(message);
  });

  test('fails once, listing every problem of the props', () => {
    expect(() => launchTemplate({ capacityBlock: true, httpPutResponseHopLimit: 0, associatePublicIpAddress: true })).toThrow(new RegExp([
      '^EfaLaunchTemplate Stack/LaunchTemplate: 3 problems:',
      '  - has capacityBlock: true but no capacityReservationId.*\\[cdk-efa:capacity-block-without-reservation\\]',
      '  - has httpPutResponseHopLimit 0.*\\[cdk-efa:invalid-hop-limit\\]',
      '  - asks for a public IP on a launch with 33 network interfaces.*\\[cdk-efa:public-ip-with-multiple-interfaces\\]$',
    ].join('\\n')));
  });

  test('passes tokens for the hop limit, the volume size and the reservation through, and never prints them raw', () => {
    const { stack, vpc } = setup();
    const number = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
    new EfaLaunchTemplate(stack, 'LT', {
      vpc, instanceType: new ec2.InstanceType('c5n.18xlarge'), httpPutResponseHopLimit: number('Hops'), rootVolumeSizeGiB: number('Size'),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        MetadataOptions: Match.objectLike({ HttpPutResponseHopLimit: { Ref: 'Hops' } }),
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: { Ref: 'Size' } }) })],
      },
    });
    const reservation = new CfnParameter(stack, 'Reservation').valueAsString;
    expect(() => new EfaLaunchTemplate(stack, 'Reserved', { vpc, instanceType: new ec2.InstanceType('c5n.18xlarge'), capacityReservationId: reservation, placement: EfaPlacement.cluster() }))
      .toThrow(/^(?!.*Token\[).*targets capacity reservation an unresolved token and asks for a new cluster placement group.*cdk-efa:placement-group-with-reservation/);
  });

  test('fails when a hand-written layout breaks a rule', () => {
    expect(() => launchTemplate({
      instanceType: new ec2.InstanceType('p6-b300.48xlarge'),
      networkInterfaces: [
        { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.INTERFACE },
        { networkCardIndex: 0, deviceIndex: 1, interfaceType: InterfaceType.EFA_ONLY },
      ],
    })).toThrow(/p6-b300\.48xlarge cannot carry an EFA on network card 0.*cdk-efa:efa-on-ena-only-card/);
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot)', () => {
    const { stack, vpc } = setup();
    const efa = new EfaSecurityGroup(stack, 'EfaSecurityGroup', { vpc });
    new EfaLaunchTemplate(stack, 'P5', { instanceType: new ec2.InstanceType('p5.48xlarge'), securityGroup: efa });
    new EfaLaunchTemplate(stack, 'C5n', { vpc, instanceType: new ec2.InstanceType('c5n.18xlarge') });
    const ids = logicalIds(Template.fromStack(stack), (_, type) => !/^AWS::EC2::(VPC|Subnet|Route)/.test(type));
    expect(ids).toMatchSnapshot();
  });
});
