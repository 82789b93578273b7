import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { v2Cluster as v2ClusterSetup } from './clusters';
import {
  EfaCapacity, EfaCluster, EfaKarpenterNodePool, EfaKarpenterNodePoolProps, EfaKubernetesPlugin, EfaNodeGroup, EfaPlacement, KarpenterCapacityType,
  LayoutProfile, PrimaryInterface,
} from '../../src';
import { logicalIds, startingWith } from '../template-helpers';

const P5 = new ec2.InstanceType('p5.48xlarge');
const P6_B200 = new ec2.InstanceType('p6-b200.48xlarge');

function v2Cluster(props: Partial<eksv2.ClusterProps> = {}) {
  const setup = v2ClusterSetup(props);
  return { ...setup, role: iam.Role.fromRoleName(setup.stack, 'KarpenterNodeRole', 'KarpenterNodeRole-demo') };
}

type Setup = ReturnType<typeof v2Cluster>;

function pool(props: Partial<EfaKarpenterNodePoolProps> = {}, setup: Setup = v2Cluster(), id = 'Pool') {
  const p = new EfaKarpenterNodePool(setup.stack, id, { cluster: setup.efaCluster, instanceTypes: [P5], role: setup.role, ...props });
  return { ...setup, pool: p, template: Template.fromStack(setup.stack) };
}

/** A CloudFormation value inside the manifest, as a readable placeholder: `{{Ref:X}}`, `{{GetAtt:X.Attr}}`. */
function placeholder(value: Record<string, unknown>): string {
  if ('Ref' in value) return `{{Ref:${value.Ref}}}`;
  if ('Fn::GetAtt' in value) return `{{GetAtt:${(value['Fn::GetAtt'] as string[]).join('.')}}}`;
  return `{{${Object.keys(value)[0]}}}`;
}

