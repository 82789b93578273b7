import { Annotations, Token } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
// Types only, erased at run time: importing cdk-efa loads neither aws-batch nor aws-iam (see private/lazy-modules.ts).
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { batchModule } from './private/lazy-modules';
import { batchPrimaryInterface, hasFreeSlotOnCard0 } from './private/task-interface';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaLayout, EfaLayoutOptions, LayoutProfile, PrimaryInterface } from '../core/layout';
import { Problem, echo, efaError, throwIfProblems } from '../core/private/errors';
import { mixedLayoutsProblem, mixedP4Problem } from '../core/private/fleet-rules';
import { EfaCapacity } from '../ec2/capacity';
import { EfaLaunchTemplate } from '../ec2/efa-launch-template';
import { offeringCheck } from '../ec2/offering-check';
import { EfaPlacement } from '../ec2/placement';
import { defaultPlacement } from '../ec2/private/capacity-rules';
import { launchTemplateProblems } from '../ec2/private/launch-template-rules';
import { acknowledgeNagRules, managedPolicyRule } from '../ec2/private/nag';
import { chooseSubnet, subnetRequestProblems, warnIfReservationZoneUnchecked } from '../ec2/private/subnet-choice';
import { EfaSubnetOptions } from '../ec2/subnet-options';

/**
 * Properties of an `EfaBatchComputeEnvironment`.
 *
 * @see https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html
 */
export interface EfaBatchComputeEnvironmentProps extends EfaSubnetOptions {
  /** The VPC the instances launch in. */
  readonly vpc: ec2.IVpc;

  /**
   * The instance types AWS Batch may launch, each named exactly (`p5.48xlarge`; not a family such as `p5`, nor
   * `optimal`), because the launch template's EFA layout is computed for them. Several are allowed only when their EFA
   * layouts are identical (p5.48xlarge and p5e.48xlarge), because the compute environment has one launch template; p4d
   * and p4de never mix with other types. AWS Batch runs every node of a multi-node parallel job on the same type.
   *
   * @throws `cdk-efa:no-instance-type` when empty; `cdk-efa:mixed-layouts` and `cdk-efa:p4d-mixed` for types that
   *         cannot share a launch template
   * @see https://docs.aws.amazon.com/batch/latest/userguide/efa.html
   */
  readonly instanceTypes: ec2.InstanceType[];

  /**
   * The capabilities of one of the instance types, for a type newer than the capability table.
   *
   * @default - looked up in the capability table (`EfaInstanceTypes.lookup`)
   * @throws `cdk-efa:capabilities-mismatch` for capabilities of none of the instance types
   */
  readonly capabilities?: InstanceTypeCapabilities;

  /**
   * The most vCPUs the compute environment runs at once, a count (each instance counts all its vCPUs: 192 per
   * p5.48xlarge). A multi-node parallel job of N nodes needs room for N instances.
   *
   * @throws `cdk-efa:invalid-vcpus` when it is not a whole number of at least 1, or below `minvCpus`
   */
  readonly maxvCpus: number;

  /**
   * The vCPUs the compute environment keeps running even without jobs, a count.
   *
   * @default 0
   * @throws `cdk-efa:invalid-vcpus` when negative, fractional or above `maxvCpus`
   */
  readonly minvCpus?: number;

  /**
   * How many EFA interfaces each instance gets, a count.
   *
   * @default - the most AWS recommends for the type
   */
  readonly efaCount?: number;

  /**
   * The primary interface.
   *
   * @default - `PrimaryInterface.EFA` where AWS's recommended layout (an ENA primary and `efa-only` at device 1) fills
   *            network card 0 and an `efa` primary keeps the same EFA count (p5, p5e, p5en, hpc7a …), so that the
   *            interface each multi-node parallel container gets of its own (awsvpc) has a free slot on card 0; else
   *            AWS's recommended primary
   */
  readonly primaryInterface?: PrimaryInterface;

  /**
   * Extra ENA interfaces for IP bandwidth and addresses.
   *
   * @default LayoutProfile.SINGLE_IP
   */
  readonly profile?: LayoutProfile;

  /**
   * The EFA security group, on every network interface of the launch template. Pass one group to several compute
   * environments (or node groups) whose instances exchange EFA traffic: EFA traffic flows only between members of the
   * same group.
   *
   * @default - a new `EfaSecurityGroup` in `vpc` (construct ID `LaunchTemplate/SecurityGroup`)
   */
  readonly securityGroup?: ec2.ISecurityGroup;

