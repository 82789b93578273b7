import { App } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { INSTANCE_TYPE, buildApp, importVpc } from './common';
import { LAUNCH_TEMPLATE_GROUP, efaSecurityRules, p5NetworkInterfaces } from './hand-written';

// The same resources as cdk-efa's launch-template app, built from the aws-cdk-lib L2 classes that cdk-efa's
// constructs extend (`SecurityGroup`, `LaunchTemplate`, `PlacementGroup`), with the EFA parts written by hand: the
// floor that any L2 subclass pays. Same construct paths, hence the same logical IDs and identical templates.

/** N × (`ec2.SecurityGroup` `Sg<i>` + `ec2.LaunchTemplate` `Lt<i>` with 32 EFA and its `ec2.PlacementGroup`). */
export function launchTemplateApp(outdir: string, groups: number): App {
  return buildApp(outdir, groups, importVpc, (stack, vpc, i) => {
    const securityGroup = new ec2.SecurityGroup(stack, `Sg${i}`, { vpc, description: LAUNCH_TEMPLATE_GROUP.description });
    const groupId = securityGroup.securityGroupId;
    efaSecurityRules(securityGroup, groupId);
    const template = new ec2.LaunchTemplate(stack, `Lt${i}`, {
      instanceType: new ec2.InstanceType(INSTANCE_TYPE),
      blockDevices: [{
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(100, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
      }],
      requireImdsv2: true,
      httpPutResponseHopLimit: 2,
    });
    const placementGroup = new ec2.PlacementGroup(template, 'PlacementGroup', { strategy: ec2.PlacementGroupStrategy.CLUSTER });
    const resource = template.node.defaultChild as ec2.CfnLaunchTemplate;
    resource.launchTemplateData = {
      ...resource.launchTemplateData as ec2.CfnLaunchTemplate.LaunchTemplateDataProperty,
      networkInterfaces: p5NetworkInterfaces('interface', [groupId], [groupId]),
      placement: { groupName: placementGroup.placementGroupName },
    };
  });
}
