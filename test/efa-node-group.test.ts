import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  EfaCluster, EfaKubernetesPlugin, EfaLaunchTemplate, EfaNodeGroup, EfaNodeGroupOptions, EfaPlacement, LayoutProfile,
} from '../src';

const P5 = new ec2.InstanceType('p5.48xlarge');

function v2Cluster(version = eksv2.KubernetesVersion.V1_34) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new eksv2.Cluster(stack, 'Cluster', {
    vpc,
    version,
    defaultCapacityType: eksv2.DefaultCapacityType.NODEGROUP,
    defaultCapacity: 0,
    kubectlProviderOptions: { kubectlLayer: new KubectlV34Layer(stack, 'Kubectl') },
  });
  return { app, stack, vpc, cluster, efaCluster: EfaCluster.fromClusterV2(cluster) };
}

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
    const { template, cluster, stack } = nodeGroup();
    const data = launchTemplateData(template);
    expect(data.IamInstanceProfile).toBeUndefined();
    expect(data.SecurityGroupIds).toBeUndefined();
    expect(data.InstanceType).toBe('p5.48xlarge');
    const clusterSg = stack.resolve(cluster.clusterSecurityGroupId);
    for (const iface of data.NetworkInterfaces) {
      expect(iface.SubnetId).toBeUndefined();
      if (iface.InterfaceType === 'efa-only') {
        expect(iface.Groups).toHaveLength(1);
        expect(iface.Groups).not.toContainEqual(clusterSg);
      } else {
        expect(iface.Groups).toContainEqual(clusterSg);
      }
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
    const handlers = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('node group subnet offers') } });
    expect(Object.keys(handlers)).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['ec2:DescribeSubnets', 'ec2:DescribeInstanceTypeOfferings'] })]) },
    });
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

  test('installs the device plugin on older Kubernetes', () => {
    const { template, ng } = nodeGroup({}, v2Cluster(eksv2.KubernetesVersion.V1_33));
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

  test('Capacity Block: no placement group, the reservation in the launch template', () => {
    const { template } = nodeGroup({ capacityType: eksv2.CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef0' });
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { CapacityType: 'CAPACITY_BLOCK' });
    const data = launchTemplateData(template);
    expect(data.InstanceMarketOptions).toEqual({ MarketType: 'capacity-block' });
    expect(data.CapacityReservationSpecification).toEqual({ CapacityReservationTarget: { CapacityReservationId: 'cr-0123456789abcdef0' } });
    expect(data.Placement).toBeUndefined();
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

  test('is connectable through its launch template', () => {
    const { ng } = nodeGroup();
    expect(ng.connections.securityGroups).toHaveLength(2);
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
    ['a reservation is combined with a new cluster placement group', { capacityReservationId: 'cr-1', placement: EfaPlacement.cluster() }, /cdk-efa:placement-group-with-reservation/],
    ['hugepages are asked for on Bottlerocket', { hugepages2MiCount: 100, amiType: eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64_NVIDIA }, /cdk-efa:hugepages-on-bottlerocket/],
    ['hugepages are not a positive count', { hugepages2MiCount: 0 }, /cdk-efa:invalid-hugepages/],
    ['an AZ ID is given without the offering check', { availabilityZoneId: 'use1-az4', offeringCheck: false }, /cdk-efa:zone-id-needs-offering-check/],
    ['the DRA driver is asked for on Kubernetes 1.33', { kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER }, /needs 1\.34 or later.*cdk-efa:dra-needs-1-34/],
  ])('fails when %s', (_, options, message) => {
    const setup = v2Cluster(options.kubernetesPlugin === EfaKubernetesPlugin.DRA_DRIVER ? eksv2.KubernetesVersion.V1_33 : undefined);
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

  test('fails when your launch template is combined with options that shape one', () => {
    const setup = v2Cluster();
    const lt = new EfaLaunchTemplate(setup.stack, 'LT', { instanceType: P5, vpc: setup.vpc });
    expect(() => new EfaNodeGroup(setup.stack, 'NG', { cluster: setup.efaCluster, launchTemplate: lt, profile: LayoutProfile.MAX_BANDWIDTH }))
      .toThrow(/also profile.*cdk-efa:conflicting-launch-template-options/);
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot): a changed ID replaces the node group', () => {
    const { template } = nodeGroup();
    const resources = template.toJSON().Resources as Record<string, { Type: string }>;
    const ids = Object.entries(resources)
      .filter(([id]) => id.startsWith('P5') || id.startsWith('CdkEfa') || id.startsWith('ClusterEfa'))
      .map(([id, r]) => `${id} ${r.Type}`)
      .sort();
    expect(ids).toMatchSnapshot();
  });
});