  /**
   * The placement group, set on the compute environment (`ComputeResources.PlacementGroup`, as the AWS Batch User
   * Guide advises for multi-node parallel jobs), never in the launch template. A cluster placement group made by
   * `EfaPlacement.cluster()` is created by this construct (construct ID `PlacementGroup`).
   *
   * @default - `EfaPlacement.cluster()`; `EfaPlacement.none()` with a capacity reservation
   * @throws `cdk-efa:placement-group-with-reservation` for `EfaPlacement.cluster()` with a reservation as `capacity`
   * @see https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html
   */
  readonly placement?: EfaPlacement;

  /**
   * Which capacity the instances launch into: On-Demand, or an On-Demand Capacity Reservation
   * (`EfaCapacity.reservation(id)`, the launch template's `CapacityReservationSpecification`). Multi-node parallel jobs
   * do not run on Spot, so there is no Spot option. Capacity Blocks for ML are refused: AWS Batch ignores a launch
   * template's instance market options, so the `capacity-block` market type a Capacity Block launch needs never
   * reaches EC2.
   *
   * @default EfaCapacity.onDemand()
   * @throws `cdk-efa:batch-capacity-block` for `EfaCapacity.capacityBlock(id)`
   * @see https://docs.aws.amazon.com/batch/latest/userguide/launch-templates.html
   */
  readonly capacity?: EfaCapacity;

  /**
   * The ECS-optimized AMIs, as aws-batch's `ManagedEc2EcsComputeEnvironment` takes them (`ec2Configuration`). The AMI
   * must load the EFA kernel driver.
   *
   * @default - AWS Batch's default for the instance type (the ECS-optimized AMI, its NVIDIA variant for GPU types)
   * @see https://docs.aws.amazon.com/batch/latest/userguide/efa.html
   */
  readonly images?: batch.EcsMachineImage[];

  /**
   * The IAM role of the instances (an instance profile is made for it, as aws-batch does).
   *
   * @default - a new role with the `AmazonEC2ContainerServiceforEC2Role` managed policy
   */
  readonly instanceRole?: iam.IRole;

  /**
   * User data for the instances, run before AWS Batch's own. AWS Batch merges it with its own user data, which needs a
   * MIME multi-part archive: other user data is wrapped in one.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/batch/latest/userguide/launch-templates.html#lt-user-data
   */
  readonly userData?: ec2.UserData;

  /**
   * Size of each instance's root volume (`/dev/xvda`, where the ECS-optimized AMIs keep container images), in GiB.
   *
   * @default 100
   * @throws `cdk-efa:invalid-root-volume-size` below 1 or fractional
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * The compute environment's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly computeEnvironmentName?: string;
}

/**
 * An AWS Batch managed compute environment (ECS on EC2, On-Demand) for multi-node parallel jobs with EFA: every
 * instance has all its EFA interfaces, in one subnet and one cluster placement group.
 *
 * It creates an aws-batch `ManagedEc2EcsComputeEnvironment` with an `EfaLaunchTemplate`, whose network interfaces carry
 * the EFA security group (AWS Batch refuses security groups on the compute environment beside network interfaces in
 * its launch template, so the compute environment has none of its own); the placement group on the compute environment;
 * exactly one subnet, checked at deploy time as `EfaNodeGroup`'s is; and the launch template's latest version, so that a
 * change of the template updates the compute environment. Use it with `EfaMultiNodeJobDefinition` and an aws-batch
 * `JobQueue`.
 *
 * Each multi-node parallel container also gets a network interface of its own (awsvpc) in the same subnet, without a
 * public IP address. AWS Batch gives it the compute environment's security groups, or the VPC's default security group
 * when there are none, as here: the nodes' IP traffic to each other (MPI, NCCL bootstrap) passes the VPC's default group,
 * which must allow it (`cdk-efa:batch-default-security-group` warns when aws-cdk-lib removed its rules).
 *
 * The constructor first looks up the instance types and computes their layout, then checks its other props in one pass
 * and throws one error that lists every problem, each with its ID (see docs/errors.md).
 *
 * @see https://docs.aws.amazon.com/batch/latest/userguide/efa.html
 * @see https://docs.aws.amazon.com/batch/latest/userguide/mnp-ce.html
 */
export class EfaBatchComputeEnvironment extends Construct implements ec2.IConnectable {
  /** The aws-batch compute environment (construct ID `Resource`). */
  public readonly computeEnvironment: batch.ManagedEc2EcsComputeEnvironment;