/** A KubernetesResource's manifest, with its CloudFormation values as placeholders. */
function rendered(resource: { Properties: { Manifest: unknown } }): Array<Record<string, any>> {
  const manifest = resource.Properties.Manifest as string | { 'Fn::Join': [string, Array<string | Record<string, unknown>>] };
  const text = typeof manifest === 'string' ? manifest : manifest['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : placeholder(p))).join('');
  return JSON.parse(text) as Array<Record<string, any>>;
}

/** The Karpenter manifests (EC2NodeClass, NodePool) of the stack's one KubernetesResource that applies them. */
function manifests(template: Template): Array<Record<string, any>> {
  const resources = Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as Array<{ Properties: { Manifest: unknown } }>;
  const karpenter = resources.map(rendered).filter((docs) => docs.some((d) => d.kind === 'EC2NodeClass'));
  expect(karpenter).toHaveLength(1);
  return karpenter[0];
}

function nodeClassOf(template: Template): Record<string, any> {
  return manifests(template).find((d) => d.kind === 'EC2NodeClass')!;
}

function nodePoolOf(template: Template): Record<string, any> {
  return manifests(template).find((d) => d.kind === 'NodePool')!;
}

describe('EfaKarpenterNodePool EC2NodeClass', () => {
  test('matches the EKS User Guide\'s p6-b200 EC2NodeClass, with the rest of the spec filled in', () => {
    const { template } = pool({ instanceTypes: [P6_B200] });
    const nodeClass = nodeClassOf(template);
    expect(nodeClass.apiVersion).toBe('karpenter.k8s.aws/v1');
    expect(nodeClass.kind).toBe('EC2NodeClass');
    // The guide's example, entry by entry: 1 ENA interface and 8 efa-only interfaces.
    expect(nodeClass.spec.networkInterfaces).toEqual([
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' },
      { networkCardIndex: 0, deviceIndex: 1, interfaceType: 'efa-only' },
      ...[1, 2, 3, 4, 5, 6, 7].map((card) => ({ networkCardIndex: card, deviceIndex: 0, interfaceType: 'efa-only' })),
    ]);
    expect(nodeClass.spec).toEqual({
      role: 'KarpenterNodeRole-demo',
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ id: expect.stringMatching(/^\{\{GetAtt:PoolOfferingCheck[0-9A-F]+\.SubnetId\}\}$/) }],
      securityGroupSelectorTerms: [
        { id: expect.stringMatching(/^\{\{GetAtt:ClusterEfaSecurityGroup[0-9A-F]+\.GroupId\}\}$/) },
        { id: expect.stringMatching(/^\{\{GetAtt:Cluster[0-9A-F]+\.ClusterSecurityGroupId\}\}$/) },
      ],
      networkInterfaces: expect.any(Array),
      placementGroupSelector: { name: expect.stringMatching(/^\{\{GetAtt:PoolPlacementGroup[0-9A-F]+\.GroupName\}\}$/) },
      metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 2, httpTokens: 'required' },
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '100Gi', volumeType: 'gp3', encrypted: true } }],
    });
    template.hasResourceProperties('AWS::EC2::PlacementGroup', { Strategy: 'cluster' });
  });

  test('p5.48xlarge gets 33 interfaces: the ENA primary and 32 efa-only', () => {
    const { template, pool: p } = pool();
    const interfaces = nodeClassOf(template).spec.networkInterfaces as Array<{ interfaceType: string }>;
    expect(interfaces).toHaveLength(33);
    expect(interfaces.filter((i) => i.interfaceType === 'efa-only')).toHaveLength(32);
    expect(p.layout.summary.efaCount).toBe(32);
    expect(p.networkInterfaces).toEqual(interfaces);
  });

  test('efaCount and profile shape the interfaces, as on the node group', () => {
    const { template } = pool({ efaCount: 8, profile: LayoutProfile.enaOnCards([4]) });
    const interfaces = nodeClassOf(template).spec.networkInterfaces as Array<{ networkCardIndex: number; interfaceType: string }>;
    expect(interfaces.filter((i) => i.interfaceType === 'efa-only')).toHaveLength(8);
    expect(interfaces.filter((i) => i.interfaceType === 'interface').map((i) => i.networkCardIndex)).toEqual([0, 4]);
  });

  test('hpc6id.32xlarge with PrimaryInterface.ENA gets a layout Karpenter takes, with one EFA', () => {
    const { template } = pool({ instanceTypes: [new ec2.InstanceType('hpc6id.32xlarge')], primaryInterface: PrimaryInterface.ENA });
    expect(nodeClassOf(template).spec.networkInterfaces).toEqual([
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: 'interface' },
      { networkCardIndex: 1, deviceIndex: 0, interfaceType: 'efa-only' },
    ]);
  });

  test('the security groups are the cluster\'s shared EFA group and the cluster security group', () => {
    const { template, stack, efaCluster, cluster } = pool({ offeringCheck: false });
    const ids = (nodeClassOf(template).spec.securityGroupSelectorTerms as Array<{ id: string }>).map((t) => t.id);
    const efaSg = stack.resolve(efaCluster.sharedEfaSecurityGroup().securityGroupId);
    const clusterSg = stack.resolve(cluster.clusterSecurityGroupId);
    expect(ids).toEqual([placeholder(efaSg), placeholder(clusterSg)]);
  });

  test('uses an existing placement group by name, or none', () => {
    const setup = v2Cluster();
    const pg = ec2.PlacementGroup.fromPlacementGroupName(setup.stack, 'PG', 'my-group');
    const existing = pool({ placement: EfaPlacement.fromPlacementGroup(pg) }, setup);
    expect(nodeClassOf(existing.template).spec.placementGroupSelector).toEqual({ name: 'my-group' });
    expect(existing.pool.placementGroupName).toBe('my-group');
    existing.template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    const none = pool({ placement: EfaPlacement.none() });
    expect(nodeClassOf(none.template).spec.placementGroupSelector).toBeUndefined();
    expect(none.pool.placementGroupName).toBeUndefined();
  });

  test('a capacity reservation: selector term, capacity type reserved, no placement group, and the offering check reads it', () => {
    const { template, pool: p } = pool({ capacity: EfaCapacity.reservation('cr-0123456789abcdef0') });
    const nodeClass = nodeClassOf(template);
    expect(nodeClass.spec.capacityReservationSelectorTerms).toEqual([{ id: 'cr-0123456789abcdef0' }]);
    expect(nodeClass.spec.placementGroupSelector).toBeUndefined();
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    expect(nodePoolOf(template).spec.template.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['reserved'] });
    expect(p.capacityTypes).toEqual([KarpenterCapacityType.RESERVED]);
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', { CapacityReservationId: 'cr-0123456789abcdef0', InstanceTypes: ['p5.48xlarge'] });
  });

  test('reserved capacity can fall back to On-Demand', () => {
    const { template } = pool({ capacity: EfaCapacity.reservation('cr-0123456789abcdef0'), capacityTypes: [KarpenterCapacityType.RESERVED, KarpenterCapacityType.ON_DEMAND] });
    expect(nodePoolOf(template).spec.template.spec.requirements).toContainEqual({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['reserved', 'on-demand'] });
  });

  test('Bottlerocket keeps its OS volume and sizes the data volume', () => {
    const { template } = pool({ amiSelectorAlias: 'bottlerocket@latest', rootVolumeSizeGiB: 500 });
    const spec = nodeClassOf(template).spec;
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'bottlerocket@latest' }]);
    expect(spec.blockDeviceMappings).toEqual([
      { deviceName: '/dev/xvda', ebs: { volumeSize: '4Gi', volumeType: 'gp3', encrypted: true } },
      { deviceName: '/dev/xvdb', ebs: { volumeSize: '500Gi', volumeType: 'gp3', encrypted: true } },
    ]);
  });

  test('a pinned AL2023 alias and a root volume size', () => {
    const { template } = pool({ amiSelectorAlias: 'al2023@v20260101', rootVolumeSizeGiB: 300 });
    const spec = nodeClassOf(template).spec;
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20260101' }]);
    expect(spec.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', ebs: { volumeSize: '300Gi', volumeType: 'gp3', encrypted: true } }]);
  });
});

