import { throwIfProblems } from '../core/private/errors';
import { reservationIdProblem } from '../core/private/fleet-rules';

/**
 * Which capacity an EFA fleet launches into: On-Demand, an On-Demand Capacity Reservation (ODCR) or a Capacity Block
 * for ML. One shape for every compute surface of cdk-efa: `EfaLaunchTemplate`, `EfaNodeGroup`, `EfaKarpenterNodePool`,
 * `EfaAutoScalingGroup` and `EfaBatchComputeEnvironment`.
 *
 * A reservation (either kind) changes three things, in one place for all of them:
 * - the launch template targets it (`CapacityReservationSpecification`), and a Capacity Block also sets
 *   `InstanceMarketOptions.MarketType: capacity-block`;
 * - no new cluster placement group is created by default, because the reserved capacity is not in a group created
 *   after it (use `EfaPlacement.fromPlacementGroup()` for the group the reservation was made in);
 * - the deploy-time offering check keeps to the subnets in the reservation's Availability Zone, because a reservation
 *   serves only its own zone.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-launch.html
 */
export class EfaCapacity {
  /**
   * On-Demand capacity, with no reservation (the default everywhere).
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-on-demand-instances.html
   */
  public static onDemand(): EfaCapacity {
    return new EfaCapacity('on-demand');
  }

  /**
   * A targeted On-Demand Capacity Reservation: the instances launch into the reservation `capacityReservationId` and
   * are billed as On-Demand instances against it.
   *
   * @param capacityReservationId the reservation's ID, `cr-` followed by 17 hexadecimal digits (or a token)
   * @throws `cdk-efa:invalid-capacity-reservation-id` when the ID is not of that form
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html
   */
  public static reservation(capacityReservationId: string): EfaCapacity {
    throwIfProblems('EfaCapacity.reservation()', [reservationIdProblem(capacityReservationId)].filter((p) => p !== undefined));
    return new EfaCapacity('reservation', capacityReservationId);
  }

  /**
   * A Capacity Block for ML: the instances launch into the block's reservation `capacityReservationId` with the
   * `capacity-block` market type, and only within the block's time window. The launch template must name the block's
   * one instance type.
   *
   * @param capacityReservationId the Capacity Block's reservation ID, `cr-` followed by 17 hexadecimal digits (or a
   * token)
   * @throws `cdk-efa:invalid-capacity-reservation-id` when the ID is not of that form
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-launch.html
   */
  public static capacityBlock(capacityReservationId: string): EfaCapacity {
    throwIfProblems('EfaCapacity.capacityBlock()', [reservationIdProblem(capacityReservationId)].filter((p) => p !== undefined));
    return new EfaCapacity('capacity-block', capacityReservationId);
  }

  /**
   * The capacity that a construct's options describe: `capacity`, else the deprecated `capacityReservationId` and
   * `capacityBlock`, unchecked (constructs report a malformed ID with their other prop problems, from
   * `capacityOptionProblems`), else On-Demand.
   *
   * @internal
   */
  public static _of(
    options: { readonly capacity?: EfaCapacity; readonly capacityReservationId?: string; readonly capacityBlock?: boolean },
  ): EfaCapacity {
    if (options.capacity !== undefined) {
      return options.capacity;
    }
    if (options.capacityReservationId === undefined) {
      return EfaCapacity.onDemand();
    }
    return new EfaCapacity(options.capacityBlock ? 'capacity-block' : 'reservation', options.capacityReservationId);
  }

  /**
   * The reservation's ID.
   *
   * @default - none, for `EfaCapacity.onDemand()`
   */
  public readonly capacityReservationId?: string;

  private constructor(
    /** `on-demand`, `reservation` or `capacity-block`. */
    public readonly kind: string,
    capacityReservationId?: string,
  ) {
    this.capacityReservationId = capacityReservationId;
  }

  /** Whether this is a Capacity Block for ML. */
  public get isCapacityBlock(): boolean {
    return this.kind === 'capacity-block';
  }

  /** Whether the instances launch into a reservation: an ODCR or a Capacity Block. */
  public get isReserved(): boolean {
    return this.capacityReservationId !== undefined;
  }
}
