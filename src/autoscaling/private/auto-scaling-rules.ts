import { Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { InstanceTypeCapabilities } from '../../core/capabilities';
import { EfaInstanceTypes } from '../../core/instance-types';
import { Problem, echo } from '../../core/private/errors';
import { mixedP4Problem } from '../../core/private/fleet-rules';
import { EfaCapacity } from '../../ec2/capacity';
import { EfaPlacement } from '../../ec2/placement';
import { launchTemplateProblems } from '../../ec2/private/launch-template-rules';
import { SubnetRequest, subnetRequestProblems } from '../../ec2/private/subnet-choice';

/*
 * The rules of an EfaAutoScalingGroup's props, in one home: the construct checks its props with them, and
 * `EfaCluster.addEfaAutoScalingGroup()` checks them with its own (EKS) problems, so that both report every problem in
 * one pass.
 */

/**
 * The props the rules read: those of `EfaAutoScalingGroupProps` (which this module cannot import, as the construct
 * imports it) that need no layout and no VPC.
 */
export interface AutoScalingGroupRuleInput extends SubnetRequest {
  readonly instanceType?: ec2.InstanceType;
  readonly instanceTypes?: ec2.InstanceType[];
  readonly capabilities?: InstanceTypeCapabilities;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
  readonly desiredCapacity?: number;
  readonly capacity?: EfaCapacity;
  readonly capacityBlockStartTime?: Date;
  readonly capacityBlockEndTime?: Date;
  readonly placement?: EfaPlacement;
  readonly rootVolumeSizeGiB?: number;
  readonly offeringCheck?: boolean;
}

/** How long before a Capacity Block's end the scheduled scale-in runs, in minutes. */
export const CAPACITY_BLOCK_SCALE_IN_LEAD_MINUTES = 60;

/**
 * Settings the EKS layer gives the Auto Scaling group it creates for self-managed nodes, under a symbol key of the
 * props object: invisible to jsii and to users, who cannot set them.
 */
export const SELF_MANAGED_NODES = Symbol.for('cdk-efa.selfManagedNodes');

/** What `SELF_MANAGED_NODES` holds. */
export interface SelfManagedNodeSettings {
  /** IPv4 addresses the VPC CNI takes for pods on each node, for the subnet IP budget; 0 for a plain fleet. */
  readonly podIpv4AddressesPerNode?: number;
}

/** The settings under `SELF_MANAGED_NODES`, if any. */
export function selfManagedNodeSettings(props: AutoScalingGroupRuleInput): SelfManagedNodeSettings | undefined {
  return (props as unknown as Record<symbol, SelfManagedNodeSettings | undefined>)[SELF_MANAGED_NODES];
}

/** The instance types the props name: `instanceTypes`, else `instanceType`, else none. */
export function instanceTypesOf(props: Pick<AutoScalingGroupRuleInput, 'instanceType' | 'instanceTypes'>): ec2.InstanceType[] {
  return props.instanceTypes ?? (props.instanceType === undefined ? [] : [props.instanceType]);
}

/**
 * The capabilities of each instance type: `capabilities` for the type it names (or for the one type, when there is
 * one), the capability table's for the others (which reports an unknown type itself).
 */
export function capabilitiesOf(instanceTypes: ec2.InstanceType[], given: InstanceTypeCapabilities | undefined): InstanceTypeCapabilities[] {
  const single = instanceTypes.length === 1;
  return instanceTypes.map((t) => {
    const name = t.toString();
    return given !== undefined && (single || name === given.instanceType) ? given : EfaInstanceTypes.lookup(name);
  });
}

/** The sizes of the group, with the defaults applied, and what is wrong with them. */
export interface Sizes {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly desiredCapacity?: number;
  readonly problems: Problem[];
}

/**
 * The group's sizes: `minCapacity` defaults to 2 (0 for a Capacity Block), `maxCapacity` to `desiredCapacity`, else
 * `minCapacity` (tokens included, never `Math.max` on one), and `desiredCapacity` stays unset unless given, so that a
 * deployment does not reset the group's size.
 */
export function sizesOf(props: AutoScalingGroupRuleInput, capacity: EfaCapacity): Sizes {
  const minCapacity = props.minCapacity ?? (capacity.isCapacityBlock ? 0 : 2);
  const desiredCapacity = props.desiredCapacity;
  const maxCapacity = props.maxCapacity ?? desiredCapacity ?? minCapacity;
  const problems: Problem[] = [];
  // The values given: a default follows another value, whose problem is reported once.
  for (const [name, value] of Object.entries({ minCapacity: props.minCapacity, desiredCapacity, maxCapacity: props.maxCapacity })) {
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0)) {
      problems.push({ id: 'invalid-scaling', message: `${name} is ${echo(value)}; give a whole number of instances, 0 or more.` });
    }
  }
  // Compare only resolved values: a token is a large negative number in JavaScript.
  const ordered = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || Token.isUnresolved(a) || Token.isUnresolved(b) || a <= b;
  if (!ordered(minCapacity, desiredCapacity) || !ordered(desiredCapacity, maxCapacity) || !ordered(minCapacity, maxCapacity)) {
    problems.push({ id: 'invalid-scaling', message: `minCapacity ${echo(minCapacity)}, desiredCapacity ${echo(desiredCapacity)} and maxCapacity ${echo(maxCapacity)} must satisfy minCapacity <= desiredCapacity <= maxCapacity.` });
  }
  if (capacity.isCapacityBlock && props.maxCapacity === undefined) {
    problems.push({ id: 'capacity-block-needs-max-capacity', message: `launches into Capacity Block ${echo(capacity.capacityReservationId)} but has no maxCapacity; a Capacity Block holds a fixed number of instances, so set maxCapacity to the block's instance count (the group starts empty and is scaled to maxCapacity within the block's window).` });
  }
  return { minCapacity, maxCapacity, desiredCapacity, problems };
}