describe('EfaKarpenterNodePool NodePool', () => {
  test('restricts instance types, zone and capacity type, labels the nodes and refers to its node class', () => {
    const { template, pool: p } = pool({ instanceTypes: [P5, new ec2.InstanceType('p5e.48xlarge')] });
    const nodePool = nodePoolOf(template);
    expect(nodePool.apiVersion).toBe('karpenter.sh/v1');
    expect(nodePool.metadata.name).toBe(p.nodePoolName);
    expect(nodePool.spec.template.metadata.labels).toMatchObject({ 'cdk-efa.io/efa-supported': 'true', 'cdk-efa.io/efa-count': '32' });
    expect(nodePool.spec.template.spec).toEqual({
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: p.nodeClassName },
      requirements: [
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['p5.48xlarge', 'p5e.48xlarge'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: [expect.stringMatching(/^\{\{GetAtt:PoolOfferingCheck[0-9A-F]+\.AvailabilityZone\}\}$/)] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      ],
    });
    expect(nodePool.spec.limits).toBeUndefined();
  });

  test('names default to one unique to the construct path, and can be given', () => {
    const defaults = pool();
    expect(defaults.pool.nodeClassName).toMatch(/^stack-pool-[0-9a-f]{8}$/);
    expect(defaults.pool.nodePoolName).toBe(defaults.pool.nodeClassName);
    const named = pool({ nodeClassName: 'p5-efa', nodePoolName: 'p5-training' });
    expect(nodeClassOf(named.template).metadata.name).toBe('p5-efa');
    expect(nodePoolOf(named.template).metadata.name).toBe('p5-training');
    expect(nodePoolOf(named.template).spec.template.spec.nodeClassRef.name).toBe('p5-efa');
  });

  test('labels, taints in Kubernetes spelling, and limits', () => {
    const { template } = pool({
      labels: { 'team': 'ml', 'cdk-efa.io/efa-supported': 'false' },
      taints: [
        { key: 'nvidia.com/gpu', value: 'true', effect: eksv2.TaintEffect.NO_SCHEDULE },
        { key: 'efa', effect: eksv2.TaintEffect.NO_EXECUTE },
        { key: 'soft', effect: eksv2.TaintEffect.PREFER_NO_SCHEDULE },
      ],
      limits: { 'nvidia.com/gpu': '64', 'memory': '16Ti' },
    });
    const nodePool = nodePoolOf(template);
    // cdk-efa's label wins: the device plugin's DaemonSet selects by it.
    expect(nodePool.spec.template.metadata.labels).toMatchObject({ 'team': 'ml', 'cdk-efa.io/efa-supported': 'true' });
    expect(nodePool.spec.template.spec.taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
      { key: 'efa', effect: 'NoExecute' },
      { key: 'soft', effect: 'PreferNoSchedule' },
    ]);
    expect(nodePool.spec.limits).toEqual({ 'nvidia.com/gpu': '64', 'memory': '16Ti' });
  });

  test('without the offering check, the zone is the named subnet\'s and the subnet its ID', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
    const cluster = new eksv2.Cluster(stack, 'Cluster', {
      vpc, version: eksv2.KubernetesVersion.V1_34, defaultCapacityType: eksv2.DefaultCapacityType.NODEGROUP, defaultCapacity: 0, kubectlProviderOptions: { kubectlLayer: new KubectlV34Layer(stack, 'Kubectl') },
    });
    new EfaKarpenterNodePool(stack, 'Pool', {
      cluster: EfaCluster.fromClusterV2(cluster), instanceTypes: [P5], role: iam.Role.fromRoleName(stack, 'R', 'node'), availabilityZone: 'us-east-1b', offeringCheck: false,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::CdkEfaOfferingCheck', 0);
    expect(nodeClassOf(template).spec.subnetSelectorTerms).toEqual([{ id: placeholder(stack.resolve(vpc.privateSubnets[1].subnetId)) }]);
    expect(nodePoolOf(template).spec.template.spec.requirements).toContainEqual({ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1b'] });
  });

  test('a subnet imported without its zone leaves the zone to the subnet', () => {
    const setup = v2Cluster();
    const subnet = ec2.Subnet.fromSubnetId(setup.stack, 'Imported', 'subnet-0123456789abcdef0');
    const { template, stack } = pool({ subnet, offeringCheck: false }, setup);
    expect(nodeClassOf(template).spec.subnetSelectorTerms).toEqual([{ id: 'subnet-0123456789abcdef0' }]);
    expect(nodePoolOf(template).spec.template.spec.requirements.map((r: { key: string }) => r.key)).toEqual(['node.kubernetes.io/instance-type', 'karpenter.sh/capacity-type']);
    Annotations.fromStack(stack).hasWarning('/Stack/Pool', Match.stringLikeRegexp('cdk-efa:subnet-type-unknown'));
  });

  test('with an AZ ID the offering check chooses among all candidates', () => {
    const setup = v2Cluster();
    const { template } = pool({ availabilityZoneId: 'use1-az4' }, setup);
    template.hasResourceProperties('Custom::CdkEfaOfferingCheck', {
      SubnetIds: setup.vpc.privateSubnets.map((s) => setup.stack.resolve(s.subnetId)),
      AvailabilityZoneId: 'use1-az4',
    });
  });
});

describe('EfaKarpenterNodePool on aws-eks-v2 and aws-eks', () => {
  test('applies the manifests with each module\'s KubernetesManifest and installs the device plugin', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const v1 = eks.Cluster.fromClusterAttributes(stack, 'V1', { clusterName: 'v1', vpc, clusterSecurityGroupId: 'sg-v1', kubectlRoleArn: 'arn:aws:iam::111111111111:role/kubectl' });
    const v2 = new eksv2.Cluster(stack, 'V2', {
      clusterName: 'v2', vpc, version: eksv2.KubernetesVersion.V1_34, defaultCapacityType: eksv2.DefaultCapacityType.NODEGROUP, defaultCapacity: 0, kubectlProviderOptions: { kubectlLayer: new KubectlV34Layer(stack, 'Kubectl') },
    });
    const role = iam.Role.fromRoleName(stack, 'R', 'node');
    new EfaKarpenterNodePool(stack, 'OnV1', { cluster: EfaCluster.fromCluster(v1), instanceTypes: [P5], role });
    new EfaKarpenterNodePool(stack, 'OnV2', { cluster: EfaCluster.fromClusterV2(v2), instanceTypes: [P5], role });
    const template = Template.fromStack(stack);
    for (const clusterName of ['v1', stack.resolve(v2.clusterName)]) {
      template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', { ClusterName: clusterName, Manifest: Match.anyValue() });
      template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { ClusterName: clusterName, Chart: 'aws-efa-k8s-device-plugin' });
    }
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 2);
    const kinds = (Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as Array<{ Properties: { Manifest: unknown } }>)
      .map((r) => rendered(r).map((d) => `${d.apiVersion} ${d.kind}`));
    expect(kinds).toEqual([['karpenter.k8s.aws/v1 EC2NodeClass', 'karpenter.sh/v1 NodePool'], ['karpenter.k8s.aws/v1 EC2NodeClass', 'karpenter.sh/v1 NodePool']]);
  });

  test('installs the device plugin once per cluster, shared with node groups, selecting the labelled nodes', () => {
    const setup = v2Cluster({ version: eksv2.KubernetesVersion.V1_33 });
    new EfaKarpenterNodePool(setup.stack, 'A', { cluster: setup.efaCluster, instanceTypes: [P5], role: setup.role });
    new EfaKarpenterNodePool(setup.stack, 'B', { cluster: setup.efaCluster, instanceTypes: [P6_B200], role: setup.role });
    new EfaNodeGroup(setup.stack, 'Ng', { cluster: setup.efaCluster, instanceTypes: [P5] });
    const template = Template.fromStack(setup.stack);
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 1);
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'aws-efa-k8s-device-plugin',
      Values: Match.serializedJson(Match.objectLike({ supportedInstanceLabels: { keys: ['cdk-efa.io/efa-supported'], values: ['true'] } })),
    });
  });

  test('on Kubernetes 1.34, a node group added after a Karpenter pool follows its device plugin by default', () => {
    const setup = v2Cluster({ version: eksv2.KubernetesVersion.V1_34 });
    const p = new EfaKarpenterNodePool(setup.stack, 'Pool', { cluster: setup.efaCluster, instanceTypes: [P5], role: setup.role });
    const ng = new EfaNodeGroup(setup.stack, 'Ng', { cluster: setup.efaCluster, instanceTypes: [P5] });
    expect(p.kubernetesPlugin.name).toBe('device-plugin');
    expect(ng.kubernetesPlugin.name).toBe('device-plugin');
    const template = Template.fromStack(setup.stack);
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 1);
  });

  test('follows the device plugin version a node group installed', () => {
    const setup = v2Cluster({ version: eksv2.KubernetesVersion.V1_33 });
    new EfaNodeGroup(setup.stack, 'Ng', { cluster: setup.efaCluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.devicePlugin('v0.5.20') });
    const p = new EfaKarpenterNodePool(setup.stack, 'Pool', { cluster: setup.efaCluster, instanceTypes: [P5], role: setup.role });
    expect(p.kubernetesPlugin.chartVersion).toBe('v0.5.20');
  });

  test('installs nothing with EfaKubernetesPlugin.NONE', () => {
    const { template } = pool({ kubernetesPlugin: EfaKubernetesPlugin.NONE });
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 0);
  });
});

