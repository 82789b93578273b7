import { Problem, definedKeys } from '../../core/private/errors';
import { reservationIdProblem } from '../../core/private/fleet-rules';
import type { EfaCapacity } from '../capacity';
import { EfaPlacement } from '../placement';

/*
 * The one home of the capacity rules every compute surface shares (launch template, node group, Karpenter pool, Auto
 * Scaling group, Batch compute environment): which capacity the props describe, what it writes into a launch template,
 * and which placement group it takes by default.
 */

/** The capacity options of a construct: `capacity`, or the deprecated `capacityReservationId` and `capacityBlock`. */
export interface CapacityOptions {
  readonly capacity?: EfaCapacity;
  readonly capacityReservationId?: string;
  readonly capacityBlock?: boolean;
}

/**
 * The problems of the capacity options alone: `conflicting-capacity-options` (`capacity` with a deprecated prop),
 * `invalid-capacity-reservation-id`, `capacity-block-without-reservation`. Messages have no subject.
 */
export function capacityOptionProblems(options: CapacityOptions): Problem[] {
  const problems: Problem[] = [];
  const deprecated = definedKeys({ capacityReservationId: options.capacityReservationId, capacityBlock: options.capacityBlock });
  if (options.capacity !== undefined && deprecated.length > 0) {
    problems.push({ id: 'conflicting-capacity-options', message: `has capacity and also the deprecated ${deprecated.join(' and ')}; give the capacity alone (EfaCapacity.reservation(id) or EfaCapacity.capacityBlock(id)).` });
  }
  const idProblem = reservationIdProblem(options.capacityReservationId);
  if (idProblem !== undefined) {
    problems.push(idProblem);
  }
  if (options.capacity === undefined && options.capacityBlock && options.capacityReservationId === undefined) {
    problems.push({ id: 'capacity-block-without-reservation', message: 'has capacityBlock: true but no capacityReservationId, and a Capacity Block launch needs its reservation as the target; use capacity: EfaCapacity.capacityBlock(\'cr-…\') with the Capacity Block\'s reservation ID.' });
  }
  return problems;
}

/** The placement a fleet gets when it names none: none in a reservation (its capacity is in no new group), else a new cluster group. */
export function defaultPlacement(capacity: EfaCapacity): EfaPlacement {
  return capacity.isReserved ? EfaPlacement.none() : EfaPlacement.cluster();
}
