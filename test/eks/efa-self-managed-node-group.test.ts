import { KubectlV34Layer } from '@aws-cdk/lambda-layer-kubectl-v34';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fc from 'fast-check';
import { v2Cluster as v2ClusterSetup } from './clusters';
import { EfaCluster, EfaKubernetesPlugin, EfaNodeGroup, EfaSelfManagedNodeGroupOptions, LayoutProfile } from '../../src';
import { logicalIds, onlyProperties, startingWith } from '../template-helpers';

const TRN2 = new ec2.InstanceType('trn2.48xlarge');
const P5 = new ec2.InstanceType('p5.48xlarge');

function v2Cluster(props: Partial<eksv2.ClusterProps> = {}) {
  return v2ClusterSetup({ serviceIpv4Cidr: '172.20.0.0/16', ...props });
}

function nodes(options: Partial<EfaSelfManagedNodeGroupOptions> = {}, setup = v2Cluster()) {
  const group = setup.efaCluster.addEfaAutoScalingGroup('Trn2', { instanceType: TRN2, subnet: setup.vpc.privateSubnets[0], ...options });
  return { ...setup, group, template: Template.fromStack(setup.stack) };
}

/** The one access entry for nodes (the kubectl provider's role has one of its own). */
function ec2LinuxEntry(template: Template): Record<string, any> {
  const entries = Object.values(template.findResources('AWS::EKS::AccessEntry', { Properties: { Type: 'EC2_LINUX' } }));
  expect(entries).toHaveLength(1);
  return entries[0].Properties;
}

/** The launch template's user data, as the text the instance receives, with CloudFormation references as `<Ref>`. */
function userDataText(template: Template): string {
  const data = onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData;
  const parts: unknown[] = data.UserData['Fn::Base64']['Fn::Join'][1];
  return parts.map((p) => typeof p === 'string' ? p : `<${JSON.stringify(p)}>`).join('');
}