describe('EfaKarpenterNodePool errors', () => {
  test('fails without instance types', () => {
    expect(() => pool({ instanceTypes: [] })).toThrow(/EfaKarpenterNodePool Stack\/Pool: needs instanceTypes.*cdk-efa:no-instance-type/);
  });

  test('fails for instance types whose layouts differ, naming the differences', () => {
    expect(() => pool({ instanceTypes: [P5, P6_B200] }))
      .toThrow(/mixes instance types whose EFA layouts differ, but one EC2NodeClass serves them all: p6-b200\.48xlarge lacks \[8\/0 efa-only.*its own EfaKarpenterNodePool.*cdk-efa:mixed-layouts/);
  });

  test('fails for p4d mixed with other types', () => {
    expect(() => pool({ instanceTypes: [new ec2.InstanceType('p4d.24xlarge'), new ec2.InstanceType('p4de.24xlarge'), new ec2.InstanceType('trn1.32xlarge')] }))
      .toThrow(/cdk-efa:p4d-mixed/);
  });

  test('fails for hpc6id.32xlarge, whose layout needs an efa interface, naming the alternatives', () => {
    expect(() => pool({ instanceTypes: [new ec2.InstanceType('hpc6id.32xlarge')] }))
      .toThrow(/hpc6id\.32xlarge: .*EfaNodeGroup or an EfaLaunchTemplate.*PrimaryInterface\.ENA.*cdk-efa:karpenter-needs-efa-interface/);
    expect(() => pool({ primaryInterface: PrimaryInterface.EFA })).toThrow(/cdk-efa:karpenter-needs-efa-interface/);
  });

  test('fails for the DRA driver, which Karpenter does not support', () => {
    expect(() => pool({ kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER })).toThrow(/Karpenter supports only the EFA device plugin.*cdk-efa:karpenter-dra-driver/);
  });

  test('fails on a cluster whose node groups use the DRA driver, created first', () => {
    const setup = v2Cluster();
    new EfaNodeGroup(setup.stack, 'Ng', { cluster: setup.efaCluster, instanceTypes: [P5] });
    expect(() => pool({}, setup)).toThrow(/also gets the EFA DRA driver.*cdk-efa:karpenter-with-dra-driver/);
    // Even when the pool installs no plugin: the DRA driver would run on its nodes.
    expect(() => pool({ kubernetesPlugin: EfaKubernetesPlugin.NONE }, setup, 'Pool2')).toThrow(/cdk-efa:karpenter-with-dra-driver/);
  });

  test('fails when a node group on the DRA driver is added after the pool', () => {
    const setup = v2Cluster();
    new EfaKarpenterNodePool(setup.stack, 'Pool', { cluster: setup.efaCluster, instanceTypes: [P5], role: setup.role, kubernetesPlugin: EfaKubernetesPlugin.NONE });
    new EfaNodeGroup(setup.stack, 'Ng', { cluster: setup.efaCluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER });
    expect(() => setup.app.synth()).toThrow(/Stack\/Pool.*also gets the EFA DRA driver.*cdk-efa:karpenter-with-dra-driver/s);
  });

  test('fails when a node group asks for the DRA driver after the pool installed the device plugin', () => {
    const setup = v2Cluster();
    new EfaKarpenterNodePool(setup.stack, 'Pool', { cluster: setup.efaCluster, instanceTypes: [P5], role: setup.role });
    expect(() => new EfaNodeGroup(setup.stack, 'Ng', { cluster: setup.efaCluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER }))
      .toThrow(/from another EFA node group or Karpenter node pool.*must not run on one cluster.*cdk-efa:both-efa-plugins/);
  });

  test('fails for another device plugin version than the cluster gets', () => {
    const setup = v2Cluster();
    pool({}, setup);
    expect(() => pool({ kubernetesPlugin: EfaKubernetesPlugin.devicePlugin('v0.5.20') }, setup, 'Pool2'))
      .toThrow(/already gets it at version v0\.5\.30.*cdk-efa:plugin-chart-version-conflict/);
  });

  test.each<[string, Partial<EfaKarpenterNodePoolProps>, RegExp]>([
    ['an empty list', { capacityTypes: [] }, /an empty list, which matches no capacity/],
    ['RESERVED without a reservation', { capacityTypes: [KarpenterCapacityType.RESERVED] }, /RESERVED but no reservation as capacity/],
    ['a reservation without RESERVED', { capacity: EfaCapacity.reservation('cr-0123456789abcdef1'), capacityTypes: [KarpenterCapacityType.SPOT] }, /leave out RESERVED/],
    ['an unknown capacity type', { capacityTypes: ['ondemand' as KarpenterCapacityType] }, /'ondemand', not a KarpenterCapacityType/],
  ])('fails for capacity types: %s', (_name, props, message) => {
    expect(() => pool(props)).toThrow(message);
    expect(() => pool(props)).toThrow(/cdk-efa:karpenter-invalid-capacity-types/);
  });

  test('fails for a new cluster placement group with a capacity reservation', () => {
    expect(() => pool({ capacity: EfaCapacity.reservation('cr-0123456789abcdef1'), placement: EfaPlacement.cluster() })).toThrow(/cdk-efa:placement-group-with-reservation/);
  });

  test('fails for a root volume size that is not a whole number of GiB', () => {
    expect(() => pool({ rootVolumeSizeGiB: 0 })).toThrow(/cdk-efa:invalid-root-volume-size/);
  });

  test('fails for a subnet together with an Availability Zone', () => {
    const setup = v2Cluster();
    expect(() => pool({ subnet: setup.vpc.privateSubnets[0], availabilityZone: 'us-east-1a' }, setup)).toThrow(/cdk-efa:conflicting-subnet-options/);
  });

  test('fails for an AZ ID without the offering check', () => {
    expect(() => pool({ availabilityZoneId: 'use1-az4', offeringCheck: false })).toThrow(/cdk-efa:zone-id-needs-offering-check/);
  });

  test('fails for a public subnet', () => {
    const setup = v2Cluster();
    expect(() => pool({ subnet: setup.vpc.publicSubnets[0] }, setup)).toThrow(/cdk-efa:public-subnet/);
  });

  test.each([['Uppercase'], ['-leading'], ['under_score'], ['x'.repeat(64)]])('fails for the name %s', (name) => {
    expect(() => pool({ nodePoolName: name })).toThrow(/nodePoolName .*Kubernetes names.*cdk-efa:karpenter-invalid-name/);
    expect(() => pool({ nodeClassName: name })).toThrow(/nodeClassName .*cdk-efa:karpenter-invalid-name/);
  });

  test.each([['al2023'], ['al2@latest'], ['windows2022@latest'], ['al2023@'], ['AL2023@latest']])('fails for the AMI alias %s', (alias) => {
    expect(() => pool({ amiSelectorAlias: alias })).toThrow(/al2023 or bottlerocket.*cdk-efa:karpenter-invalid-ami-alias/);
  });

  test('fails for a taint without key or effect', () => {
    expect(() => pool({ labels: { 'kubernetes.io/role': 'gpu' } })).toThrow(/label 'kubernetes.io\/role'.*cdk-efa:invalid-node-label/);
    expect(() => pool({ taints: [{ effect: eksv2.TaintEffect.NO_SCHEDULE }] })).toThrow(/taint 1 .*it has no key.*cdk-efa:invalid-node-taint/);
    expect(() => pool({ taints: [{ key: 'k', effect: 'NoSchedule' as eksv2.TaintEffect }] })).toThrow(/its effect 'NoSchedule' is not a TaintEffect.*cdk-efa:invalid-node-taint/);
  });

  test.each([['lots'], ['16 Ti'], ['']])('fails for the limit %p', (value) => {
    expect(() => pool({ limits: { 'nvidia.com/gpu': value } })).toThrow(/not a Kubernetes quantity.*cdk-efa:karpenter-invalid-limit/);
  });

  test('fails on an aws-eks-v2 cluster without a kubectl provider', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = EfaCluster.fromClusterV2(eksv2.Cluster.fromClusterAttributes(stack, 'C', { clusterName: 'c', vpc, clusterSecurityGroupId: 'sg-1' }));
    const role = iam.Role.fromRoleName(stack, 'R', 'node');
    expect(() => new EfaKarpenterNodePool(stack, 'Pool', { cluster, instanceTypes: [P5], role, kubernetesPlugin: EfaKubernetesPlugin.NONE }))
      .toThrow(/cannot apply the Karpenter EC2NodeClass and NodePool of Stack\/Pool.*cdk-efa:no-kubectl-provider/);
  });

  test('fails with every problem of the props in one pass', () => {
    expect(() => pool({ nodePoolName: 'Bad', amiSelectorAlias: 'al2', capacityTypes: [], limits: { cpu: 'x' } }))
      .toThrow(/EfaKarpenterNodePool Stack\/Pool: 4 problems:/);
  });

  test('skips values that are tokens, and never prints one', () => {
    const setup = v2Cluster();
    const name = new CfnParameter(setup.stack, 'Name').valueAsString;
    const gpus = new CfnParameter(setup.stack, 'Gpus').valueAsString;
    const { template } = pool({ nodePoolName: name, limits: { 'nvidia.com/gpu': gpus } }, setup);
    expect(nodePoolOf(template).metadata.name).toBe('{{Ref:Name}}');
    expect(nodePoolOf(template).spec.limits).toEqual({ 'nvidia.com/gpu': '{{Ref:Gpus}}' });
    expect(() => pool({ capacity: EfaCapacity.reservation(new CfnParameter(setup.stack, 'Cr').valueAsString), capacityTypes: [KarpenterCapacityType.SPOT] }, setup, 'Pool2'))
      .toThrow(/capacity reservation an unresolved token but/);
  });
});

