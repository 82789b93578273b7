import { Token } from 'aws-cdk-lib';
import { Problem, definedKeys, echo } from '../../core/private/errors';
import { EfaCapacity } from '../capacity';
import type { EfaPlacement } from '../placement';
import { CapacityOptions, capacityOptionProblems } from './capacity-rules';

/**
 * The launch template options whose rules do not depend on the instance type or its layout: `EfaLaunchTemplate`'s
 * props, or what an `EfaNodeGroup` is about to give the launch template it creates.
 */
export interface LaunchTemplateRuleInput extends CapacityOptions {
  readonly includeInstanceType?: boolean;
  readonly placement?: EfaPlacement;
  readonly rootVolumeSizeGiB?: number;
  readonly rootDeviceName?: string;
  readonly blockDevicesGiven?: boolean;
  readonly httpPutResponseHopLimit?: number;
}

/**
 * The launch template's own rules, in one home: `EfaLaunchTemplate` checks its props with them, and `EfaNodeGroup`
 * checks what it will give the template it creates, so that it reports them with its other problems in one pass.
 * Messages have no subject: the caller names the construct.
 *
 * IDs: those of `capacityOptionProblems`, `capacity-block-without-instance-type`,
 * `placement-group-with-reservation`, `invalid-root-volume-size`, `conflicting-block-device-options`,
 * `invalid-hop-limit`.
 */
export function launchTemplateProblems(input: LaunchTemplateRuleInput): Problem[] {
  const problems: Problem[] = capacityOptionProblems(input);
  const capacity = EfaCapacity._of(input);
  const reservation = capacity.capacityReservationId;
  if (capacity.isCapacityBlock && input.includeInstanceType === false) {
    problems.push({ id: 'capacity-block-without-instance-type', message: 'launches into a Capacity Block but leaves out its instance type (includeInstanceType: false, or several instance types); a Capacity Block reserves one instance type, and EKS node groups and EC2 Auto Scaling groups launch into it only from a launch template that names that type (Auto Scaling has no mixed instances groups with Capacity Blocks), so name exactly one instance type.' });
  }
  if (reservation !== undefined && input.placement?.mode === 'cluster') {
    problems.push({ id: 'placement-group-with-reservation', message: `targets capacity reservation ${echo(reservation)} and asks for a new cluster placement group, but the reserved capacity is not in a group created after it and launches would fail with insufficient capacity; use EfaPlacement.none(), or EfaPlacement.fromPlacementGroup() with the group the reservation was made in.` });
  }
  const size = input.rootVolumeSizeGiB;
  if (size !== undefined && !Token.isUnresolved(size) && (!Number.isInteger(size) || size < 1)) {
    problems.push({ id: 'invalid-root-volume-size', message: `has rootVolumeSizeGiB ${size}, but an EBS volume size is a whole number of GiB, 1 or more, and EC2 also needs at least the size of the AMI's snapshot; give a whole number such as 100, or leave it unset for 100.` });
  }
  if (input.blockDevicesGiven) {
    const ignored = definedKeys({ rootVolumeSizeGiB: input.rootVolumeSizeGiB, rootDeviceName: input.rootDeviceName });
    if (ignored.length > 0) {
      problems.push({ id: 'conflicting-block-device-options', message: `has blockDevices and also ${ignored.join(' and ')}, which only shape the default block device mapping that blockDevices replaces; size the volume in your blockDevices, or remove blockDevices.` });
    }
  }
  const hops = input.httpPutResponseHopLimit;
  if (hops !== undefined && !Token.isUnresolved(hops) && (!Number.isInteger(hops) || hops < 1 || hops > 64)) {
    problems.push({ id: 'invalid-hop-limit', message: `has httpPutResponseHopLimit ${hops}, but EC2 takes a whole number of hops from 1 to 64; use 2 (the default) so that containers reach the instance metadata service, or 1 to keep them from it.` });
  }
  return problems;
}