/** The scheduled scale-in's time: `CAPACITY_BLOCK_SCALE_IN_LEAD_MINUTES` before the block's end. */
export function scaleInTime(endTime: Date): Date {
  return new Date(endTime.getTime() - CAPACITY_BLOCK_SCALE_IN_LEAD_MINUTES * 60_000);
}

/** `invalid-capacity-block-schedule`: window times without a Capacity Block, not dates, or out of order. */
function scheduleProblems(props: AutoScalingGroupRuleInput, capacity: EfaCapacity): Problem[] {
  const { capacityBlockStartTime: start, capacityBlockEndTime: end } = props;
  if (start === undefined && end === undefined) {
    return [];
  }
  if (!capacity.isCapacityBlock) {
    return [{ id: 'invalid-capacity-block-schedule', message: `has capacityBlockStartTime or capacityBlockEndTime, which schedule scaling for a Capacity Block, but its capacity is ${capacity.kind}; use capacity: EfaCapacity.capacityBlock('cr-…'), or remove the times.` }];
  }
  const problems: Problem[] = [];
  const valid = (name: string, value: Date | undefined) => {
    if (value !== undefined && !(value instanceof Date && !Number.isNaN(value.getTime()))) {
      problems.push({ id: 'invalid-capacity-block-schedule', message: `has ${name} ${value instanceof Date ? 'Invalid Date' : echo(value)}, which is not a valid date; give a Date, for example new Date('2026-08-05T11:30:00Z') (the block's time as \`aws ec2 describe-capacity-reservations\` lists it).` });
      return false;
    }
    return value !== undefined;
  };
  const hasStart = valid('capacityBlockStartTime', start);
  if (valid('capacityBlockEndTime', end) && hasStart && scaleInTime(end!).getTime() <= start!.getTime()) {
    problems.push({ id: 'invalid-capacity-block-schedule', message: `has capacityBlockStartTime ${start!.toISOString()} and capacityBlockEndTime ${end!.toISOString()}, but the scale-in runs ${CAPACITY_BLOCK_SCALE_IN_LEAD_MINUTES} minutes before the end, which is not after the start; give the block's own start and end times (a Capacity Block lasts at least a day).` });
  }
  return problems;
}

/** `capabilities-mismatch`: `capabilities` for a type that is none of the group's. */
function capabilitiesProblems(instanceTypes: ec2.InstanceType[], given: InstanceTypeCapabilities | undefined): Problem[] {
  const names = instanceTypes.map((t) => t.toString());
  if (given === undefined || names.length === 0 || names.some((n) => Token.isUnresolved(n)) || names.includes(given.instanceType)) {
    return [];
  }
  return [{
    id: 'capabilities-mismatch',
    message: names.length === 1
      ? `has instanceType ${names[0]} but capabilities for ${given.instanceType}; pass capabilities of the same instance type.`
      : `has capabilities for ${given.instanceType}, which is none of its instance types (${names.join(', ')}); pass capabilities of one of them.`,
  }];
}

/** `mixed-architectures`: one launch template has one AMI, which runs on one CPU architecture. */
function architectureProblems(capabilities: InstanceTypeCapabilities[]): Problem[] {
  const byArchitecture = new Map<string, string[]>();
  capabilities.forEach((c) => byArchitecture.set(c.architecture, [...(byArchitecture.get(c.architecture) ?? []), c.instanceType]));
  if (byArchitecture.size < 2) {
    return [];
  }
  const list = [...byArchitecture.entries()].map(([architecture, types]) => `${architecture} (${types.join(', ')})`).join(' and ');
  return [{ id: 'mixed-architectures', message: `mixes instance types of different CPU architectures, ${list}, but its one launch template has one AMI, which runs on one architecture; put each architecture in its own group.` }];
}

/**
 * Every problem of an EfaAutoScalingGroup's props that needs no layout and no VPC: instance types (with their
 * `capabilities`, from `capabilitiesOf`), sizes, capacity and its schedule, the launch template's own rules, and the
 * subnet request. Messages have no subject.
 */
export function autoScalingGroupProblems(props: AutoScalingGroupRuleInput, capabilities: InstanceTypeCapabilities[]): Problem[] {
  const instanceTypes = instanceTypesOf(props);
  const capacity = props.capacity ?? EfaCapacity.onDemand();
  const problems: Problem[] = [];
  if (props.instanceType !== undefined && props.instanceTypes !== undefined) {
    problems.push({ id: 'conflicting-instance-type-options', message: 'has instanceType and also instanceTypes; give instanceType for one type, or instanceTypes for several with identical EFA layouts.' });
  } else if (instanceTypes.length === 0) {
    problems.push({ id: 'no-instance-type', message: 'needs instanceType (for example new ec2.InstanceType(\'p5.48xlarge\')) or instanceTypes.' });
  }
  problems.push(...capabilitiesProblems(instanceTypes, props.capabilities));
  const mixedP4 = mixedP4Problem(instanceTypes.map((t) => t.toString()));
  if (mixedP4 !== undefined) {
    problems.push(mixedP4);
  }
  problems.push(...architectureProblems(capabilities));
  problems.push(...sizesOf(props, capacity).problems);
  // With several instance types the template names none (a mixed instances policy lists them).
  problems.push(...launchTemplateProblems({
    capacity, includeInstanceType: instanceTypes.length <= 1, placement: props.placement, rootVolumeSizeGiB: props.rootVolumeSizeGiB,
  }));
  problems.push(...scheduleProblems(props, capacity));
  problems.push(...subnetRequestProblems(props, props.offeringCheck !== false));
  return problems;
}