describe('EfaKarpenterNodePool warnings', () => {
  test('warns when a capacity reservation\'s zone goes unchecked', () => {
    const { stack } = pool({ capacity: EfaCapacity.reservation('cr-0123456789abcdef1'), offeringCheck: false });
    Annotations.fromStack(stack).hasWarning('/Stack/Pool', Match.stringLikeRegexp('capacity reservation .cr-0123456789abcdef1., which only serves.*cdk-efa:reservation-zone-unchecked'));
  });

  test('warns when it picks the first of several subnets', () => {
    const { stack } = pool({ offeringCheck: false });
    Annotations.fromStack(stack).hasWarning('/Stack/Pool', Match.stringLikeRegexp('first of 2.*cdk-efa:subnet-chosen'));
  });

  test('warns for a placement group that is not a cluster group', () => {
    const setup = v2Cluster();
    const pg = new ec2.PlacementGroup(setup.stack, 'Spread', { strategy: ec2.PlacementGroupStrategy.SPREAD });
    const { stack } = pool({ placement: EfaPlacement.fromPlacementGroup(pg) }, setup);
    Annotations.fromStack(stack).hasWarning('/Stack/Pool', Match.stringLikeRegexp('strategy .spread.*cdk-efa:placement-not-cluster'));
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot): a changed ID replaces the node class and pool', () => {
    const { template } = pool();
    const ids = logicalIds(template, startingWith('Pool', 'CdkEfa', 'ClusterEfa'));
    expect(ids).toMatchSnapshot();
  });
});
