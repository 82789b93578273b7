import { App, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import { cfnResourcesOf, cloudFormationKeys, l1PropertyName, templateResourceOf } from '../../../src/checks/private/l1-resources';
import { READ_PROPERTIES } from '../../../src/checks/template-reader';

describe('L1 constructs as the template reader reads them', () => {
  test('are what the synthesized template holds, for every property the rules read', () => {
    const stack = new Stack(new App(), 'Stack');
    const card = new CfnParameter(stack, 'Card', { type: 'Number', default: 1 });
    const sg = new ec2.CfnSecurityGroup(stack, 'Sg', {
      groupDescription: 'efa', vpcId: 'vpc-1', securityGroupEgress: [{ ipProtocol: '-1', cidrIp: '0.0.0.0/0' }],
    });
    new ec2.CfnSecurityGroupIngress(stack, 'In', { groupId: sg.attrGroupId, sourceSecurityGroupId: sg.attrGroupId, ipProtocol: '-1' });
    new ec2.CfnSecurityGroupEgress(stack, 'Out', { groupId: sg.attrGroupId, destinationSecurityGroupId: sg.attrGroupId, ipProtocol: '-1' });
    const pg = new ec2.CfnPlacementGroup(stack, 'Pg', { strategy: 'cluster' });
    const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', {
      launchTemplateName: 'efa',
      launchTemplateData: {
        instanceType: 'p5.48xlarge',
        securityGroupIds: [sg.attrGroupId],
        placement: { groupName: pg.ref },
        networkInterfaces: [
          { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface', groups: [sg.attrGroupId], associatePublicIpAddress: false },
          {
            networkCardIndex: card.valueAsNumber,
            deviceIndex: 0,
            interfaceType: Fn.conditionIf('Efa', 'efa-only', 'interface').toString(),
            ipv6AddressCount: 1,
            ipv4PrefixCount: 1,
            privateIpAddresses: [{ primary: true, privateIpAddress: '10.0.0.5' }],
            secondaryPrivateIpAddressCount: 2,
          },
        ],
      },
    });
    new ec2.CfnInstance(stack, 'Vm', {
      instanceType: 'c5n.18xlarge',
      securityGroupIds: ['sg-1'],
      placementGroupName: pg.ref,
      launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber },
      networkInterfaces: [{ deviceIndex: '0', groupSet: ['sg-1'], associatePublicIpAddress: true, subnetId: 'subnet-1' }],
    });
    new eks.CfnNodegroup(stack, 'Ng', {
      clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1', 'subnet-2'], instanceTypes: ['p5.48xlarge'], launchTemplate: { id: lt.ref, version: '1' },
    });
    new autoscaling.CfnAutoScalingGroup(stack, 'Asg', {
      minSize: '1',
      maxSize: '2',
      vpcZoneIdentifier: ['subnet-1'],
      placementGroup: pg.ref,
      mixedInstancesPolicy: {
        launchTemplate: { launchTemplateSpecification: { launchTemplateId: lt.ref, version: '1' }, overrides: [{ instanceType: 'p5.48xlarge' }, { instanceType: 'p5e.48xlarge' }] },
      },
    });
    new batch.CfnComputeEnvironment(stack, 'Ce', {
      type: 'MANAGED',
      computeResources: {
        type: 'EC2', maxvCpus: 192, subnets: ['subnet-1'], instanceTypes: ['p5.48xlarge'], placementGroup: pg.ref, launchTemplate: { launchTemplateName: 'efa' },
      },
    });
    new eks.CfnAddon(stack, 'Cni', { clusterName: 'c', addonName: 'vpc-cni', addonVersion: 'v1.18.3-eksbuild.1' });
    new batch.CfnJobDefinition(stack, 'Job', {
      type: 'multinode',
      nodeProperties: {
        numNodes: 2,
        mainNode: 0,
        nodeRangeProperties: [{
          targetNodes: '0:1',
          container: {
            image: 'nccl-tests',
            instanceType: 'p5.48xlarge',
            environment: [{ name: 'FI_PROVIDER', value: 'efa' }],
            linuxParameters: { devices: [{ hostPath: '/dev/infiniband/uverbs0', containerPath: '/dev/infiniband/uverbs0', permissions: ['READ', 'WRITE', 'MKNOD'] }] },
          },
        }],
      },
    });

    const synthesized = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const read = cfnResourcesOf(stack).map(templateResourceOf);
    // Every type the rules read is exercised here.
    expect(new Set(read.map((r) => r.type))).toEqual(new Set(Object.keys(READ_PROPERTIES)));
    for (const resource of read) {
      const expected = Object.fromEntries(Object.entries(synthesized[resource.logicalId].Properties)
        .filter(([name]) => READ_PROPERTIES[resource.type].includes(name)));
      expect({ [resource.logicalId]: resource.properties }).toEqual({ [resource.logicalId]: expected });
    }
  });

  test.each([
    ['LaunchTemplateData', 'launchTemplateData'],
    ['VPCZoneIdentifier', 'vpcZoneIdentifier'],
    ['IpProtocol', 'ipProtocol'],
  ])('find the typed property of %s as %s', (cfn, typed) => {
    expect(l1PropertyName(cfn)).toBe(typed);
  });

  test('keep the names of intrinsic functions', () => {
    expect(cloudFormationKeys({ groups: [{ 'Fn::GetAtt': ['Sg', 'GroupId'] }, { Ref: 'Other' }] }))
      .toEqual({ Groups: [{ 'Fn::GetAtt': ['Sg', 'GroupId'] }, { Ref: 'Other' }] });
  });
});