describe('EfaCluster.addEfaAutoScalingGroup (self-managed nodes)', () => {
  test('joins the cluster with a nodeadm NodeConfig: name, endpoint, certificate authority, service CIDR and the cdk-efa labels', () => {
    const { template, group } = nodes({ labels: { team: 'ml' } });
    expect(userDataText(template)).toBe([
      'Content-Type: multipart/mixed; boundary="+AWS+CDK+User+Data+Separator=="',
      'MIME-Version: 1.0',
      '',
      '--+AWS+CDK+User+Data+Separator==',
      'Content-Type: application/node.eks.aws',
      '',
      '---',
      'apiVersion: node.eks.aws/v1alpha1',
      'kind: NodeConfig',
      'spec:',
      '  cluster:',
      '    name: "<{"Ref":"ClusterEB0386A7"}>"',
      '    apiServerEndpoint: "<{"Fn::GetAtt":["ClusterEB0386A7","Endpoint"]}>"',
      '    certificateAuthority: "<{"Fn::GetAtt":["ClusterEB0386A7","CertificateAuthorityData"]}>"',
      '    cidr: "172.20.0.0/16"',
      '  kubelet:',
      '    flags:',
      '      - "--node-labels=team=ml,cdk-efa.io/efa-supported=true,cdk-efa.io/efa-count=16"',
      '',
      '--+AWS+CDK+User+Data+Separator==--',
      '',
    ].join('\n'));
    expect(group.layout.summary.efaCount).toBe(16);
  });

  test('boots the EKS-optimized AL2023 AMI for the cluster\'s version and the type\'s accelerators', () => {
    const { template } = nodes();
    const parameters = Object.values(template.toJSON().Parameters as Record<string, { Type: string; Default: string }>);
    expect(parameters).toContainEqual({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/neuron/recommended/image_id',
    });
  });

  test.each<[string, string]>([
    ['p5.48xlarge', 'x86_64/nvidia'],
    ['p6e-gb200.36xlarge', 'arm64/nvidia'],
    ['trn2.48xlarge', 'x86_64/neuron'],
    ['hpc7a.96xlarge', 'x86_64/standard'],
    ['hpc7g.16xlarge', 'arm64/standard'],
  ])('chooses the AMI variant of %s: %s', (type, variant) => {
    const { template } = nodes({ instanceType: new ec2.InstanceType(type) });
    const defaults = Object.values(template.toJSON().Parameters as Record<string, { Default: string }>).map((p) => p.Default);
    expect(defaults).toContain(`/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/${variant}/recommended/image_id`);
  });

  test('registers the node role with an EC2_LINUX access entry, before the group, and gives it the worker node policies', () => {
    const { template, stack, group } = nodes();
    const entry = ec2LinuxEntry(template);
    expect(entry).toEqual({
      ClusterName: { Ref: 'ClusterEB0386A7' },
      PrincipalArn: stack.resolve(group.role.roleArn),
      Type: 'EC2_LINUX',
      AccessPolicies: [],
    });
    const [entryId] = Object.keys(template.findResources('AWS::EKS::AccessEntry', { Properties: { Type: 'EC2_LINUX' } }));
    const [groupResource] = Object.values(template.findResources('AWS::AutoScaling::AutoScalingGroup'));
    expect(groupResource.DependsOn).toContain(entryId);
    const role = template.findResources('AWS::IAM::Role', { Properties: { Description: 'cdk-efa: EFA Auto Scaling group instances' } });
    const policies = Object.values(role)[0].Properties.ManagedPolicyArns.map((a: any) => a['Fn::Join'][1][2]);
    expect(policies).toEqual([':iam::aws:policy/AmazonEKSWorkerNodePolicy', ':iam::aws:policy/AmazonEKS_CNI_Policy', ':iam::aws:policy/AmazonEC2ContainerRegistryReadOnly']);
  });

  test('a node role of your own gets no policies from cdk-efa, and is the one registered', () => {
    const setup = v2Cluster();
    const role = new iam.Role(setup.stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const { template, stack } = nodes({ role }, setup);
    expect(ec2LinuxEntry(template).PrincipalArn).toEqual(stack.resolve(role.roleArn));
    expect(Object.values(template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } }))
      .filter((r) => JSON.stringify(r).includes('AmazonEKSWorkerNodePolicy'))).toHaveLength(0);
  });

  test('uses the cluster\'s shared EFA security group and the cluster security group; efa-only interfaces only the EFA group', () => {
    const { template, stack, cluster, efaCluster, group } = nodes();
    const efaSg = stack.resolve(efaCluster.sharedEfaSecurityGroup().securityGroupId);
    const clusterSg = stack.resolve(cluster.clusterSecurityGroupId);
    const data = onlyProperties(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData;
    for (const iface of data.NetworkInterfaces) {
      expect(iface.Groups).toEqual(iface.InterfaceType === 'efa-only' ? [efaSg] : [efaSg, clusterSg]);
    }
    expect(group.connections.securityGroups.map((g) => stack.resolve(g.securityGroupId))).toEqual([efaSg, clusterSg]);
  });

  test('shares the EFA security group and the DRA driver with the cluster\'s managed node groups', () => {
    const setup = v2Cluster();
    new EfaNodeGroup(setup.stack, 'Managed', { cluster: setup.efaCluster, instanceTypes: [TRN2], subnet: setup.vpc.privateSubnets[0] });
    const { template } = nodes({}, setup);
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 1);
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-dranet' });
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 1);
  });

  test('installs the DRA driver once per cluster on Kubernetes 1.34, selected by the cdk-efa label', () => {
    const setup = v2Cluster();
    setup.efaCluster.addEfaAutoScalingGroup('A', { instanceType: TRN2, subnet: setup.vpc.privateSubnets[0] });
    const { template } = nodes({}, setup);
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 1);
    const chart = onlyProperties(template, 'Custom::AWSCDK-EKS-HelmChart');
    expect(chart.Chart).toBe('aws-dranet');
    expect(JSON.parse(chart.Values).supportedInstanceLabels).toEqual({ keys: ['cdk-efa.io/efa-supported'], values: ['true'] });
  });

  test('installs the device plugin below Kubernetes 1.34, and fails when the DRA driver is asked for there', () => {
    const { template } = nodes({}, v2Cluster({ version: eksv2.KubernetesVersion.V1_33 }));
    onlyProperties(template, 'Custom::AWSCDK-EKS-HelmChart');
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-efa-k8s-device-plugin' });
    expect(() => nodes({ kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER }, v2Cluster({ version: eksv2.KubernetesVersion.V1_33 })))
      .toThrow(/Kubernetes 1.33 and the driver needs 1.34 or later.*cdk-efa:dra-needs-1-34/);
  });

  test('fails when a managed node group already gets the other plugin', () => {
    const setup = v2Cluster();
    new EfaNodeGroup(setup.stack, 'Managed', { cluster: setup.efaCluster, instanceTypes: [P5], kubernetesPlugin: EfaKubernetesPlugin.DEVICE_PLUGIN });
    expect(() => nodes({ kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER }, setup)).toThrow(/cdk-efa:both-efa-plugins/);
  });

  test('tags the group and its instances as the cluster\'s, and launches in the offering check\'s subnet', () => {
    const { template } = nodes();
    const group = onlyProperties(template, 'AWS::AutoScaling::AutoScalingGroup');
    expect(group.Tags).toEqual([{ Key: { 'Fn::Join': ['', ['kubernetes.io/cluster/', { Ref: 'ClusterEB0386A7' }]] }, Value: 'owned', PropagateAtLaunch: true }]);
    expect(group.VPCZoneIdentifier).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^ClusterTrn2OfferingCheck/), 'SubnetId'] }]);
  });

  test('passes taints, max-pods and your own user data (as another MIME part)', () => {
    const userData = ec2.UserData.forLinux();
    userData.addCommands('echo extra');
    const { template } = nodes({
      taints: [{ key: 'aws.amazon.com/neuron', value: 'true', effect: eksv2.TaintEffect.NO_SCHEDULE }, { key: 'dedicated', effect: eksv2.TaintEffect.NO_EXECUTE }],
      maxPods: 90,
      userData,
    });
    const text = userDataText(template);
    expect(text).toContain('  kubelet:\n    config:\n      maxPods: 90\n    flags:\n');
    expect(text).toContain('      - "--register-with-taints=aws.amazon.com/neuron=true:NoSchedule,dedicated=:NoExecute"\n');
    expect(text).toContain('--+AWS+CDK+User+Data+Separator==\nContent-Type: text/x-shellscript; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n<{"Fn::Base64":"#!/bin/bash\\necho extra"}>\n');
  });

  test('reads the IPv6 service CIDR of an IPv6 cluster, and takes serviceCidr', () => {
    const ipv6 = nodes({}, v2Cluster({ serviceIpv4Cidr: undefined, ipFamily: eksv2.IpFamily.IP_V6 }));
    expect(userDataText(ipv6.template)).toContain('    cidr: "<{"Fn::GetAtt":["ClusterEB0386A7","KubernetesNetworkConfig.ServiceIpv6Cidr"]}>"\n');
    const given = nodes({ serviceCidr: '10.100.0.0/16' }, v2Cluster({ serviceIpv4Cidr: undefined }));
    expect(userDataText(given.template)).toContain('    cidr: "10.100.0.0/16"\n');
  });

  test('warns when the layout leaves the VPC CNI too few pod addresses for max-pods', () => {
    const { stack } = nodes({ instanceType: P5, maxPods: 110 });
    Annotations.fromStack(stack).hasWarning('/Stack/Cluster/Trn2', Match.stringLikeRegexp('max-pods 110.*cdk-efa:pod-ip-shortfall'));
  });

  test('chooses the efa primary on p5 so that the VPC CNI has the default max-pods\' addresses', () => {
    const { group, stack } = nodes({ instanceType: P5 });
    expect(group.layout.interfaces[0].interfaceType).toBe('efa');
    expect(group.layout.summary.efaCount).toBe(32);
    Annotations.fromStack(stack).hasNoWarning('/Stack/Cluster/Trn2', Match.stringLikeRegexp('pod-ip-shortfall'));
  });

  test('warns that ENAs beyond network card 0 give pods nothing without the CNI\'s multi-NIC mode', () => {
    const { stack } = nodes({ instanceType: P5, profile: LayoutProfile.MAX_BANDWIDTH });
    Annotations.fromStack(stack).hasWarning('/Stack/Cluster/Trn2', Match.stringLikeRegexp('ENABLE_MULTI_NIC.*cdk-efa:ena-needs-multi-nic'));
  });

  test('warns when maxCapacity nodes and their pods would exhaust the subnet', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }, { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 26 }] });
    const cluster = eksv2.Cluster.fromClusterAttributes(stack, 'C', {
      clusterName: 'c', vpc, clusterSecurityGroupId: 'sg-1', clusterEndpoint: 'https://example.com', clusterCertificateAuthorityData: 'Y2E=',
    });
    EfaCluster.fromClusterV2(cluster).addEfaAutoScalingGroup('Nodes', {
      instanceType: P5,
      subnet: vpc.privateSubnets[0],
      offeringCheck: false,
      maxCapacity: 2,
      serviceCidr: '10.100.0.0/16',
      machineImage: ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' }),
      kubernetesPlugin: EfaKubernetesPlugin.NONE,
    });
    Annotations.fromStack(stack).hasWarning('/Stack/C/Nodes', Match.stringLikeRegexp('the rest for pods.*cdk-efa:subnet-ip-budget'));
  });
});

