import * as fc from 'fast-check';
import {
  AUTO_SCALING_GROUP, BATCH_COMPUTE_ENVIRONMENT, INSTANCE, NODEGROUP, literalNumber, readConsumer, readInstance, readInterface,
  readLaunchTemplate, readSecurityGroupSelfRules, refTarget,
} from '../../src/checks/template-reader';

describe('readInterface', () => {
  test('reads literal numbers and numeric strings alike, and defaults card 0 and type interface', () => {
    expect(readInterface({ NetworkCardIndex: '1', DeviceIndex: ' 0 ', InterfaceType: 'efa-only' }))
      .toMatchObject({ networkCardIndex: 1, deviceIndex: 0, interfaceType: 'efa-only' });
    expect(readInterface({ DeviceIndex: 2 })).toMatchObject({ networkCardIndex: 0, deviceIndex: 2, interfaceType: 'interface' });
  });

  test('reads intrinsic functions as unknown, never as a number or a type', () => {
    const cond = { 'Fn::If': ['IsBig', 1, 0] };
    expect(readInterface({ NetworkCardIndex: cond, DeviceIndex: { Ref: 'Device' }, InterfaceType: { 'Fn::If': ['Efa', 'efa', 'interface'] } }))
      .toEqual({
        networkCardIndex: undefined,
        deviceIndex: undefined,
        interfaceType: undefined,
        groups: undefined,
        associatePublicIpAddress: false,
        addressFields: [],
      });
    // A whole entry that is an intrinsic: nothing is known about it.
    expect(readInterface({ 'Fn::If': ['Efa', { DeviceIndex: 1, InterfaceType: 'efa-only' }, { Ref: 'AWS::NoValue' }] }))
      .toEqual({ associatePublicIpAddress: false, addressFields: [] });
  });

  test('reads a literal that is no number as NaN, and keeps an invalid interface type as written', () => {
    expect(readInterface({ NetworkCardIndex: 'one', DeviceIndex: true, InterfaceType: 'efa_only' }))
      .toMatchObject({ networkCardIndex: NaN, deviceIndex: NaN, interfaceType: 'efa_only' });
  });

  test('reads the security groups of Groups (launch templates) and GroupSet (instances) as logical IDs', () => {
    expect(readInterface({ Groups: [{ 'Fn::GetAtt': ['Efa', 'GroupId'] }, 'sg-123'] }).groups).toEqual(['Efa', undefined]);
    expect(readInterface({ GroupSet: [{ Ref: 'Sg' }] }).groups).toEqual(['Sg']);
    expect(readInterface({ Groups: { 'Fn::Split': [',', 'a,b'] } }).groups).toEqual([undefined]);
  });

  test.each<[string, unknown]>([
    ['PrivateIpAddress', '10.0.0.5'],
    ['PrivateIpAddresses', [{ Primary: true, PrivateIpAddress: '10.0.0.5' }]],
    ['SecondaryPrivateIpAddressCount', 2],
    ['Ipv4Prefixes', [{ Ipv4Prefix: '10.0.0.16/28' }]],
    ['Ipv4PrefixCount', '1'],
    ['Ipv6Addresses', [{ Ipv6Address: '2001:db8::1' }]],
    ['Ipv6AddressCount', 1],
    ['Ipv6Prefixes', [{ Ipv6Prefix: '2001:db8::/80' }]],
    ['Ipv6PrefixCount', 1],
    ['PrimaryIpv6', true],
    ['AssociatePublicIpAddress', 'true'],
    ['AssociateCarrierIpAddress', true],
  ])('reads %s as a field that asks for an address', (field, value) => {
    expect(readInterface({ DeviceIndex: 1, InterfaceType: 'efa-only', [field]: value }).addressFields).toEqual([field]);
  });

  test('does not read fields that ask for no address, or whose value is an intrinsic, as asking', () => {
    expect(readInterface({
      DeviceIndex: 1,
      InterfaceType: 'efa-only',
      AssociatePublicIpAddress: false,
      AssociateCarrierIpAddress: 'false',
      SecondaryPrivateIpAddressCount: 0,
      Ipv6AddressCount: { Ref: 'Count' },
      Ipv6Addresses: [],
      PrivateIpAddress: { 'Fn::If': ['Ip', '10.0.0.5', { Ref: 'AWS::NoValue' }] },
    }).addressFields).toEqual([]);
  });

  test('reads any JSON value without an exception, and only numbers, NaN or undefined as indexes', () => {
    let entries = 0;
    fc.assert(fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), fc.jsonValue(), (anything, json) => {
      for (const entry of [anything, json, { NetworkCardIndex: anything, DeviceIndex: json, InterfaceType: anything, Groups: json }]) {
        const iface = readInterface(entry);
        for (const index of [iface.networkCardIndex, iface.deviceIndex]) {
          expect(index === undefined || typeof index === 'number').toBe(true);
        }
        expect(iface.interfaceType === undefined || typeof iface.interfaceType === 'string').toBe(true);
        entries++;
      }
      const data = { NetworkInterfaces: [anything, json], InstanceType: json, SecurityGroupIds: anything };
      const launch = readLaunchTemplate({ LaunchTemplateData: data });
      expect(launch.networkInterfaces).toHaveLength(2);
      readLaunchTemplate({ LaunchTemplateData: anything });
      readInstance({ NetworkInterfaces: json, PlacementGroupName: anything });
      for (const type of [NODEGROUP, AUTO_SCALING_GROUP, BATCH_COMPUTE_ENVIRONMENT, INSTANCE]) {
        readConsumer({ logicalId: 'R', type, properties: { LaunchTemplate: anything, ComputeResources: json, MixedInstancesPolicy: anything } });
      }
    }), { numRuns: 300 });
    expect(entries).toBeGreaterThanOrEqual(900);
  });
});

