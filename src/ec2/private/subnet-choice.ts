import { Annotations, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { InstanceTypeCapabilities } from '../../core/capabilities';
import { EfaLayout } from '../../core/layout';
import { Problem, definedKeys, echo, efaError } from '../../core/private/errors';
import type { EfaSubnetOptions } from '../subnet-options';

/** The node group's subnet, as `chooseSubnet` found it. */
export interface ChosenSubnet {
  /** One subnet, or (with an AZ ID) the candidates the offering check chooses from, in order. */
  readonly subnets: ec2.ISubnet[];
  readonly subnetIds: string[];
  readonly cidrBlock?: string;
}

/** Where a fleet (node group, node pool, Auto Scaling group, Batch compute environment) asks to launch. */
export type SubnetRequest = Omit<EfaSubnetOptions, 'offeringCheck'>;

/** What the fleet's layout and offering check mean for the subnet choice. */
export interface SubnetChoice {
  /** The construct's class, for messages: `EfaNodeGroup`, `EfaAutoScalingGroup` … */
  readonly construct: string;
  /** Whether the nodes have several network interfaces, and so get no public IPv4 address. */
  readonly multipleInterfaces: boolean;
  /** Whether the deploy-time check chooses among the candidates (for a capacity reservation's zone). */
  readonly checkChooses: boolean;
}

/** Public, private (including isolated), or unknown: a subnet in none of the VPC's lists, such as an imported one. */
function subnetKindOf(vpc: ec2.IVpc, subnet: ec2.ISubnet): 'public' | 'private' | 'unknown' {
  // The same subnet has the same ID string, a token's included.
  const isIn = (list: ec2.ISubnet[]) => list.some((s) => s === subnet || s.subnetId === subnet.subnetId);
  if (isIn(vpc.publicSubnets)) {
    return 'public';
  }
  return isIn(vpc.privateSubnets) || isIn(vpc.isolatedSubnets) ? 'private' : 'unknown';
}

const NO_PUBLIC_IP = 'a node with several network interfaces gets no public IPv4 address, so in a public subnet it reaches neither EKS nor ECR and never joins the cluster';

/**
 * The problems of a subnet request that need no VPC: `conflicting-subnet-options` and `zone-id-needs-offering-check`,
 * for the node group's one pass over its props. `chooseSubnet` expects a request without them.
 */
export function subnetRequestProblems(request: SubnetRequest, offeringCheck: boolean): Problem[] {
  const problems: Problem[] = [];
  if (request.subnet !== undefined) {
    const { vpcSubnets, availabilityZone, availabilityZoneId } = request;
    const also = definedKeys({ vpcSubnets, availabilityZone, availabilityZoneId });
    if (also.length > 0) {
      problems.push({ id: 'conflicting-subnet-options', message: `names a subnet and also ${also.join(', ')}; give the subnet alone, or let cdk-efa choose.` });
    }
  } else if (request.availabilityZoneId !== undefined && !offeringCheck) {
    problems.push({ id: 'zone-id-needs-offering-check', message: `asks for availability zone ID ${echo(request.availabilityZoneId)}, but subnets' zone IDs are only known at deploy time, when the offering check runs; turn offeringCheck on, or name the subnet or availabilityZone.` });
  }
  return problems;
}

/**
 * Chooses the node group's one subnet from the cluster's VPC: the given subnet, or the candidates of `vpcSubnets` in
 * `availabilityZone`, leaving out public subnets when the nodes have several network interfaces. The request must be
 * free of `subnetRequestProblems`.
 *
 * @throws `public-subnet`, `no-subnet-in-zone`, `availability-zone-unresolved`, `no-subnet`
 */
export function chooseSubnet(scope: IConstruct, vpc: ec2.IVpc, request: SubnetRequest, choice: SubnetChoice): ChosenSubnet {
  const warnIfUnknown = (subnets: ec2.ISubnet[]) => {
    const unknown = subnets.filter((s) => subnetKindOf(vpc, s) === 'unknown').map((s) => s.node.path);
    if (choice.multipleInterfaces && unknown.length > 0) {
      Annotations.of(scope).addWarningV2('cdk-efa:subnet-type-unknown', `Subnet ${unknown.join(', ')} is none of the VPC's public, private or isolated subnets, so cdk-efa cannot tell whether it is public; ${NO_PUBLIC_IP}. Make sure it routes to a NAT gateway (or has VPC endpoints for EKS, ECR and S3) and acknowledge this warning, or pass a subnet of the cluster's VPC.`);
    }
  };
  if (request.subnet !== undefined) {
    if (choice.multipleInterfaces && subnetKindOf(vpc, request.subnet) === 'public') {
      throw efaError('public-subnet', `${choice.construct} ${scope.node.path} launches in ${request.subnet.node.path}, one of the VPC's public subnets, but ${NO_PUBLIC_IP}; use a private subnet with a NAT gateway (for example vpc.privateSubnets[0]).`);
    }
    warnIfUnknown([request.subnet]);
    return { subnets: [request.subnet], subnetIds: [request.subnet.subnetId], cidrBlock: cidrOf(request.subnet) };
  }
  const selected = vpc.selectSubnets(request.vpcSubnets ?? {}).subnets;
  let candidates = choice.multipleInterfaces ? selected.filter((s) => subnetKindOf(vpc, s) !== 'public') : selected;
  if (selected.length > 0 && candidates.length === 0) {
    throw efaError('public-subnet', `${choice.construct} ${scope.node.path}: the subnet selection holds only public subnets (${selected.map((s) => s.node.path).join(', ')}), but ${NO_PUBLIC_IP}; select private subnets with a NAT gateway (vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).`);
  }
  warnIfUnknown(candidates);
  const zone = request.availabilityZone;
  if (zone !== undefined && !Token.isUnresolved(zone)) {
    const inZone = candidates.filter((s) => s.availabilityZone === zone);
    const unresolved = candidates.filter((s) => Token.isUnresolved(s.availabilityZone)).map((s) => s.node.path);
    if (inZone.length === 0 && unresolved.length > 0) {
      // An environment-agnostic stack's VPC has token zones (Fn::GetAZs): the zone cannot be matched at synth time.
      throw efaError('availability-zone-unresolved', `${choice.construct} ${scope.node.path} asks for availability zone ${zone}, but the zones of subnets ${unresolved.join(', ')} are only known at deploy time, as in a stack without \`env\`; set \`env\` (account and region) on the stack so that the zone can be matched at synth time, name the subnet, or use availabilityZoneId, which the offering check matches at deploy time.`);
    }
    if (inZone.length === 0) {
      const zones = [...new Set(candidates.map((s) => s.availabilityZone))].join(', ');
      throw efaError('no-subnet-in-zone', `${choice.construct} ${scope.node.path}: no selected subnet is in availability zone ${zone} (the selected subnets are in ${zones}); choose one of those zones, or widen vpcSubnets.`);
    }
    candidates = inZone;
  }
  if (candidates.length === 0) {
    throw efaError('no-subnet', `${choice.construct} ${scope.node.path}: the VPC selection has no subnets; pass subnet or vpcSubnets.`);
  }
  if (request.availabilityZoneId !== undefined) {
    return { subnets: candidates, subnetIds: candidates.map((s) => s.subnetId) };
  }
  if (choice.checkChooses) {
    const cidrBlock = candidates.length === 1 ? cidrOf(candidates[0]) : undefined;
    return { subnets: candidates, subnetIds: candidates.map((s) => s.subnetId), cidrBlock };
  }
  const chosen = candidates[0];
  if (candidates.length > 1) {
    Annotations.of(scope).addWarningV2('cdk-efa:subnet-chosen', `${choice.construct} uses one subnet, because EFA traffic does not cross subnets and a cluster placement group lives in one Availability Zone; it picked ${chosen.node.path} (the first of ${candidates.length} selected subnets). Name subnet, availabilityZone or availabilityZoneId to choose, or acknowledge this warning.`);
  }
  return { subnets: [chosen], subnetIds: [chosen.subnetId], cidrBlock: cidrOf(chosen) };
}

function cidrOf(subnet: ec2.ISubnet): string | undefined {
  try {
    return Token.isUnresolved(subnet.ipv4CidrBlock) ? undefined : subnet.ipv4CidrBlock;
  } catch {
    // Subnets imported without a CIDR throw on access.
    return undefined;
  }
}

/** Warns when `maxSize` nodes of this layout could take more IPv4 addresses than the subnet has. */
export function warnOnIpBudget(
  scope: IConstruct, cidr: string | undefined, maxSize: number, caps: InstanceTypeCapabilities, layout: EfaLayout, podIps?: number,
): void {
  const prefix = cidr === undefined ? undefined : Number(cidr.split('/')[1]);
  if (prefix === undefined || !Number.isInteger(prefix) || Token.isUnresolved(maxSize)) {
    return;
  }
  // AWS reserves 5 addresses in every subnet.
  const usable = 2 ** (32 - prefix) - 5;
  const perNode = layout.summary.ipv4AddressesPerNode + (podIps ?? 2 * (caps.ipv4AddressesPerInterface ?? 50));
  if (maxSize * perNode > usable) {
    Annotations.of(scope).addWarningV2('cdk-efa:subnet-ip-budget', `maxSize ${maxSize} nodes × about ${perNode} IPv4 addresses each (${layout.summary.ipv4AddressesPerNode} for interfaces, the rest for pods) is ${maxSize * perNode}, more than the ${usable} usable addresses of subnet ${cidr}; use a larger subnet, fewer nodes, the SINGLE_IP profile, or VPC CNI prefix delegation.`);
  }
}

/**
 * Warns (`cdk-efa:reservation-zone-unchecked`) when a fleet launches into a capacity reservation without the offering
 * check, which is what keeps its subnet in the reservation's Availability Zone.
 */
export function warnIfReservationZoneUnchecked(
  scope: IConstruct, construct: string, reservationId: string | undefined, subnet: ec2.ISubnet, offeringCheck: boolean,
): void {
  if (reservationId === undefined || offeringCheck) {
    return;
  }
  Annotations.of(scope).addWarningV2('cdk-efa:reservation-zone-unchecked', `${construct} ${scope.node.path} launches into capacity reservation ${echo(reservationId)}, which only serves subnets in its own Availability Zone, and offeringCheck is false, so nothing checks that subnet ${subnet.node.path} is in that zone; a subnet in another zone leaves the fleet without reserved capacity. Turn offeringCheck on, or make sure of the zone and acknowledge this warning.`);
}