  /** The compute environment's ARN. */
  public readonly computeEnvironmentArn: string;

  /** The compute environment's name. */
  public readonly computeEnvironmentName: string;

  /** The launch template of the instances. */
  public readonly launchTemplate: EfaLaunchTemplate;

  /** The network interfaces of each instance, with counts, IP addresses per instance and EFA bandwidth. */
  public readonly layout: EfaLayout;

  /** The instance types AWS Batch may launch. */
  public readonly instanceTypes: ec2.InstanceType[];

  /** The EFA security group on every network interface. */
  public readonly efaSecurityGroup: ec2.ISecurityGroup;

  /**
   * The subnet ID the instances launch in: the offering check's answer (a deploy-time value) when the check is on.
   */
  public readonly subnetId: string;

  /**
   * The placement group.
   *
   * @default - none, for `EfaPlacement.none()`
   */
  public readonly placementGroup?: ec2.IPlacementGroup;

  /**
   * Which capacity the instances launch into.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html
   */
  public readonly capacity: EfaCapacity;

  constructor(scope: Construct, id: string, props: EfaBatchComputeEnvironmentProps) {
    super(scope, id);
    const instanceTypes = props.instanceTypes ?? [];
    const names = instanceTypes.map((t) => t.toString());
    // The instance types' capabilities come first (the table reports an unknown type itself); then every problem of
    // the props, in one pass that throws once.
    const given = props.capabilities;
    const capabilities = names.map((name) => (given !== undefined && (names.length === 1 || name === given.instanceType)
      ? given
      : EfaInstanceTypes.lookup(name)));
    const capacity = props.capacity ?? EfaCapacity.onDemand();
    const check = props.offeringCheck !== false;
    const subnetRequest = {
      subnet: props.subnet, vpcSubnets: props.vpcSubnets, availabilityZone: props.availabilityZone, availabilityZoneId: props.availabilityZoneId,
    };
    const optional = (p: Problem | undefined) => (p === undefined ? [] : [p]);
    throwIfProblems(`EfaBatchComputeEnvironment ${this.node.path}`, [
      ...(instanceTypes.length === 0 ? [{ id: 'no-instance-type', message: 'needs instanceTypes, for example [new ec2.InstanceType(\'p5.48xlarge\')].' }] : []),
      ...capabilitiesProblems(names, props.capabilities),
      ...optional(mixedP4Problem(names)),
      ...vcpuProblems(props.maxvCpus, props.minvCpus),
      ...capacityProblems(capacity),
      // A Capacity Block is refused above, not also for the launch template's Capacity Block rules.
      ...launchTemplateProblems({
        capacity: capacity.isCapacityBlock ? undefined : capacity, placement: props.placement, rootVolumeSizeGiB: props.rootVolumeSizeGiB,
      }),
      ...subnetRequestProblems(subnetRequest, check),
    ]);
    this.instanceTypes = instanceTypes;
    this.capacity = capacity;

    const layoutOptions = { efaCount: props.efaCount, profile: props.profile, primaryInterface: props.primaryInterface };
    const primaryInterface = batchPrimaryInterface(capabilities[0], layoutOptions);
    this.launchTemplate = new EfaLaunchTemplate(this, 'LaunchTemplate', {
      instanceType: instanceTypes[0],
      capabilities: capabilities[0],
      // AWS Batch ignores a launch template's instance type; the compute environment lists the types.
      includeInstanceType: false,
      efaCount: props.efaCount,
      primaryInterface,
      profile: props.profile,
      vpc: props.vpc,
      securityGroup: props.securityGroup,
      // The compute environment carries the placement group, as the AWS Batch User Guide advises for MNP jobs.
      placement: EfaPlacement.none(),
      capacity,
      rootVolumeSizeGiB: props.rootVolumeSizeGiB,
      userData: props.userData === undefined ? undefined : asMultipart(props.userData),
    });
    this.layout = this.launchTemplate.layout;
    this.efaSecurityGroup = this.launchTemplate.efaSecurityGroup;
    checkSameLayout(this, capabilities, this.layout, { ...layoutOptions, primaryInterface });
    if (!hasFreeSlotOnCard0(this.layout)) {
      Annotations.of(this).addWarningV2('cdk-efa:batch-card-0-full', `The layout of ${this.layout.instanceType} fills network card 0 (${this.layout.capabilities.networkCards[0].maximumNetworkInterfaces} interface(s)), but each multi-node parallel container gets a network interface of its own (awsvpc), attached to the instance (inferred: on network card 0, EC2's default card), which then has no free slot for it. Leave primaryInterface unset (an efa primary frees the slot where it keeps the EFA count), lower efaCount, or acknowledge this warning if your jobs start.`);
    }

    warnIfDefaultSecurityGroupRestricted(this, props.vpc);

    this.placementGroup = (props.placement ?? defaultPlacement(capacity))._bind(this);
    const reservationId = capacity.capacityReservationId;
    const subnet = chooseSubnet(this, props.vpc, subnetRequest, {
      construct: 'EfaBatchComputeEnvironment',
      // Besides the layout's interfaces, every multi-node parallel container gets one of its own, without a public IP.
      multipleInterfaces: true,
      checkChooses: check && reservationId !== undefined,
    });
    warnIfReservationZoneUnchecked(this, 'EfaBatchComputeEnvironment', reservationId, subnet.subnets[0], check);
    this.subnetId = check
      ? offeringCheck(this, subnet.subnetIds, instanceTypes, props.availabilityZoneId, reservationId)
      : subnet.subnetIds[0];

    const { ManagedEc2EcsComputeEnvironment } = batchModule();
    this.computeEnvironment = new ManagedEc2EcsComputeEnvironment(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: { subnets: subnet.subnets },
      // AWS Batch refuses security groups on the compute environment beside network interfaces in its launch template
      // ("Either compute environment Security Groups or Network Interfaces in Launch template are exclusively
      // allowed"): the groups are on the template's interfaces.
      securityGroups: [],
      useOptimalInstanceClasses: false,
      maxvCpus: props.maxvCpus,
      minvCpus: props.minvCpus,
      // Multi-node parallel jobs do not run on Spot.
      spot: false,
      launchTemplate: this.launchTemplate,
      placementGroup: this.placementGroup,
      instanceRole: props.instanceRole,
      images: props.images,
      computeEnvironmentName: props.computeEnvironmentName,
    });
    // Added after construction: aws-batch's constructor parses each type's class name (its A1 check), which fails on
    // names with a hyphen such as p6-b300.48xlarge ("Malformed instance type identifier").
    instanceTypes.forEach((t) => this.computeEnvironment.addInstanceType(t));
    const resource = this.computeEnvironment.node.defaultChild as batch.CfnComputeEnvironment;
    const computeResources = resource.computeResources as batch.CfnComputeEnvironment.ComputeResourcesProperty;
    // Set on the L1's typed properties, so that aspects such as EfaChecks read them.
    resource.computeResources = {
      ...computeResources,
      securityGroupIds: undefined,
      subnets: [this.subnetId],
      // The template's latest version, so that a change of the template updates the compute environment.
      launchTemplate: { launchTemplateId: this.launchTemplate.launchTemplateId, version: this.launchTemplate.latestVersionNumber },
    };
    this.computeEnvironmentArn = this.computeEnvironment.computeEnvironmentArn;
    this.computeEnvironmentName = this.computeEnvironment.computeEnvironmentName;
    if (props.instanceRole === undefined) {
      acknowledgeNagRules(this.computeEnvironment, [{
        id: managedPolicyRule('service-role/AmazonEC2ContainerServiceforEC2Role'),
        reason: 'cdk-efa: AWS Batch container instances need the AmazonEC2ContainerServiceforEC2Role managed policy to join their ECS cluster.',
      }]);
    }
  }