describe('self-managed nodes on aws-eks (v1) and imported clusters', () => {
  function v1Cluster(authenticationMode?: eks.AuthenticationMode) {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new eks.Cluster(stack, 'Cluster', {
      vpc, version: eks.KubernetesVersion.V1_33, defaultCapacity: 0, kubectlLayer: new KubectlV34Layer(stack, 'Kubectl'), authenticationMode,
    });
    return { stack, vpc, efaCluster: EfaCluster.fromCluster(cluster) };
  }
  const image = ec2.MachineImage.fromSsmParameter('/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/neuron/recommended/image_id');

  test('maps the node role in aws-auth on a CONFIG_MAP cluster', () => {
    const { stack, vpc, efaCluster } = v1Cluster();
    efaCluster.addEfaAutoScalingGroup('Trn2', { instanceType: TRN2, subnet: vpc.privateSubnets[0], machineImage: image, serviceCidr: '172.20.0.0/16' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EKS::AccessEntry', 0);
    const awsAuth = JSON.stringify(Object.values(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .find((r) => JSON.stringify(r).includes('aws-auth')));
    expect(awsAuth).toMatch(/system:node:\{\{EC2PrivateDNSName\}\}.*system:bootstrappers.*system:nodes/);
    expect(awsAuth).toContain('ClusterTrn2InstanceRole');
  });

  test('creates an access entry on an API cluster', () => {
    const { stack, vpc, efaCluster } = v1Cluster(eks.AuthenticationMode.API_AND_CONFIG_MAP);
    efaCluster.addEfaAutoScalingGroup('Trn2', { instanceType: TRN2, subnet: vpc.privateSubnets[0], machineImage: image, serviceCidr: '172.20.0.0/16' });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::AccessEntry', { Type: 'EC2_LINUX' });
  });

  test('fails without machineImage: the Kubernetes version of an aws-eks cluster is unknown', () => {
    const { vpc, efaCluster } = v1Cluster();
    expect(() => efaCluster.addEfaAutoScalingGroup('Trn2', { instanceType: TRN2, subnet: vpc.privateSubnets[0], serviceCidr: '172.20.0.0/16' }))
      .toThrow(/optimized-ami\/<version>\/amazon-linux-2023\/x86_64\/neuron\/recommended\/image_id.*cdk-efa:kubernetes-version-unknown/);
  });

  test('fails without serviceCidr when the cluster\'s service CIDR cannot be read', () => {
    const { vpc, efaCluster } = v1Cluster();
    expect(() => efaCluster.addEfaAutoScalingGroup('Trn2', { instanceType: TRN2, subnet: vpc.privateSubnets[0], machineImage: image }))
      .toThrow(/service CIDR is not known at synth time.*pass serviceCidr.*cdk-efa:service-cidr-unknown/);
    expect(() => nodes({}, v2Cluster({ serviceIpv4Cidr: undefined }))).toThrow(/cdk-efa:service-cidr-unknown/);
  });

  test('warns on an imported aws-eks cluster, whose authentication mode is unknown', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const imported = eks.Cluster.fromClusterAttributes(stack, 'V1', {
      clusterName: 'v1',
      vpc,
      clusterSecurityGroupId: 'sg-v1',
      kubectlRoleArn: 'arn:aws:iam::111111111111:role/kubectl',
      clusterEndpoint: 'https://example.com',
      clusterCertificateAuthorityData: 'Y2E=',
    });
    EfaCluster.fromCluster(imported).addEfaAutoScalingGroup('Trn2', { instanceType: TRN2, subnet: vpc.privateSubnets[0], machineImage: image, serviceCidr: '172.20.0.0/16' });
    Template.fromStack(stack).resourceCountIs('AWS::EKS::AccessEntry', 0);
    Annotations.fromStack(stack).hasWarning('/Stack/V1/Trn2', Match.stringLikeRegexp('access entry of type EC2_LINUX.*cdk-efa:node-role-not-registered'));
  });

  test('fails on an imported cluster without its endpoint and certificate authority', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const imported = eksv2.Cluster.fromClusterAttributes(stack, 'C', { clusterName: 'c', vpc, clusterSecurityGroupId: 'sg-1' });
    expect(() => EfaCluster.fromClusterV2(imported).addEfaAutoScalingGroup('Trn2', {
      instanceType: TRN2, subnet: vpc.privateSubnets[0], machineImage: image, serviceCidr: '172.20.0.0/16', kubernetesPlugin: EfaKubernetesPlugin.NONE,
    })).toThrow(/endpoint or certificate authority is not known.*cdk-efa:cluster-endpoint-unknown/);
  });
});

describe('self-managed node errors', () => {
  test.each<[string, Partial<EfaSelfManagedNodeGroupOptions>, RegExp]>([
    ['a label key is not a qualified name', { labels: { 'bad key': 'x' } }, /has label 'bad key', but its name is not 1 to 63.*cdk-efa:invalid-node-label/],
    ['a label prefix is not a DNS subdomain', { labels: { 'Example.COM/team': 'x' } }, /its prefix is not a DNS subdomain.*cdk-efa:invalid-node-label/],
    ['a label value has a comma', { labels: { team: 'a,b' } }, /its value 'a,b' is not at most 63.*cdk-efa:invalid-node-label/],
    ['a label is in the kubelet\'s restricted namespaces', { labels: { 'node-role.kubernetes.io/gpu': 'true' } }, /the kubelet refuses --node-labels in the kubernetes.io.*cdk-efa:invalid-node-label/],
    ['a taint has no key', { taints: [{ effect: eksv2.TaintEffect.NO_SCHEDULE }] }, /has taint 1 .* but it has no key.*cdk-efa:invalid-node-taint/],
    ['a taint has no effect', { taints: [{ key: 'gpu' }] }, /its effect missing is not a TaintEffect.*cdk-efa:invalid-node-taint/],
    ['a taint value is not a label value', { taints: [{ key: 'gpu', value: 'a b', effect: eksv2.TaintEffect.NO_SCHEDULE }] }, /its value 'a b' is not a Kubernetes label value.*cdk-efa:invalid-node-taint/],
    ['types need different EKS-optimized AMIs', {
      instanceType: undefined, instanceTypes: [new ec2.InstanceType('c5n.18xlarge'), new ec2.InstanceType('g5.8xlarge')],
    }, /c5n.18xlarge needs AL2023_x86_64_STANDARD, g5.8xlarge needs AL2023_x86_64_NVIDIA.*cdk-efa:mixed-ami-types/],
  ])('fails when %s', (_, options, message) => {
    expect(() => nodes(options)).toThrow(message);
  });

  test('takes labels of the kubelet\'s own namespaces', () => {
    const { template } = nodes({ labels: { 'node.kubernetes.io/pool': 'trn2', 'topology.kubernetes.io/zone': 'us-east-1a' } });
    expect(userDataText(template)).toContain('--node-labels=node.kubernetes.io/pool=trn2,topology.kubernetes.io/zone=us-east-1a,cdk-efa.io/efa-supported=true');
  });

  test('fails once, listing the Auto Scaling group\'s problems with the EKS ones', () => {
    expect(() => nodes({ minCapacity: -1, labels: { 'bad key': 'x' }, taints: [{ key: 'gpu' }] }, v2Cluster({ serviceIpv4Cidr: undefined })))
      .toThrow(/EfaAutoScalingGroup Stack\/Cluster\/Trn2: 4 problems:\n.*invalid-scaling.*\n.*invalid-node-label.*\n.*invalid-node-taint.*\n.*service-cidr-unknown/);
  });
});

describe('self-managed node labels (property)', () => {
  test('every valid label reaches --node-labels, and cdk-efa\'s labels win', () => {
    const setup = v2Cluster();
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
    let reached = 0;
    fc.assert(fc.property(
      fc.dictionary(fc.oneof(name, fc.constant('cdk-efa.io/efa-count'), name.map((n) => `example.com/${n}`)), name, { minKeys: 1, maxKeys: 4 }),
      (labels) => {
        reached++;
        const group = setup.efaCluster.addEfaAutoScalingGroup(`G${reached}`, { instanceType: TRN2, subnet: setup.vpc.privateSubnets[0], labels, offeringCheck: false });
        // The user data as rendered, without synthesizing the app (which would freeze the construct tree).
        const text = group.launchTemplate.userData!.render();
        const flag = /"--node-labels=([^"]*)"/.exec(text)![1].split(',');
        const expected = { ...labels, 'cdk-efa.io/efa-supported': 'true', 'cdk-efa.io/efa-count': '16' };
        expect(Object.fromEntries(flag.map((kv) => kv.split('=')))).toEqual(expected);
        expect(group.layout.summary.efaCount).toBe(16);
      },
    ), { numRuns: 15 });
    expect(reached).toBeGreaterThanOrEqual(15);
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot): a changed ID replaces the group or its access entry', () => {
    const { template } = nodes();
    const ids = logicalIds(template, startingWith('ClusterTrn2', 'ClusterEfa'));
    expect(ids).toMatchSnapshot();
  });
});
