import { App, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { v2Cluster } from './clusters';
import {
  EfaCapacity, EfaCluster, EfaInstanceTypes, EfaKubernetesPlugin, EfaLaunchTemplate, EfaNodeGroup, EfaNodeGroupOptions, EfaPlacement,
  EfaSecurityGroup, LayoutProfile, PrimaryInterface,
} from '../../src';
import { logicalIds, startingWith } from '../template-helpers';

const P5 = new ec2.InstanceType('p5.48xlarge');

function nodeGroup(options: Partial<EfaNodeGroupOptions> = {}, setup = v2Cluster()) {
  const ng = new EfaNodeGroup(setup.stack, 'P5', { cluster: setup.efaCluster, instanceTypes: [P5], ...options });
  return { ...setup, ng, template: Template.fromStack(setup.stack) };
}

function launchTemplateData(template: Template): Record<string, any> {
  const lts = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
  expect(lts).toHaveLength(1);
  return lts[0].Properties.LaunchTemplateData;
}

describe('EfaNodeGroup', () => {
  test('creates the security group, placement group, launch template and node group', () => {
    const { template, ng, stack } = nodeGroup();
    template.resourceCountIs('AWS::EKS::Nodegroup', 1);
    template.hasResourceProperties('AWS::EC2::PlacementGroup', { Strategy: 'cluster' });
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      AmiType: 'AL2023_x86_64_NVIDIA',
      CapacityType: 'ON_DEMAND',
      ScalingConfig: { MinSize: 2, DesiredSize: 2, MaxSize: 2 },
      LaunchTemplate: { Id: { Ref: Match.stringLikeRegexp('P5LaunchTemplate') } },
      Labels: { 'cdk-efa.io/efa-supported': 'true', 'cdk-efa.io/efa-count': '32' },
      InstanceTypes: Match.absent(),
      DiskSize: Match.absent(),
      Subnets: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('P5OfferingCheck'), 'SubnetId'] }],
    });
    expect(ng.layout.summary.efaCount).toBe(32);
    expect(stack.resolve(ng.placementGroupName)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^P5LaunchTemplatePlacementGroup/), 'GroupName'] });
  });

  test('the launch template obeys the EKS rules: no SubnetId, no instance profile, groups per interface', () => {
    const { template, cluster, stack, efaCluster } = nodeGroup();
    const data = launchTemplateData(template);
    expect(data.IamInstanceProfile).toBeUndefined();
    expect(data.SecurityGroupIds).toBeUndefined();
    expect(data.InstanceType).toBe('p5.48xlarge');
    const clusterSg = stack.resolve(cluster.clusterSecurityGroupId);
    const efaSg = stack.resolve(efaCluster.sharedEfaSecurityGroup().securityGroupId);
    for (const iface of data.NetworkInterfaces) {
      expect(iface.SubnetId).toBeUndefined();
      // efa-only interfaces carry no IP traffic: the EFA group alone; IP interfaces also get the cluster group.
      expect(iface.Groups).toEqual(iface.InterfaceType === 'efa-only' ? [efaSg] : [efaSg, clusterSg]);
    }
  });

  test.each<[string, string]>([
    ['p5.48xlarge', 'AL2023_x86_64_NVIDIA'],
    ['p6e-gb200.36xlarge', 'AL2023_ARM_64_NVIDIA'],
    ['trn2.48xlarge', 'AL2023_x86_64_NEURON'],
    ['inf1.24xlarge', 'AL2023_x86_64_NEURON'],
    ['hpc7a.96xlarge', 'AL2023_x86_64_STANDARD'],
    ['hpc7g.16xlarge', 'AL2023_ARM_64_STANDARD'],
  ])('chooses the AMI type of %s: %s', (type, amiType) => {
    const { template } = nodeGroup({ instanceTypes: [new ec2.InstanceType(type)] });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: amiType });
  });

  test('the AMI type can be overridden, including with Bottlerocket', () => {
    const { template } = nodeGroup({ amiType: eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64_NVIDIA });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: 'BOTTLEROCKET_x86_64_NVIDIA' });
  });

  test('uses one subnet, picks the first of the selection deterministically and warns', () => {
    const { template, vpc, stack } = nodeGroup({ offeringCheck: false });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { Subnets: [stack.resolve(vpc.privateSubnets[0].subnetId)] });
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp('picked Stack/Vpc/PrivateSubnet1.*first of 2.*cdk-efa:subnet-chosen'));
  });

  test('takes a named subnet without warning', () => {
    const setup = v2Cluster();
    const { template, stack } = nodeGroup({ subnet: setup.vpc.privateSubnets[1], offeringCheck: false }, setup);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { Subnets: [stack.resolve(setup.vpc.privateSubnets[1].subnetId)] });
    Annotations.fromStack(stack).hasNoWarning('/Stack/P5', Match.stringLikeRegexp('subnet-chosen'));
  });

  test('narrows the selection to an Availability Zone', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
    const cluster = eksv2.Cluster.fromClusterAttributes(stack, 'Imported', { clusterName: 'c', vpc, clusterSecurityGroupId: 'sg-1' });
    new EfaNodeGroup(stack, 'P5', { cluster: EfaCluster.fromClusterV2(cluster), instanceTypes: [P5], availabilityZone: 'us-east-1b', offeringCheck: false, kubernetesPlugin: EfaKubernetesPlugin.NONE });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Nodegroup', { Subnets: [stack.resolve(vpc.privateSubnets[1].subnetId)] });
  });

  test('the offering check gets the chosen subnet and the instance types, once per stack', () => {
    const setup = v2Cluster();
    new EfaNodeGroup(setup.stack, 'A', { cluster: setup.efaCluster, instanceTypes: [P5] });
    new EfaNodeGroup(setup.stack, 'B', { cluster: setup.efaCluster, instanceTypes: [new ec2.InstanceType('trn2.48xlarge')] });
    const template = Template.fromStack(setup.stack);
    template.resourceCountIs('Custom::CdkEfaOfferingCheck', 2);
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', {
      SubnetIds: [setup.stack.resolve(setup.vpc.privateSubnets[0].subnetId)],
      InstanceTypes: ['trn2.48xlarge'],
    });
    const handlers = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('EFA fleet subnet offers') } });
    expect(Object.keys(handlers)).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['ec2:DescribeSubnets', 'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeCapacityReservations'] })]) },
    });
    // Lambda's 3 s default times out under EC2 throttling.
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('EFA fleet subnet offers'), Timeout: 60, MemorySize: 256 });
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { CapacityReservationId: Match.absent() });
  });

  test('with an AZ ID the offering check chooses among all candidates', () => {
    const setup = v2Cluster();
    const { template } = nodeGroup({ availabilityZoneId: 'use1-az4' }, setup);
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', {
      SubnetIds: setup.vpc.privateSubnets.map((s) => setup.stack.resolve(s.subnetId)),
      AvailabilityZoneId: 'use1-az4',
    });
  });

  test('installs the DRA driver once per cluster on Kubernetes 1.34', () => {
    const setup = v2Cluster();
    new EfaNodeGroup(setup.stack, 'A', { cluster: setup.efaCluster, instanceTypes: [P5] });
    setup.efaCluster.addEfaNodeGroup('B', { instanceTypes: [P5] });
    const template = Template.fromStack(setup.stack);
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 1);
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'aws-dranet', Version: '1.0.0', Repository: 'https://aws.github.io/eks-charts', Namespace: 'kube-system',
    });
  });

  // g7.48xlarge is in our table but not in aws-dranet 1.0.0's supportedInstanceLabels list, so with the chart's
  // defaults its nodes would get no DRA driver pod.
  test.each<[string, eksv2.KubernetesVersion, string]>([
    ['the DRA driver', eksv2.KubernetesVersion.V1_34, 'aws-dranet'],
    ['the device plugin', eksv2.KubernetesVersion.V1_33, 'aws-efa-k8s-device-plugin'],
  ])('%s selects nodes by the cdk-efa label, not by the chart\'s instance-type list', (_, version, chart) => {
    const { template } = nodeGroup({ instanceTypes: [new ec2.InstanceType('g7.48xlarge')], labels: { 'cdk-efa.io/efa-supported': 'false' } }, v2Cluster({ version: version }));
    const charts = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart'));
    expect(charts).toHaveLength(1);
    expect(charts[0].Properties.Chart).toBe(chart);
    const values = JSON.parse(charts[0].Properties.Values);
    expect(values.supportedInstanceLabels).toEqual({ keys: ['cdk-efa.io/efa-supported'], values: ['true'] });
    expect(values.tolerations).toEqual([{ operator: 'Exists' }]);
    // The label the chart selects by is on the nodes, and a user label cannot turn it off.
    template.hasResourceProperties('AWS::EKS::Nodegroup', { Labels: Match.objectLike({ 'cdk-efa.io/efa-supported': 'true' }) });
  });

  test('installs the device plugin on older Kubernetes', () => {
    const { template, ng } = nodeGroup({}, v2Cluster({ version: eksv2.KubernetesVersion.V1_33 }));
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-efa-k8s-device-plugin', Version: 'v0.5.30' });
    expect(ng.kubernetesPlugin).toBe(EfaKubernetesPlugin.DEVICE_PLUGIN);
  });

  test('installs nothing with NONE', () => {
    const { template } = nodeGroup({ kubernetesPlugin: EfaKubernetesPlugin.NONE });
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 0);
  });

  test('merges user labels and passes taints', () => {
    const { template } = nodeGroup({
      labels: { team: 'ml' },
      taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: eksv2.TaintEffect.NO_SCHEDULE }],
    });
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      Labels: Match.objectLike({ 'team': 'ml', 'cdk-efa.io/efa-count': '32' }),
      Taints: [{ Key: 'nvidia.com/gpu', Value: 'true', Effect: 'NO_SCHEDULE' }],
    });
  });

  test('several instance types with identical layouts go on the node group, not the launch template', () => {
    const { template } = nodeGroup({ instanceTypes: [P5, new ec2.InstanceType('p5e.48xlarge')] });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: ['p5.48xlarge', 'p5e.48xlarge'] });
    expect(launchTemplateData(template).InstanceType).toBeUndefined();
  });

  test('Capacity Block: no placement group, the reservation in the launch template and the offering check', () => {
    const { template, ng } = nodeGroup({ capacityType: eksv2.CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef0', minSize: 0, maxSize: 2 });
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { CapacityType: 'CAPACITY_BLOCK' });
    const data = launchTemplateData(template);
    expect(data.InstanceMarketOptions).toEqual({ MarketType: 'capacity-block' });
    expect(data.CapacityReservationSpecification).toEqual({ CapacityReservationTarget: { CapacityReservationId: 'cr-0123456789abcdef0' } });
    expect(data.Placement).toBeUndefined();
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { CapacityReservationId: 'cr-0123456789abcdef0' });
    expect(ng.launchTemplate.capacityBlock).toBe(true);
  });

  test('capacity: EfaCapacity.capacityBlock() makes a CAPACITY_BLOCK node group, as the deprecated props did', () => {
    const render = (options: Partial<EfaNodeGroupOptions>) => nodeGroup({ minSize: 0, maxSize: 2, ...options }).template.toJSON();
    const viaCapacity = render({ capacity: EfaCapacity.capacityBlock('cr-0123456789abcdef0') });
    expect(viaCapacity).toEqual(render({ capacityType: eksv2.CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef0' }));
    const nodegroup = Object.values(Template.fromJSON(viaCapacity).findResources('AWS::EKS::Nodegroup'))[0];
    expect(nodegroup.Properties.CapacityType).toBe('CAPACITY_BLOCK');
    // An ODCR stays On-Demand, as the deprecated capacityReservationId alone did.
    expect(render({ capacity: EfaCapacity.reservation('cr-0123456789abcdef0') })).toEqual(render({ capacityReservationId: 'cr-0123456789abcdef0' }));
  });

  test('fails when capacityType CAPACITY_BLOCK meets a capacity that is not a Capacity Block', () => {
    expect(() => nodeGroup({ capacityType: eksv2.CapacityType.CAPACITY_BLOCK, capacity: EfaCapacity.reservation('cr-0123456789abcdef0'), minSize: 0 }))
      .toThrow(/capacityType CAPACITY_BLOCK, but capacity is not a Capacity Block.*cdk-efa:capacity-type-mismatch/);
    expect(() => nodeGroup({ capacityType: eksv2.CapacityType.ON_DEMAND, capacity: EfaCapacity.capacityBlock('cr-0123456789abcdef0'), minSize: 0 }))
      .toThrow(/capacityType ON_DEMAND, but capacity is a Capacity Block.*cdk-efa:capacity-type-mismatch/);
  });

  test('fails for node labels and taints Kubernetes or the kubelet reject', () => {
    expect(() => nodeGroup({ labels: { 'node-role.kubernetes.io/gpu': 'true' } })).toThrow(/label 'node-role.kubernetes.io\/gpu'.*kubelet refuses.*cdk-efa:invalid-node-label/);
    expect(() => nodeGroup({ labels: { team: 'ml training' } })).toThrow(/its value 'ml training' is not.*cdk-efa:invalid-node-label/);
    expect(() => nodeGroup({ taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' as eksv2.TaintEffect }] })).toThrow(/its effect 'NoSchedule' is not a TaintEffect.*cdk-efa:invalid-node-taint/);
    expect(() => nodeGroup({ labels: { 'node.kubernetes.io/lifecycle': 'normal', 'team': 'ml' }, taints: [{ key: 'nvidia.com/gpu', effect: eksv2.TaintEffect.NO_SCHEDULE }] })).not.toThrow();
  });

  test('fails when capacity meets the deprecated capacityReservationId', () => {
    expect(() => nodeGroup({ capacity: EfaCapacity.reservation('cr-0123456789abcdef0'), capacityReservationId: 'cr-0123456789abcdef1' }))
      .toThrow(/has capacity and also the deprecated capacityReservationId.*cdk-efa:conflicting-capacity-options/);
  });

  test('Capacity Block from your own launch template: the capacity type follows the template', () => {
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'BlockTemplate', {
      instanceType: P5, securityGroup: setup.efaCluster.sharedEfaSecurityGroup(), capacityReservationId: 'cr-0123456789abcdef0', capacityBlock: true,
    });
    for (const [id, capacityType] of [['Implicit', undefined], ['Explicit', eksv2.CapacityType.CAPACITY_BLOCK]] as const) {
      new EfaNodeGroup(setup.stack, id, { cluster: setup.efaCluster, launchTemplate: lt, capacityType, minSize: 0, maxSize: 2 });
    }
    const template = Template.fromStack(setup.stack);
    const nodegroups = Object.values(template.findResources('AWS::EKS::Nodegroup'));
    expect(nodegroups.map((n) => n.Properties.CapacityType)).toEqual(['CAPACITY_BLOCK', 'CAPACITY_BLOCK']);
    const checks = Object.values(template.findResources('Custom::CdkEfaOfferingCheck'));
    expect(checks.map((c) => c.Properties.CapacityReservationId)).toEqual(['cr-0123456789abcdef0', 'cr-0123456789abcdef0']);
    Annotations.fromStack(setup.stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-efa:capacity-block-desired-size'));
  });

  test('an On-Demand Capacity Reservation of your own launch template goes to the offering check', () => {
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'Reserved', { instanceType: P5, vpc: setup.vpc, capacityReservationId: 'cr-0aaaaaaaaaaaaaaaa' });
    new EfaNodeGroup(setup.stack, 'NG', { cluster: setup.efaCluster, launchTemplate: lt });
    const template = Template.fromStack(setup.stack);
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { CapacityReservationId: 'cr-0aaaaaaaaaaaaaaaa' });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { CapacityType: 'ON_DEMAND' });
  });

  test('with a reservation and no subnet named, the offering check chooses among the candidates without a warning', () => {
    const { template, vpc, stack } = nodeGroup({ capacityReservationId: 'cr-0123456789abcdef0' });
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', {
      SubnetIds: vpc.privateSubnets.map((s) => stack.resolve(s.subnetId)),
      CapacityReservationId: 'cr-0123456789abcdef0',
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-efa:subnet-chosen'));
  });

  test('warns when a reservation is given and offeringCheck is false', () => {
    const setup = v2Cluster();
    const { stack } = nodeGroup({ subnet: setup.vpc.privateSubnets[0], capacityReservationId: 'cr-0123456789abcdef0', offeringCheck: false }, setup);
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp("capacity reservation 'cr-0123456789abcdef0'.*offeringCheck is false.*Stack/Vpc/PrivateSubnet1.*cdk-efa:reservation-zone-unchecked"));
  });

  test('warns when a Capacity Block node group has a desired size above 0', () => {
    const { stack } = nodeGroup({ capacityType: eksv2.CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef0', minSize: 1, desiredSize: 2, maxSize: 2 });
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp('desiredSize 2.*desired size is 0.*cdk-efa:capacity-block-desired-size'));
  });

  test('node groups of one cluster share one EFA security group, also through separate EfaCluster wrappers', () => {
    const setup = v2Cluster();
    new EfaNodeGroup(setup.stack, 'OnDemand', { cluster: setup.efaCluster, instanceTypes: [P5] });
    new EfaNodeGroup(setup.stack, 'Block', {
      cluster: EfaCluster.fromClusterV2(setup.cluster),
      instanceTypes: [P5],
      capacityType: eksv2.CapacityType.CAPACITY_BLOCK,
      capacityReservationId: 'cr-0123456789abcdef0',
      minSize: 0,
      maxSize: 2,
    });
    const template = Template.fromStack(setup.stack);
    const efaGroups = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^EFA') } });
    expect(Object.keys(efaGroups)).toEqual([expect.stringMatching(/^ClusterEfaSecurityGroup/)]);
    const groupRef = { 'Fn::GetAtt': [Object.keys(efaGroups)[0], 'GroupId'] };
    const selfIngress = template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: groupRef, SourceSecurityGroupId: groupRef, IpProtocol: '-1' } });
    const selfEgress = template.findResources('AWS::EC2::SecurityGroupEgress', { Properties: { GroupId: groupRef, DestinationSecurityGroupId: groupRef, IpProtocol: '-1' } });
    expect(Object.keys(selfIngress)).toHaveLength(1);
    expect(Object.keys(selfEgress)).toHaveLength(1);
    // Every interface of both launch templates carries the shared group.
    const lts = Object.values(template.findResources('AWS::EC2::LaunchTemplate'));
    expect(lts).toHaveLength(2);
    for (const lt of lts) {
      for (const iface of lt.Properties.LaunchTemplateData.NetworkInterfaces) {
        expect(iface.Groups).toContainEqual(groupRef);
      }
    }
  });

  test('sharedEfaSecurityGroup is created once and joins your own launch template to the other node groups', () => {
    const setup = v2Cluster();
    const shared = EfaCluster.fromClusterV2(setup.cluster).sharedEfaSecurityGroup();
    expect(setup.efaCluster.sharedEfaSecurityGroup()).toBe(shared);
    expect(EfaSecurityGroup.hasEfaRules(shared)).toBe(true);
    const lt = new EfaLaunchTemplate(setup.stack, 'Mine', { instanceType: P5, securityGroup: shared });
    new EfaNodeGroup(setup.stack, 'A', { cluster: setup.efaCluster, launchTemplate: lt });
    const b = new EfaNodeGroup(setup.stack, 'B', { cluster: setup.efaCluster, instanceTypes: [P5] });
    expect(b.launchTemplate.efaSecurityGroup).toBe(shared);
    Template.fromStack(setup.stack).resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
  });

  test('a per-group securityGroup overrides the shared one', () => {
    const setup = v2Cluster();
    const own = new EfaSecurityGroup(setup.stack, 'Own', { vpc: setup.vpc });
    const { template, stack } = nodeGroup({ securityGroup: own }, setup);
    expect(setup.cluster.node.tryFindChild('EfaSecurityGroup')).toBeUndefined();
    for (const iface of launchTemplateData(template).NetworkInterfaces) {
      expect(iface.Groups).toContainEqual(stack.resolve(own.securityGroupId));
    }
  });

  test('never picks a public subnet: mixed selections keep only the private ones', () => {
    const setup = v2Cluster();
    const vpcSubnets = { subnets: [setup.vpc.publicSubnets[0], setup.vpc.privateSubnets[1]] };
    const { template, stack } = nodeGroup({ vpcSubnets, offeringCheck: false }, setup);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { Subnets: [stack.resolve(setup.vpc.privateSubnets[1].subnetId)] });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-efa:subnet-chosen'));
  });

  test('a single-interface layout may use a public subnet: it can get a public IP', () => {
    const setup = v2Cluster();
    const { template, stack } = nodeGroup({
      instanceTypes: [new ec2.InstanceType('c5n.18xlarge')],
      primaryInterface: PrimaryInterface.EFA,
      efaCount: 1,
      subnet: setup.vpc.publicSubnets[0],
      offeringCheck: false,
    }, setup);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { Subnets: [stack.resolve(setup.vpc.publicSubnets[0].subnetId)] });
  });

  test('warns when the subnet is in none of the VPC\'s subnet lists', () => {
    const setup = v2Cluster();
    const imported = ec2.Subnet.fromSubnetAttributes(setup.stack, 'Imported', { subnetId: 'subnet-0123456789abcdef0', availabilityZone: 'us-east-1a' });
    const { stack } = nodeGroup({ subnet: imported, offeringCheck: false }, setup);
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp('Stack/Imported is none of the VPC.*cdk-efa:subnet-type-unknown'));
  });

  test('a CfnParameter desiredSize is also the default maxSize', () => {
    const setup = v2Cluster();
    const desired = new CfnParameter(setup.stack, 'Desired', { type: 'Number' });
    const { template } = nodeGroup({ desiredSize: desired.valueAsNumber, minSize: 0 }, setup);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { ScalingConfig: { MinSize: 0, DesiredSize: { Ref: 'Desired' }, MaxSize: { Ref: 'Desired' } } });
  });

  test('sets Subnets and InstanceTypes as typed L1 properties, for aws-eks-v2 and aws-eks', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const v1 = eks.Cluster.fromClusterAttributes(stack, 'V1', { clusterName: 'v1', vpc, clusterSecurityGroupId: 'sg-v1', kubectlRoleArn: 'arn:aws:iam::111111111111:role/kubectl' });
    const v2 = eksv2.Cluster.fromClusterAttributes(stack, 'V2', { clusterName: 'v2', vpc, clusterSecurityGroupId: 'sg-v2' });
    const types = [P5, new ec2.InstanceType('p5e.48xlarge')];
    const ids = [['OnV1', 'v1', EfaCluster.fromCluster(v1)], ['OnV2', 'v2', EfaCluster.fromClusterV2(v2)]] as const;
    for (const [id, , cluster] of ids) {
      // With the offering check, the subnet is its deploy-time answer, not the ISubnet aws-cdk-lib's Nodegroup was given.
      const ng = new EfaNodeGroup(stack, id, { cluster, instanceTypes: types, kubernetesPlugin: EfaKubernetesPlugin.NONE });
      const l1 = ng.node.findAll().find((c) => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EKS::Nodegroup') as unknown as { subnets: string[]; instanceTypes: string[] };
      expect(l1.subnets).toEqual([ng.subnetId]);
      expect(l1.instanceTypes).toEqual(['p5.48xlarge', 'p5e.48xlarge']);
    }
    const template = Template.fromStack(stack);
    for (const [id, clusterName] of ids) {
      template.hasResourceProperties('AWS::EKS::Nodegroup', {
        ClusterName: clusterName,
        Subnets: [{ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${id}OfferingCheck`), 'SubnetId'] }],
        InstanceTypes: ['p5.48xlarge', 'p5e.48xlarge'],
      });
    }
  });

  test('with Bottlerocket, rootVolumeSizeGiB sizes the data volume /dev/xvdb, not the OS volume', () => {
    const bottlerocket = nodeGroup({ amiType: eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64_NVIDIA, rootVolumeSizeGiB: 500 });
    expect(launchTemplateData(bottlerocket.template).BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvdb', Ebs: { Encrypted: true, VolumeSize: 500, VolumeType: 'gp3' } },
    ]);
    const al2023 = nodeGroup({ rootVolumeSizeGiB: 500 });
    expect(launchTemplateData(al2023.template).BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 500, VolumeType: 'gp3' } },
    ]);
  });

  test('uses an existing placement group, or none', () => {
    const setup = v2Cluster();
    const pg = ec2.PlacementGroup.fromPlacementGroupName(setup.stack, 'PG', 'my-group');
    const existing = nodeGroup({ placement: EfaPlacement.fromPlacementGroup(pg) }, setup);
    expect(existing.ng.placementGroupName).toBe('my-group');
    const none = nodeGroup({ placement: EfaPlacement.none() });
    expect(none.ng.placementGroupName).toBeUndefined();
    none.template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
  });

  test('hugepages go in a MIME multipart user data part', () => {
    const { template } = nodeGroup({ hugepages2MiCount: 5128 });
    const userData = JSON.stringify(launchTemplateData(template).UserData);
    expect(userData).toMatch(/Content-Type: multipart\/mixed/);
    expect(userData).toMatch(/vm.nr_hugepages = 5128/);
  });

  test('takes a launch template of your own', () => {
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'MyTemplate', { instanceType: P5, vpc: setup.vpc, efaCount: 16 });
    const ng = new EfaNodeGroup(setup.stack, 'Mine', { cluster: setup.efaCluster, launchTemplate: lt });
    expect(ng.layout.summary.efaCount).toBe(16);
    expect(ng.launchTemplate).toBe(lt);
  });

  test('takes aws-eks (v1) and imported clusters', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const v1 = eks.Cluster.fromClusterAttributes(stack, 'V1', { clusterName: 'v1', vpc, clusterSecurityGroupId: 'sg-v1', kubectlRoleArn: 'arn:aws:iam::111111111111:role/kubectl' });
    new EfaNodeGroup(stack, 'OnV1', { cluster: EfaCluster.fromCluster(v1), instanceTypes: [P5], offeringCheck: false });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { ClusterName: 'v1', AmiType: 'AL2023_x86_64_NVIDIA' });
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-efa-k8s-device-plugin' });
  });

  test('warns when fewer than 2 nodes can run', () => {
    const { stack } = nodeGroup({ minSize: 1, maxSize: 1 });
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp('at least 2.*cdk-efa:fewer-than-two-nodes'));
  });

  test('warns when maxSize nodes would exhaust the subnet', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 1,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 26 },
      ],
    });
    const cluster = eksv2.Cluster.fromClusterAttributes(stack, 'C', { clusterName: 'c', vpc, clusterSecurityGroupId: 'sg-1' });
    new EfaNodeGroup(stack, 'P5', { cluster: EfaCluster.fromClusterV2(cluster), instanceTypes: [P5], maxSize: 4, kubernetesPlugin: EfaKubernetesPlugin.NONE });
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp('maxSize 4 nodes × about 101 IPv4 addresses.*59 usable addresses.*cdk-efa:subnet-ip-budget'));
  });

  test('is connectable through its launch template: the shared EFA group and the cluster security group', () => {
    const { ng, efaCluster } = nodeGroup();
    expect(ng.connections.securityGroups).toEqual([efaCluster.sharedEfaSecurityGroup(), efaCluster.clusterSecurityGroup]);
  });
});

describe('EfaNodeGroup pod IP addresses (Amazon VPC CNI, network card 0 only)', () => {
  const cards = (data: Record<string, any>) => data.NetworkInterfaces.map((i: any) => `${i.NetworkCardIndex}/${i.DeviceIndex} ${i.InterfaceType}`);
  const podWarnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cdk-efa:(pod-ip-shortfall|ena-needs-multi-nic)'));

  test('p5: an efa primary keeps all 32 EFAs and frees card 0\'s second interface for the CNI', () => {
    const { template, ng, stack } = nodeGroup();
    const interfaces = cards(launchTemplateData(template));
    expect(interfaces.slice(0, 2)).toEqual(['0/0 efa', '1/0 efa-only']);
    expect(interfaces).not.toContain('0/1 efa-only');
    expect(ng.layout.summary.efaCount).toBe(32);
    expect(ng.layout.summary.vpcCniNetworkInterfaces).toBe(2);
    expect(ng.layout.summary.podIpv4Addresses).toBe(98);
    expect(podWarnings(stack)).toEqual([]);
  });

  test('keeps AWS\'s recommended ENA primary where card 0 has room (c5n.18xlarge) or no EFA (p6-b300.48xlarge)', () => {
    for (const type of ['c5n.18xlarge', 'p6-b300.48xlarge']) {
      const { template, stack } = nodeGroup({ instanceTypes: [new ec2.InstanceType(type)] });
      expect(cards(launchTemplateData(template))[0]).toBe('0/0 interface');
      expect(podWarnings(stack)).toEqual([]);
    }
  });

  test('warns with the numbers and the fixes when an ENA primary on p5 leaves the CNI 49 addresses for max-pods 100', () => {
    const { stack, ng } = nodeGroup({ primaryInterface: PrimaryInterface.ENA });
    expect(ng.layout.summary.podIpv4Addresses).toBe(49);
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp(
      '49 pod IPv4 addresses in secondary-IP mode, fewer than the 98 that max-pods 100 needs.*PrimaryInterface.EFA.*prefix delegation.*cdk-efa:pod-ip-shortfall'));
  });

  test('no warning when the CNI runs with prefix delegation, or max-pods is low enough', () => {
    for (const options of [{ vpcCniPrefixDelegation: true }, { maxPods: 51 }]) {
      const { stack } = nodeGroup({ primaryInterface: PrimaryInterface.ENA, ...options });
      expect(podWarnings(stack)).toEqual([]);
    }
  });

  test('checks your own launch template\'s layout too', () => {
    const setup = v2Cluster();
    const launchTemplate = new EfaLaunchTemplate(setup.stack, 'LT', { vpc: setup.vpc, instanceType: P5, placement: EfaPlacement.none() });
    nodeGroup({ instanceTypes: undefined, launchTemplate }, setup);
    Annotations.fromStack(setup.stack).hasWarning('/Stack/P5', Match.stringLikeRegexp('cdk-efa:pod-ip-shortfall'));
  });

  test('warns that ENAs beyond network card 0 give pods nothing without the CNI\'s multi-NIC mode', () => {
    const { stack } = nodeGroup({ profile: LayoutProfile.MAX_BANDWIDTH });
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp(
      'network card\\(s\\) 4, 8, 12, 16, 20, 24, 28.*ENABLE_MULTI_NIC.*cdk-efa:ena-needs-multi-nic'));
  });

  test('fails when maxPods is not a whole number of pods', () => {
    expect(() => nodeGroup({ maxPods: 0 })).toThrow(/maxPods 0 for p5\.48xlarge.*cdk-efa:invalid-max-pods/);
  });
});

describe('EfaNodeGroup errors', () => {
  test.each<[string, Partial<EfaNodeGroupOptions>, RegExp]>([
    ['minSize exceeds desiredSize', { minSize: 3, desiredSize: 2, maxSize: 4 }, /minSize <= desiredSize <= maxSize.*cdk-efa:invalid-scaling/],
    ['desiredSize exceeds maxSize', { minSize: 1, desiredSize: 5, maxSize: 4 }, /cdk-efa:invalid-scaling/],
    ['a size is negative', { minSize: -1, desiredSize: 0, maxSize: 2 }, /minSize is -1/],
    ['maxSize is 0', { minSize: 0, maxSize: 0 }, /maxSize of at least 1/],
    ['the instance type is not EFA-capable', { instanceTypes: [new ec2.InstanceType('m5.large')] }, /m5\.large does not support EFA/],
    ['layouts differ', { instanceTypes: [P5, new ec2.InstanceType('p5en.48xlarge')] }, /p5en\.48xlarge lacks .* compared with p5\.48xlarge.*cdk-efa:mixed-layouts/],
    ['p4d mixes with another type', { instanceTypes: [new ec2.InstanceType('p4d.24xlarge'), new ec2.InstanceType('p4de.24xlarge'), P5] }, /p4d and p4de instances cannot exchange EFA traffic.*cdk-efa:p4d-mixed/],
    ['AMI types differ', { instanceTypes: [new ec2.InstanceType('c7gn.16xlarge'), new ec2.InstanceType('c5n.18xlarge')] }, /cdk-efa:mixed-ami-types/],
    ['no instance type is given', { instanceTypes: undefined }, /cdk-efa:no-instance-type/],
    ['a Capacity Block has no reservation', { capacityType: eksv2.CapacityType.CAPACITY_BLOCK }, /cdk-efa:capacity-block-without-reservation/],
    ['a Capacity Block lists several instance types', { instanceTypes: [P5, new ec2.InstanceType('p5e.48xlarge')], capacityType: eksv2.CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef1' }, /reserves one instance type.*cdk-efa:capacity-block-without-instance-type/],
    ['a reservation is combined with a new cluster placement group', { capacityReservationId: 'cr-0123456789abcdef1', placement: EfaPlacement.cluster() }, /cdk-efa:placement-group-with-reservation/],
    ['hugepages are asked for on Bottlerocket', { hugepages2MiCount: 100, amiType: eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64_NVIDIA }, /cdk-efa:hugepages-on-bottlerocket/],
    ['hugepages are not a positive count', { hugepages2MiCount: 0 }, /cdk-efa:invalid-hugepages/],
    ['an AZ ID is given without the offering check', { availabilityZoneId: 'use1-az4', offeringCheck: false }, /cdk-efa:zone-id-needs-offering-check/],
    ['the DRA driver is asked for on Kubernetes 1.33', { kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER }, /needs 1\.34 or later.*cdk-efa:dra-needs-1-34/],
  ])('fails when %s', (_, options, message) => {
    const setup = v2Cluster({ version: options.kubernetesPlugin === EfaKubernetesPlugin.DRA_DRIVER ? eksv2.KubernetesVersion.V1_33 : undefined });
    expect(() => nodeGroup(options, setup)).toThrow(message);
  });

  test('fails when a subnet is combined with subnet selection options', () => {
    const setup = v2Cluster();
    expect(() => nodeGroup({ subnet: setup.vpc.privateSubnets[0], availabilityZone: 'us-east-1a' }, setup)).toThrow(/cdk-efa:conflicting-subnet-options/);
  });

  test('fails when no selected subnet is in the Availability Zone', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
    const cluster = EfaCluster.fromClusterV2(eksv2.Cluster.fromClusterAttributes(stack, 'C', { clusterName: 'c', vpc, clusterSecurityGroupId: 'sg-1' }));
    expect(() => new EfaNodeGroup(stack, 'P5', { cluster, instanceTypes: [P5], availabilityZone: 'us-east-1c' }))
      .toThrow(/no selected subnet is in availability zone us-east-1c \(the selected subnets are in us-east-1a, us-east-1b\).*cdk-efa:no-subnet-in-zone/);
  });

  test('fails when the VPC selection has no subnets', () => {
    const setup = v2Cluster();
    expect(() => nodeGroup({ vpcSubnets: { subnetFilters: [ec2.SubnetFilter.byIds(['subnet-none'])] } }, setup))
      .toThrow(/the VPC selection has no subnets.*cdk-efa:no-subnet\]/);
  });

  test('fails when both EFA plugins are asked for on one cluster', () => {
    const setup = v2Cluster();
    new EfaNodeGroup(setup.stack, 'A', { cluster: setup.efaCluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER });
    expect(() => new EfaNodeGroup(setup.stack, 'B', { cluster: setup.efaCluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.DEVICE_PLUGIN }))
      .toThrow(/must not run on one cluster.*cdk-efa:both-efa-plugins/);
  });

  test('fails when the cluster has no kubectl provider for the chart', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = EfaCluster.fromClusterV2(eksv2.Cluster.fromClusterAttributes(stack, 'C', { clusterName: 'c', vpc, clusterSecurityGroupId: 'sg-1' }));
    expect(() => new EfaNodeGroup(stack, 'P5', { cluster, instanceTypes: [P5] })).toThrow(/no kubectl provider.*cdk-efa:no-kubectl-provider/);
  });

  test('fails when your launch template has an instance profile', () => {
    const setup = v2Cluster();
    const role = new iam.Role(setup.stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const lt = new EfaLaunchTemplate(setup.stack, 'LT', { instanceType: P5, vpc: setup.vpc, role });
    expect(() => new EfaNodeGroup(setup.stack, 'NG', { cluster: setup.efaCluster, launchTemplate: lt })).toThrow(/cdk-efa:launch-template-instance-profile/);
  });

  test('fails when the subnet is one of the VPC\'s public subnets', () => {
    const setup = v2Cluster();
    expect(() => nodeGroup({ subnet: setup.vpc.publicSubnets[0] }, setup))
      .toThrow(/Stack\/Vpc\/PublicSubnet1, one of the VPC's public subnets.*no public IPv4 address.*cdk-efa:public-subnet/);
  });

  test('fails when the subnet selection holds only public subnets', () => {
    const setup = v2Cluster();
    expect(() => nodeGroup({ vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, setup))
      .toThrow(/only public subnets \(Stack\/Vpc\/PublicSubnet1, Stack\/Vpc\/PublicSubnet2\).*cdk-efa:public-subnet/);
  });

  test('fails when the default selection of a VPC has only public subnets', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
    const cluster = EfaCluster.fromClusterV2(eksv2.Cluster.fromClusterAttributes(stack, 'C', { clusterName: 'c', vpc, clusterSecurityGroupId: 'sg-1' }));
    expect(() => new EfaNodeGroup(stack, 'P5', { cluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.NONE })).toThrow(/cdk-efa:public-subnet/);
  });

  test.each<[string, eksv2.CapacityType | undefined, boolean, RegExp]>([
    ['CAPACITY_BLOCK meets a template that is not for a Capacity Block', eksv2.CapacityType.CAPACITY_BLOCK, false, /capacityType CAPACITY_BLOCK.*is not a Capacity Block.*cdk-efa:capacity-type-mismatch/],
    ['ON_DEMAND meets a Capacity Block template', eksv2.CapacityType.ON_DEMAND, true, /capacityType ON_DEMAND.*is a Capacity Block.*cdk-efa:capacity-type-mismatch/],
    ['SPOT meets a Capacity Block template', eksv2.CapacityType.SPOT, true, /capacityType SPOT.*cdk-efa:capacity-type-mismatch/],
  ])('fails when %s', (_, capacityType, capacityBlock, message) => {
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'LT', { instanceType: P5, vpc: setup.vpc, capacityReservationId: 'cr-0123456789abcdef1', capacityBlock });
    expect(() => new EfaNodeGroup(setup.stack, 'NG', { cluster: setup.efaCluster, launchTemplate: lt, capacityType, minSize: 0, maxSize: 2 })).toThrow(message);
  });

  test('fails when your launch template is combined with options that shape one', () => {
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'LT', { instanceType: P5, vpc: setup.vpc });
    expect(() => new EfaNodeGroup(setup.stack, 'NG', { cluster: setup.efaCluster, launchTemplate: lt, profile: LayoutProfile.MAX_BANDWIDTH }))
      .toThrow(/also profile.*cdk-efa:conflicting-launch-template-options/);
  });
});

describe('EfaNodeGroup checks its props in one pass', () => {
  test('fails once, listing every problem of the props', () => {
    const setup = v2Cluster();
    let message = '';
    try {
      nodeGroup({
        minSize: 3,
        desiredSize: 2,
        maxSize: 4,
        hugepages2MiCount: 0,
        rootVolumeSizeGiB: 0,
        capacityType: eksv2.CapacityType.SPOT,
        capacityReservationId: 'cr-0123456789abcdef1',
        placement: EfaPlacement.none(),
        subnet: setup.vpc.privateSubnets[0],
        availabilityZone: 'us-east-1a',
        amiType: eksv2.NodegroupAmiType.AL2023_ARM_64_NVIDIA,
      }, setup);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^EfaNodeGroup Stack\/P5: 6 problems:\n/);
    const ids = [...message.matchAll(/\[cdk-efa:([a-z0-9-]+)\]/g)].map((m) => m[1]);
    expect(ids).toEqual([
      'invalid-scaling', 'ami-type-mismatch', 'invalid-hugepages', 'invalid-root-volume-size', 'spot-with-capacity-reservation', 'conflicting-subnet-options',
    ]);
  });
});

describe('EfaNodeGroup with an instance type newer than the table', () => {
  const P9 = { ...EfaInstanceTypes.lookup('p5.48xlarge'), instanceType: 'p9.48xlarge' };

  test('takes its capabilities', () => {
    const { template, ng } = nodeGroup({ instanceTypes: [new ec2.InstanceType('p9.48xlarge')], capabilities: P9 });
    expect(launchTemplateData(template).InstanceType).toBe('p9.48xlarge');
    expect(ng.layout.summary.efaCount).toBe(32);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: 'AL2023_x86_64_NVIDIA' });
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { InstanceTypes: ['p9.48xlarge'] });
  });

  test('takes them for the type they name among several', () => {
    const { template } = nodeGroup({ instanceTypes: [P5, new ec2.InstanceType('p9.48xlarge')], capabilities: P9 });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: ['p5.48xlarge', 'p9.48xlarge'] });
  });

  test('takes them from your own launch template', () => {
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'P9Template', { instanceType: new ec2.InstanceType('p9.48xlarge'), capabilities: P9, vpc: setup.vpc, placement: EfaPlacement.none() });
    const ng = new EfaNodeGroup(setup.stack, 'P9', { cluster: setup.efaCluster, launchTemplate: lt });
    expect(ng.amiType).toBe(eksv2.NodegroupAmiType.AL2023_X86_64_NVIDIA);
    expect(ng.layout.capabilities).toBe(P9);
  });

  test('fails without them, saying to pass capabilities', () => {
    expect(() => nodeGroup({ instanceTypes: [new ec2.InstanceType('p9.48xlarge')] })).toThrow(/If p9\.48xlarge is newer than the table, pass its `capabilities`.*cdk-efa:unknown-instance-type/);
  });

  test('fails when the capabilities name none of several instance types', () => {
    expect(() => nodeGroup({ instanceTypes: [P5, new ec2.InstanceType('p5e.48xlarge')], capabilities: P9 }))
      .toThrow(/capabilities for p9\.48xlarge, which is none of its instance types \(p5\.48xlarge, p5e\.48xlarge\).*cdk-efa:capabilities-mismatch/);
  });

  test('fails when the capabilities of one instance type are for another', () => {
    expect(() => nodeGroup({ capabilities: P9 })).toThrow(/capabilities for p9\.48xlarge, which is none of its instance types \(p5\.48xlarge\).*cdk-efa:capabilities-mismatch/);
  });

  test('fails when capabilities come with your own launch template', () => {
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'LT', { instanceType: P5, vpc: setup.vpc, placement: EfaPlacement.none() });
    expect(() => new EfaNodeGroup(setup.stack, 'NG', { cluster: setup.efaCluster, launchTemplate: lt, capabilities: P9 }))
      .toThrow(/also capabilities.*cdk-efa:conflicting-launch-template-options/);
  });
});

describe('EfaNodeGroup AMI types', () => {
  test.each<[string, string, eksv2.NodegroupAmiType, RegExp]>([
    ['an Arm AMI type on x86 p5', 'p5.48xlarge', eksv2.NodegroupAmiType.AL2023_ARM_64_NVIDIA, /amiType AL2023_ARM_64_NVIDIA, an arm64 AMI type, but p5\.48xlarge is x86_64.*use AL2023_x86_64_NVIDIA.*cdk-efa:ami-type-mismatch/],
    ['an x86 AMI type on Arm p6e-gb200', 'p6e-gb200.36xlarge', eksv2.NodegroupAmiType.AL2023_X86_64_NVIDIA, /p6e-gb200\.36xlarge is arm64.*use AL2023_ARM_64_NVIDIA.*cdk-efa:ami-type-mismatch/],
    ['an x86 Bottlerocket on Arm hpc7g', 'hpc7g.16xlarge', eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64, /use BOTTLEROCKET_ARM_64, or leave amiType unset.*cdk-efa:ami-type-mismatch/],
    ['an NVIDIA AMI type on Trainium', 'trn2.48xlarge', eksv2.NodegroupAmiType.AL2023_X86_64_NVIDIA, /trn2\.48xlarge has Neuron devices, not NVIDIA GPUs; use AL2023_x86_64_NEURON.*cdk-efa:ami-type-mismatch/],
    ['a Neuron AMI type on p5', 'p5.48xlarge', eksv2.NodegroupAmiType.AL2023_X86_64_NEURON, /p5\.48xlarge has NVIDIA GPUs, not Neuron devices.*cdk-efa:ami-type-mismatch/],
    ['an NVIDIA Bottlerocket on a CPU type', 'hpc7a.96xlarge', eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64_NVIDIA, /hpc7a\.96xlarge has no NVIDIA GPU or Neuron device; use BOTTLEROCKET_x86_64,.*cdk-efa:ami-type-mismatch/],
  ])('fails when amiType is %s', (_, type, amiType, message) => {
    expect(() => nodeGroup({ instanceTypes: [new ec2.InstanceType(type)], amiType })).toThrow(message);
  });

  test('warns when a standard AMI type carries no drivers for the accelerators', () => {
    const { stack, template } = nodeGroup({ amiType: eksv2.NodegroupAmiType.AL2023_X86_64_STANDARD });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { AmiType: 'AL2023_x86_64_STANDARD' });
    Annotations.fromStack(stack).hasWarning('/Stack/P5', Match.stringLikeRegexp(
      'amiType AL2023_x86_64_STANDARD, which carries no drivers for the NVIDIA GPUs of p5\\.48xlarge.*use AL2023_x86_64_NVIDIA.*cdk-efa:ami-type-without-accelerator-drivers'));
  });

  test.each<[string, eksv2.NodegroupAmiType]>([
    ['trn2.48xlarge', eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64],
    ['trn2.48xlarge', eksv2.NodegroupAmiType.AL2023_X86_64_NEURON],
    ['p5.48xlarge', eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64_NVIDIA],
    ['hpc7g.16xlarge', eksv2.NodegroupAmiType.BOTTLEROCKET_ARM_64],
    ['hpc7a.96xlarge', eksv2.NodegroupAmiType.AL2023_X86_64_STANDARD],
  ])('takes %s with %s without a warning', (type, amiType) => {
    const { stack } = nodeGroup({ instanceTypes: [new ec2.InstanceType(type)], amiType });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-efa:ami-type'));
  });
});

describe('EfaNodeGroup values EC2 and EKS reject', () => {
  test('fails when SPOT meets a capacity reservation, given or from your launch template', () => {
    expect(() => nodeGroup({ capacityType: eksv2.CapacityType.SPOT, capacityReservationId: 'cr-0123456789abcdef0' }))
      .toThrow(/capacityType SPOT and launches into capacity reservation 'cr-0123456789abcdef0', but a capacity reservation serves On-Demand instances only.*cdk-efa:spot-with-capacity-reservation/);
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'LT', { instanceType: P5, vpc: setup.vpc, capacityReservationId: 'cr-0123456789abcdef1' });
    expect(() => new EfaNodeGroup(setup.stack, 'NG', { cluster: setup.efaCluster, launchTemplate: lt, capacityType: eksv2.CapacityType.SPOT }))
      .toThrow(/cdk-efa:spot-with-capacity-reservation/);
  });

  test('takes SPOT without a reservation', () => {
    const { template } = nodeGroup({ capacityType: eksv2.CapacityType.SPOT });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { CapacityType: 'SPOT' });
  });

  test('fails when the root volume is under 1 GiB', () => {
    expect(() => nodeGroup({ rootVolumeSizeGiB: 0 })).toThrow(/^EfaNodeGroup Stack\/P5: has rootVolumeSizeGiB 0.*cdk-efa:invalid-root-volume-size/);
  });

  test('fails when a second node group asks for another chart version, naming both', () => {
    const setup = v2Cluster({ version: eksv2.KubernetesVersion.V1_33 });
    new EfaNodeGroup(setup.stack, 'A', { cluster: setup.efaCluster, instanceTypes: [P5] });
    expect(() => new EfaNodeGroup(setup.stack, 'B', { cluster: setup.efaCluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.devicePlugin('v0.5.20') }))
      .toThrow(/aws-efa-k8s-device-plugin chart at version v0\.5\.20, but cluster Stack\/Cluster already gets it at version v0\.5\.30.*devicePlugin\('v0\.5\.30'\).*cdk-efa:plugin-chart-version-conflict/);
    // The same version again is fine.
    new EfaNodeGroup(setup.stack, 'C', { cluster: setup.efaCluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.devicePlugin('v0.5.30') });
    Template.fromStack(setup.stack).resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 1);
  });
});

describe('EfaNodeGroup messages never print a token', () => {
  test('a CfnParameter hugepages2MiCount goes into the user data as a reference, unchecked', () => {
    const setup = v2Cluster();
    const pages = new CfnParameter(setup.stack, 'Pages', { type: 'Number' });
    const { template } = nodeGroup({ hugepages2MiCount: pages.valueAsNumber }, setup);
    const userData = JSON.stringify(launchTemplateData(template).UserData);
    expect(userData).toContain('{"Ref":"Pages"}');
    expect(userData).not.toMatch(/e\+\d+/);
  });

  test('fails for hugepages on Bottlerocket without printing the token', () => {
    const setup = v2Cluster();
    const pages = new CfnParameter(setup.stack, 'Pages', { type: 'Number' });
    expect(() => nodeGroup({ hugepages2MiCount: pages.valueAsNumber, amiType: eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64_NVIDIA }, setup))
      .toThrow(/^(?!.*e\+\d)EfaNodeGroup Stack\/P5: asks for hugepages2MiCount with AMI type BOTTLEROCKET_x86_64_NVIDIA.*cdk-efa:hugepages-on-bottlerocket/);
  });

  test('fails when an Availability Zone is asked for in a stack without env, saying to set env', () => {
    expect(() => nodeGroup({ availabilityZone: 'us-east-1a' }))
      .toThrow(/^(?!.*Token\[)EfaNodeGroup Stack\/P5 asks for availability zone us-east-1a, but the zones of subnets Stack\/Vpc\/PrivateSubnet1, Stack\/Vpc\/PrivateSubnet2 are only known at deploy time.*set `env` \(account and region\) on the stack.*name the subnet.*availabilityZoneId.*cdk-efa:availability-zone-unresolved/);
  });

  test('a CfnParameter reservation is named as a token in warnings', () => {
    const setup = v2Cluster();
    const reservation = new CfnParameter(setup.stack, 'Reservation').valueAsString;
    const { stack } = nodeGroup({ subnet: setup.vpc.privateSubnets[0], capacityReservationId: reservation, offeringCheck: false }, setup);
    const warnings = Annotations.fromStack(stack).findWarning('/Stack/P5', Match.stringLikeRegexp('cdk-efa:reservation-zone-unchecked'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0].entry.data)).toMatch(/capacity reservation an unresolved token, which only serves/);
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot): a changed ID replaces the node group', () => {
    const { template } = nodeGroup();
    const ids = logicalIds(template, startingWith('P5', 'CdkEfa', 'ClusterEfa'));
    expect(ids).toMatchSnapshot();
  });
});