  /** The security groups of the instances' IP interfaces: the EFA group. */
  public get connections(): ec2.Connections {
    return this.launchTemplate.connections;
  }
}

/** `capabilities-mismatch`: `capabilities` for a type that is none of the compute environment's. */
function capabilitiesProblems(names: string[], given: InstanceTypeCapabilities | undefined): Problem[] {
  if (given === undefined || names.length === 0 || names.includes(given.instanceType) || names.some((n) => Token.isUnresolved(n))) {
    return [];
  }
  return [{ id: 'capabilities-mismatch', message: `has capabilities for ${given.instanceType}, which is none of its instance types (${names.join(', ')}); pass capabilities of one of them.` }];
}

/** `invalid-vcpus`: vCPU counts that are not whole numbers, negative, or out of order; tokens are not judged. */
function vcpuProblems(maxvCpus: unknown, minvCpus: unknown): Problem[] {
  const problems: Problem[] = [];
  const resolved = (n: unknown): n is number => typeof n === 'number' && !Token.isUnresolved(n);
  const invalid = (n: unknown, least: number) => typeof n !== 'number' || (resolved(n) && (!Number.isInteger(n) || n < least));
  if (invalid(maxvCpus, 1)) {
    problems.push({ id: 'invalid-vcpus', message: `has maxvCpus ${echo(maxvCpus)}, but a compute environment needs a whole number of vCPUs, at least 1, with room for every node of a job (each instance counts all its vCPUs); give maxvCpus, for example 384 for two p5.48xlarge.` });
  }
  if (minvCpus !== undefined && invalid(minvCpus, 0)) {
    problems.push({ id: 'invalid-vcpus', message: `has minvCpus ${echo(minvCpus)}, but it is a whole number of vCPUs, 0 or more; leave it unset for 0.` });
  } else if (resolved(minvCpus) && resolved(maxvCpus) && !invalid(maxvCpus, 1) && minvCpus > maxvCpus) {
    problems.push({ id: 'invalid-vcpus', message: `has minvCpus ${minvCpus} above maxvCpus ${maxvCpus}, but a compute environment cannot keep more vCPUs running than it may run; lower minvCpus or raise maxvCpus.` });
  }
  return problems;
}

