import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { EfaPlacement } from '../../src';

describe('EfaPlacement', () => {
  test('cluster() creates a cluster placement group named PlacementGroup', () => {
    const stack = new Stack(new App(), 'Stack');
    const scope = new Construct(stack, 'Scope');
    const group = EfaPlacement.cluster()._bind(scope);
    expect(group?.node.id).toBe('PlacementGroup');
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::PlacementGroup', { Strategy: 'cluster' });
  });

  test('fromPlacementGroup() uses the group and creates none', () => {
    const stack = new Stack(new App(), 'Stack');
    const existing = ec2.PlacementGroup.fromPlacementGroupName(stack, 'Existing', 'my-group');
    expect(EfaPlacement.fromPlacementGroup(existing)._bind(stack)).toBe(existing);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::PlacementGroup', 0);
  });

  test('none() uses no group', () => {
    const stack = new Stack(new App(), 'Stack');
    expect(EfaPlacement.none()._bind(stack)).toBeUndefined();
  });

  test('a group made by cluster() is named by its GroupName attribute, without the L2 getter', () => {
    const stack = new Stack(new App(), 'Stack');
    const group = EfaPlacement.cluster()._bind(new Construct(stack, 'Scope'))!;
    const getter = jest.spyOn(ec2.PlacementGroup.prototype, 'placementGroupName', 'get');
    try {
      const name = EfaPlacement._nameOf(group);
      expect(getter).not.toHaveBeenCalled();
      expect(name).toBe((group.node.defaultChild as ec2.CfnPlacementGroup).attrGroupName);
      // The same CloudFormation as the L2 getter's.
      getter.mockRestore();
      expect(stack.resolve(name)).toEqual(stack.resolve(group.placementGroupName));
      expect(stack.resolve(name)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ScopePlacementGroup/), 'GroupName'] });
    } finally {
      getter.mockRestore();
    }
  });

  test('any other group is named by its own placementGroupName; no group has no name', () => {
    const stack = new Stack(new App(), 'Stack');
    const existing = ec2.PlacementGroup.fromPlacementGroupName(stack, 'Existing', 'my-group');
    const made = new ec2.PlacementGroup(stack, 'Made', { strategy: ec2.PlacementGroupStrategy.CLUSTER });
    expect(EfaPlacement._nameOf(existing)).toBe('my-group');
    expect(EfaPlacement._nameOf(made)).toBe(made.placementGroupName);
    expect(EfaPlacement._nameOf(undefined)).toBeUndefined();
  });

  test('warns when an existing group is not a cluster group', () => {
    const stack = new Stack(new App(), 'Stack');
    const spread = new ec2.PlacementGroup(stack, 'Spread', { strategy: ec2.PlacementGroupStrategy.SPREAD });
    EfaPlacement.fromPlacementGroup(spread)._bind(stack);
    Annotations.fromStack(stack).hasWarning('/Stack', Match.stringLikeRegexp("strategy 'spread'.*cdk-efa:placement-not-cluster"));
  });
});
