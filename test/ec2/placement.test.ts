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

  test('warns when an existing group is not a cluster group', () => {
    const stack = new Stack(new App(), 'Stack');
    const spread = new ec2.PlacementGroup(stack, 'Spread', { strategy: ec2.PlacementGroupStrategy.SPREAD });
    EfaPlacement.fromPlacementGroup(spread)._bind(stack);
    Annotations.fromStack(stack).hasWarning('/Stack', Match.stringLikeRegexp("strategy 'spread'.*cdk-efa:placement-not-cluster"));
  });
});