/** `batch-capacity-block`: AWS Batch ignores the launch template's market options, which a Capacity Block needs. */
function capacityProblems(capacity: EfaCapacity): Problem[] {
  if (!capacity.isCapacityBlock) {
    return [];
  }
  return [{ id: 'batch-capacity-block', message: `launches into Capacity Block ${echo(capacity.capacityReservationId)}, but AWS Batch ignores a launch template's instance market options (AWS Batch User Guide, "Use Amazon EC2 launch templates with AWS Batch"), so the capacity-block market type a Capacity Block launch needs never reaches EC2; use an EfaAutoScalingGroup or an EfaNodeGroup for the Capacity Block, or EfaCapacity.reservation(id) for an On-Demand Capacity Reservation.` }];
}

function checkSameLayout(scope: Construct, capabilities: InstanceTypeCapabilities[], layout: EfaLayout, options: EfaLayoutOptions): void {
  const others = capabilities.slice(1).map((caps) => EfaLayout.recommended(caps, options));
  const problem = mixedLayoutsProblem([layout, ...others], 'one launch template', 'its own EfaBatchComputeEnvironment');
  if (problem !== undefined) {
    throw efaError(problem.id, `EfaBatchComputeEnvironment ${scope.node.path} ${problem.message}`);
  }
}

/**
 * Warns (`cdk-efa:batch-default-security-group`) when the VPC's default security group has had its rules removed by
 * aws-cdk-lib (`restrictDefaultSecurityGroup`). Each multi-node parallel container's own network interface (awsvpc) gets
 * the compute environment's security groups, or the VPC's default group when it has none (AWS Batch User Guide,
 * mnp-ce.html), and an EFA compute environment can have none: AWS Batch refuses them beside network interfaces in its
 * launch template. So the nodes' IP traffic to each other (MPI and NCCL bootstrap) passes the default group.
 */
function warnIfDefaultSecurityGroupRestricted(scope: Construct, vpc: ec2.IVpc): void {
  if (vpc.node.tryFindChild('RestrictDefaultSecurityGroupCustomResource') === undefined) {
    return;
  }
  Annotations.of(scope).addWarningV2('cdk-efa:batch-default-security-group', `The VPC ${vpc.node.path} removes every rule of its default security group (restrictDefaultSecurityGroup, on with the @aws-cdk/aws-ec2:restrictDefaultSecurityGroup feature flag), but AWS Batch gives the network interface of each multi-node parallel container (awsvpc) the compute environment's security groups, or the VPC's default group when it has none, and a compute environment whose launch template lists network interfaces, as an EFA one must, can have none of its own; so the job's nodes cannot reach each other over IP (MPI and NCCL bootstrap). Set restrictDefaultSecurityGroup: false on the VPC, allow traffic between members of its default security group, or acknowledge this warning if that is done elsewhere.`);
}

/** User data as the MIME multi-part archive AWS Batch merges with its own. */
function asMultipart(userData: ec2.UserData): ec2.UserData {
  if (userData instanceof ec2.MultipartUserData) {
    return userData;
  }
  const multipart = new ec2.MultipartUserData();
  multipart.addPart(ec2.MultipartBody.fromUserData(userData));
  return multipart;
}
