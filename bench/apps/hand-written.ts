import { App, Aws, CfnTag, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IMPORTED, INSTANCE_TYPE, buildApp } from './common';

// The same resources as cdk-efa's apps, written as L1 constructs. Plain `Construct` scopes give them the same
// construct paths, hence the same logical IDs, so the two apps' templates can be compared for equality.

/** p5.48xlarge has 32 network cards, each of which can carry one EFA. */
const P5_NETWORK_CARDS = 32;

interface SecurityGroupRefs {
  readonly groupId: string;
}

/** A security group's description and tags. */
interface SecurityGroupOptions {
  readonly description: string;
  readonly tags?: CfnTag[];
}

/** `EfaSecurityGroup`'s description of a group made for launch templates. */
export const LAUNCH_TEMPLATE_GROUP: SecurityGroupOptions = { description: 'EFA: all traffic to and from members of this group' };

/** `CfnSecurityGroup` plus its self ingress and self egress rules, under `scope` (as `Resource`, `EfaSelfIngress`, …). */
function efaSecurityGroup(scope: Construct, options: SecurityGroupOptions): SecurityGroupRefs {
  const group = new ec2.CfnSecurityGroup(scope, 'Resource', {
    groupDescription: options.description,
    vpcId: IMPORTED.vpcId,
    securityGroupEgress: [{ cidrIp: '0.0.0.0/0', description: 'Allow all outbound traffic by default', ipProtocol: '-1' }],
    tags: options.tags,
  });
  const groupId = group.attrGroupId;
  efaSecurityRules(scope, groupId);
  return { groupId };
}

/** The EFA self ingress and self egress rules of group `groupId`, under `scope` (`EfaSelfIngress`, `EfaSelfEgress`). */
export function efaSecurityRules(scope: Construct, groupId: string): void {
  new ec2.CfnSecurityGroupIngress(scope, 'EfaSelfIngress', {
    groupId,
    sourceSecurityGroupId: groupId,
    ipProtocol: '-1',
    description: 'EFA: all traffic from members of this security group',
  });
  new ec2.CfnSecurityGroupEgress(scope, 'EfaSelfEgress', {
    groupId,
    destinationSecurityGroupId: groupId,
    ipProtocol: '-1',
    description: 'EFA: all traffic to members of this security group',
  });
}

/**
 * The p5.48xlarge layouts, every interface with its security groups: for launch templates, an ENA primary at 0/0 and
 * efa-only at 0/1 and at device 0 of cards 1–31; for EKS node groups, an efa primary at 0/0 and efa-only at device 0
 * of cards 1–31.
 */
export function p5NetworkInterfaces(primary: 'interface' | 'efa', ipGroups: string[], efaOnlyGroups: string[]): ec2.CfnLaunchTemplate.NetworkInterfaceProperty[] {
  const efaOnly = (networkCardIndex: number, deviceIndex: number) => ({
    networkCardIndex, deviceIndex, interfaceType: 'efa-only', groups: efaOnlyGroups, deleteOnTermination: true,
  });
  const interfaces: ec2.CfnLaunchTemplate.NetworkInterfaceProperty[] = [
    { networkCardIndex: 0, deviceIndex: 0, interfaceType: primary, groups: ipGroups, deleteOnTermination: true },
  ];
  if (primary === 'interface') {
    interfaces.push(efaOnly(0, 1));
  }
  for (let card = 1; card < P5_NETWORK_CARDS; card++) {
    interfaces.push(efaOnly(card, 0));
  }
  return interfaces;
}

/** `CfnLaunchTemplate` (`Resource`) and its `CfnPlacementGroup` (`PlacementGroup/Resource`) under `scope`. */
function launchTemplate(scope: Construct, interfaces: ec2.CfnLaunchTemplate.NetworkInterfaceProperty[]): ec2.CfnLaunchTemplate {
  const nameTag = [{ key: 'Name', value: scope.node.path }];
  const placementGroup = new ec2.CfnPlacementGroup(new Construct(scope, 'PlacementGroup'), 'Resource', { strategy: 'cluster', tags: nameTag });
  return new ec2.CfnLaunchTemplate(scope, 'Resource', {
    launchTemplateData: {
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: true, volumeSize: 100, volumeType: 'gp3' } }],
      instanceType: INSTANCE_TYPE,
      metadataOptions: { httpPutResponseHopLimit: 2, httpTokens: 'required' },
      networkInterfaces: interfaces,
      placement: { groupName: placementGroup.attrGroupName },
      tagSpecifications: [{ resourceType: 'instance', tags: nameTag }, { resourceType: 'volume', tags: nameTag }],
    },
    tagSpecifications: [{ resourceType: 'launch-template', tags: nameTag }],
  });
}

/** N × (security group `Sg<i>` + launch template `Lt<i>` with placement group), as L1 constructs. */
export function launchTemplateApp(outdir: string, groups: number): App {
  return buildApp(outdir, groups, () => undefined, (stack, _context, i) => {
    const { groupId } = efaSecurityGroup(new Construct(stack, `Sg${i}`), LAUNCH_TEMPLATE_GROUP);
    launchTemplate(new Construct(stack, `Lt${i}`), p5NetworkInterfaces('interface', [groupId], [groupId]));
  });
}

function managedPolicyArn(name: string): string {
  return Fn.join('', ['arn:', Aws.PARTITION, `:iam::aws:policy/${name}`]);
}

/** The node role (`NodeGroupRole/Resource`) and `CfnNodegroup` (`Resource`) under `scope`. */
function nodegroup(scope: Construct, template: ec2.CfnLaunchTemplate): void {
  const role = new iam.CfnRole(new Construct(scope, 'NodeGroupRole'), 'Resource', {
    assumeRolePolicyDocument: {
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } }],
      Version: '2012-10-17',
    },
    managedPolicyArns: ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'].map(managedPolicyArn),
  });
  new eks.CfnNodegroup(scope, 'Resource', {
    amiType: 'AL2023_x86_64_NVIDIA',
    capacityType: 'ON_DEMAND',
    clusterName: IMPORTED.clusterName,
    forceUpdateEnabled: true,
    labels: { 'cdk-efa.io/efa-supported': 'true', 'cdk-efa.io/efa-count': String(P5_NETWORK_CARDS) },
    launchTemplate: { id: template.ref, version: template.attrLatestVersionNumber },
    nodeRole: role.attrArn,
    scalingConfig: { desiredSize: 2, maxSize: 2, minSize: 2 },
    subnets: [IMPORTED.subnetId],
  });
}

/**
 * N × node group `Ng<i>`: launch template, placement group, node role and `CfnNodegroup`; and once per stack the
 * cluster's EFA security group (`Cluster/EfaSecurityGroup`), which all node groups of a cluster share.
 */
export function nodeGroupApp(outdir: string, groups: number): App {
  const clusterGroup = (stack: Stack) => efaSecurityGroup(new Construct(new Construct(stack, 'Cluster'), 'EfaSecurityGroup'), {
    description: 'EFA: all traffic between the EFA node groups of one EKS cluster',
  });
  return buildApp(outdir, groups, clusterGroup, (stack: Stack, { groupId }, i) => {
    const group = new Construct(stack, `Ng${i}`);
    const templateScope = new Construct(group, 'LaunchTemplate');
    const template = launchTemplate(templateScope, p5NetworkInterfaces('efa', [groupId, IMPORTED.clusterSecurityGroupId], [groupId]));
    nodegroup(new Construct(group, 'NodeGroup'), template);
  });
}
