import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * Where an EFA fleet launches: exactly one subnet, because EFA traffic does not cross subnets and a cluster placement
 * group lives in one Availability Zone. Shared by `EfaNodeGroup`, `EfaKarpenterNodePool`, `EfaAutoScalingGroup` and
 * `EfaBatchComputeEnvironment`, which all choose and check the subnet the same way.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export interface EfaSubnetOptions {
  /**
   * The subnet the instances launch in.
   *
   * It must not be one of the VPC's public subnets when the instances have several network interfaces
   * (`cdk-efa:public-subnet`): such an instance gets no public IPv4 address, so without a NAT gateway it reaches
   * neither AWS APIs nor container registries (an EKS node never joins). A subnet that is in none of the VPC's subnet
   * lists gets a warning (`cdk-efa:subnet-type-unknown`). With a capacity reservation the subnet must be in the
   * reservation's Availability Zone; the offering check verifies it.
   *
   * @default - chosen from `vpcSubnets`, `availabilityZone` and `availabilityZoneId`: the first candidate (with a
   *            warning, `cdk-efa:subnet-chosen`), or the offering check's choice with an AZ ID or a reservation
   * @throws `cdk-efa:public-subnet`; `cdk-efa:conflicting-subnet-options` together with the other subnet options
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  readonly subnet?: ec2.ISubnet;

  /**
   * The subnets to choose the one subnet from. Public subnets are left out of the choice for instances with several
   * network interfaces (see `subnet`); a selection of public subnets only is an error.
   *
   * @default - the VPC's default selection (private subnets if it has any, else isolated ones), never public subnets
   * @throws `cdk-efa:public-subnet` when the selection holds only public subnets; `cdk-efa:no-subnet` when it is empty
   * @see https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Only consider subnets in this Availability Zone (name, for example `us-east-1a`).
   *
   * In a stack without `env` (environment-agnostic), the VPC's subnets have no known zone at synth time, so this
   * cannot be matched (`cdk-efa:availability-zone-unresolved`): set `env` on the stack, name the `subnet`, or use
   * `availabilityZoneId`.
   *
   * @default - any
   * @throws `cdk-efa:no-subnet-in-zone`, `cdk-efa:availability-zone-unresolved`
   * @see https://docs.aws.amazon.com/cdk/v2/guide/environments.html
   */
  readonly availabilityZone?: string;

  /**
   * Only consider subnets in this Availability Zone ID (for example `use1-az4`), which names the same physical zone in
   * every account. Subnet AZ IDs are only known at deploy time, so this needs the offering check.
   *
   * @default - any
   * @throws `cdk-efa:zone-id-needs-offering-check` with `offeringCheck: false`
   * @see https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
   */
  readonly availabilityZoneId?: string;

  /**
   * Check at deploy time, before the fleet is created, that the subnet's Availability Zone offers the instance types
   * (a custom resource calling `DescribeSubnets` and `DescribeInstanceTypeOfferings`); the fleet then launches in the
   * subnet the check answers with. A zone that does not offer them fails the deployment within seconds, naming the AZ
   * IDs that do. With a capacity reservation it also reads the reservation (`DescribeCapacityReservations`) and
   * chooses, or verifies, a subnet in its Availability Zone; turning the check off then gets a warning
   * (`cdk-efa:reservation-zone-unchecked`).
   *
   * @default true
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html
   */
  readonly offeringCheck?: boolean;
}