describe('literal values', () => {
  test.each<[unknown, number | undefined]>([
    [3, 3], ['3', 3], ['-1', -1], ['1.5', 1.5], ['1e2', 100], [undefined, undefined], [null, undefined], [{ Ref: 'P' }, undefined], ['x', NaN], [false, NaN],
  ])('literalNumber(%j) is %p', (value, expected) => {
    expect(literalNumber(value)).toBe(expected);
  });

  test('refTarget reads Ref and both forms of Fn::GetAtt, and nothing else', () => {
    expect(refTarget({ Ref: 'A' })).toBe('A');
    expect(refTarget({ 'Fn::GetAtt': ['B', 'GroupId'] })).toBe('B');
    expect(refTarget({ 'Fn::GetAtt': 'C.GroupId' })).toBe('C');
    expect(refTarget({ 'Fn::ImportValue': 'D' })).toBeUndefined();
    expect(refTarget('sg-123')).toBeUndefined();
  });
});

describe('launches and consumers', () => {
  test('reads a launch template: instance type, interfaces, launch-level security groups, placement group, name', () => {
    const launch = readLaunchTemplate({
      LaunchTemplateName: 'efa',
      LaunchTemplateData: {
        InstanceType: 'p5.48xlarge',
        SecurityGroupIds: [{ Ref: 'Sg' }],
        Placement: { GroupName: { Ref: 'Pg' } },
        NetworkInterfaces: [{ DeviceIndex: 0 }, { DeviceIndex: 1, InterfaceType: 'efa-only' }],
      },
    });
    expect(launch).toMatchObject({
      name: 'efa', instanceType: 'p5.48xlarge', securityGroupFields: ['SecurityGroupIds'], securityGroupIds: ['Sg'], placementGroup: 'Pg', networkInterfacesUnknown: false,
    });
    expect(launch.networkInterfaces.map((i) => i.interfaceType)).toEqual(['interface', 'efa-only']);
  });

  test('reads NetworkInterfaces that is an intrinsic function as unknown, and an instance type that is one as unset', () => {
    const launch = readLaunchTemplate({ LaunchTemplateData: { InstanceType: { Ref: 'Type' }, NetworkInterfaces: { 'Fn::If': ['Efa', [], []] } } });
    expect(launch).toMatchObject({ instanceType: undefined, networkInterfaces: [], networkInterfacesUnknown: true });
  });

  test.each<[string, string, Record<string, unknown>, unknown]>([
    ['an EKS node group', NODEGROUP, { LaunchTemplate: { Id: { Ref: 'Lt' } }, InstanceTypes: ['p5.48xlarge', { Ref: 'T' }], Subnets: ['s-1', 's-2'] },
      { launchTemplate: { logicalId: 'Lt' }, instanceTypes: ['p5.48xlarge'], subnets: ['s-1', 's-2'] }],
    ['an EKS node group naming its template', NODEGROUP, { LaunchTemplate: { Name: 'efa' } }, { launchTemplate: { name: 'efa' }, instanceTypes: [] }],
    ['an Auto Scaling group with overrides', AUTO_SCALING_GROUP, {
      VPCZoneIdentifier: ['s-1'],
      PlacementGroup: { Ref: 'Pg' },
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: { Ref: 'Lt' } }, Overrides: [{ InstanceType: 'p4d.24xlarge' }, { InstanceType: 'p5.48xlarge' }] } },
    }, { launchTemplate: { logicalId: 'Lt' }, instanceTypes: ['p4d.24xlarge', 'p5.48xlarge'], subnets: ['s-1'], placementGroup: 'Pg' }],
    ['a Batch compute environment', BATCH_COMPUTE_ENVIRONMENT, {
      ComputeResources: { InstanceTypes: ['p5.48xlarge'], Subnets: ['s-1'], LaunchTemplate: { LaunchTemplateName: 'efa' }, PlacementGroup: { Ref: 'Pg' } },
    }, { launchTemplate: { name: 'efa' }, instanceTypes: ['p5.48xlarge'], subnets: ['s-1'], placementGroup: 'Pg' }],
    ['an instance', INSTANCE, { InstanceType: 'p5.48xlarge', LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' } }, PlacementGroupName: { Ref: 'Pg' } },
      { launchTemplate: { logicalId: 'Lt' }, instanceTypes: ['p5.48xlarge'], placementGroup: 'Pg' }],
  ])('reads %s', (_, type, properties, expected) => {
    expect(readConsumer({ logicalId: 'R', type, properties })).toMatchObject(expected as object);
  });

  test('reads no consumer from other resource types', () => {
    expect(readConsumer({ logicalId: 'R', type: 'AWS::EC2::LaunchTemplate', properties: {} })).toBeUndefined();
  });

  test('reads an instance\'s own interfaces, which CloudFormation gives no InterfaceType, as ENAs', () => {
    const own = readInstance({ SecurityGroupIds: ['sg-1'], NetworkInterfaces: [{ DeviceIndex: '0', AssociatePublicIpAddress: true, GroupSet: ['sg-1'] }] });
    expect(own.securityGroupFields).toEqual(['SecurityGroupIds']);
    expect(own.networkInterfaces).toEqual([{ networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface', groups: [undefined], associatePublicIpAddress: true, addressFields: ['AssociatePublicIpAddress'] }]);
  });

  test('reads a security group\'s self rules, inline and standalone', () => {
    const resources = [
      { logicalId: 'Sg', type: 'AWS::EC2::SecurityGroup', properties: {} },
      { logicalId: 'In', type: 'AWS::EC2::SecurityGroupIngress', properties: { GroupId: { 'Fn::GetAtt': ['Sg', 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': ['Sg', 'GroupId'] }, IpProtocol: '-1' } },
      { logicalId: 'Out', type: 'AWS::EC2::SecurityGroupEgress', properties: { GroupId: { Ref: 'Sg' }, DestinationSecurityGroupId: { Ref: 'Other' }, IpProtocol: '-1' } },
    ];
    expect(readSecurityGroupSelfRules(resources, 'Sg')).toEqual({ selfIngress: true, selfEgress: false });
    expect(readSecurityGroupSelfRules(resources, 'Missing')).toBeUndefined();
  });
});
