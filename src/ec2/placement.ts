import { Annotations } from 'aws-cdk-lib';
import { CfnPlacementGroup, IPlacementGroup, PlacementGroup, PlacementGroupStrategy } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

/**
 * The `GroupName` attribute of each placement group made by `EfaPlacement.cluster()`. The group is a child of the
 * construct that uses it, so the L1 attribute is the same token that the L2's `placementGroupName` getter returns,
 * without the cross-environment reference that getter builds first (0.15 ms per launch template; bench/FINDINGS.md).
 */
const CREATED_GROUP_NAMES = new WeakMap<IPlacementGroup, string>();

/**
 * Where EFA instances are placed: in a cluster placement group created for them, in an existing group, or in none.
 *
 * A cluster placement group keeps instances close for the lowest EFA latency. Use `none()` with On-Demand Capacity
 * Reservations and Capacity Blocks: forcing a placement group there causes insufficient-capacity errors.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-strategies.html#placement-groups-cluster
 */
export class EfaPlacement {
  /**
   * Create a cluster placement group (`AWS::EC2::PlacementGroup`, strategy `cluster`), with construct ID
   * `PlacementGroup` under the construct that uses it.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-strategies.html#placement-groups-cluster
   */
  public static cluster(): EfaPlacement {
    return new EfaPlacement('cluster');
  }

  /**
   * Use an existing placement group. A group whose strategy is known and is not `cluster` gets a warning
   * (`cdk-efa:placement-not-cluster`).
   *
   * @param placementGroup the group, for example from `PlacementGroup.fromPlacementGroupName`
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-strategies.html#placement-groups-cluster
   */
  public static fromPlacementGroup(placementGroup: IPlacementGroup): EfaPlacement {
    return new EfaPlacement('existing', placementGroup);
  }

  /**
   * No placement group. Required with On-Demand Capacity Reservations and Capacity Blocks.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-strategies.html#placement-groups-cluster
   */
  public static none(): EfaPlacement {
    return new EfaPlacement('none');
  }

  /**
   * The name of `group`, as the constructs that place instances in it write it; undefined without a group.
   *
   * @internal
   */
  public static _nameOf(group: IPlacementGroup | undefined): string | undefined {
    return group === undefined ? undefined : CREATED_GROUP_NAMES.get(group) ?? group.placementGroupName;
  }

  private constructor(
    /** `cluster`, `existing` or `none`. */
    public readonly mode: string,
    /**
     * The existing group, for `fromPlacementGroup()`.
     *
     * @default - none
     */
    public readonly placementGroup?: IPlacementGroup,
  ) {}

  /**
   * The placement group to use, created under `scope` for `cluster()`.
   *
   * @internal
   */
  public _bind(scope: Construct): IPlacementGroup | undefined {
    if (this.mode === 'cluster') {
      const created = new PlacementGroup(scope, 'PlacementGroup', { strategy: PlacementGroupStrategy.CLUSTER });
      CREATED_GROUP_NAMES.set(created, (created.node.defaultChild as CfnPlacementGroup).attrGroupName);
      return created;
    }
    const group = this.placementGroup;
    if (group?.strategy !== undefined && group.strategy !== PlacementGroupStrategy.CLUSTER) {
      Annotations.of(scope).addWarningV2('cdk-efa:placement-not-cluster', `The placement group has strategy '${group.strategy}'; EFA latency is lowest in a 'cluster' placement group. Use EfaPlacement.cluster() unless you need '${group.strategy}'.`);
    }
    return group;
  }
}
