import { Annotations, Token } from 'aws-cdk-lib';
import type * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
// Types only: aws-autoscaling and aws-iam load when the first group is created (src/ec2/private/lazy-modules.ts).
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  Sizes, autoScalingGroupProblems, capabilitiesOf, instanceTypesOf, scaleInTime,
  selfManagedNodeSettings, sizesOf,
} from './private/auto-scaling-rules';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaLayout, LayoutProfile, PrimaryInterface } from '../core/layout';
import { echo, efaError, throwIfProblems } from '../core/private/errors';
import { mixedLayoutsProblem } from '../core/private/fleet-rules';
import { EfaCapacity } from '../ec2/capacity';
import { EfaLaunchTemplate } from '../ec2/efa-launch-template';
import { offeringCheck } from '../ec2/offering-check';
import { EfaPlacement } from '../ec2/placement';
import { autoscalingModule, iamModule } from '../ec2/private/lazy-modules';
import { acknowledgeNagRules } from '../ec2/private/nag';
import { chooseSubnet, warnIfReservationZoneUnchecked, warnOnIpBudget } from '../ec2/private/subnet-choice';
import { EfaSubnetOptions } from '../ec2/subnet-options';

/**
 * Everything an `EfaAutoScalingGroup` takes except the VPC, for `EfaCluster.addEfaAutoScalingGroup()` (self-managed
 * EKS nodes, which take the cluster's VPC).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export interface EfaAutoScalingGroupOptions extends EfaSubnetOptions {
  /**
   * The instance type. Its network-card layout comes from the capability table, or from `capabilities`.
   *
   * @default - none; give `instanceType` or `instanceTypes`
   * @throws `cdk-efa:no-instance-type` without either; `cdk-efa:conflicting-instance-type-options` with both
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Several instance types whose EFA layouts are identical (for example p5.48xlarge and p5e.48xlarge): the group gets
   * a mixed instances policy, with the launch template (which then names no instance type) overridden per type. p4d
   * and p4de never mix with other types, because they cannot exchange EFA traffic with them; a Capacity Block takes
   * one type only.
   *
   * @default - `[instanceType]`
   * @throws `cdk-efa:mixed-layouts` when the layouts differ; `cdk-efa:mixed-architectures` for Arm and x86 types (one
   *         AMI); `cdk-efa:p4d-mixed`; `cdk-efa:capacity-block-without-instance-type` with a Capacity Block
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups.html
   */
  readonly instanceTypes?: ec2.InstanceType[];

  /**
   * The capabilities of an instance type newer than the capability table (or given as a token), built from
   * `aws ec2 describe-instance-types`. They apply to the type they name, or to the one instance type.
   *
   * @default - looked up in the capability table (`EfaInstanceTypes.lookup`)
   * @throws `cdk-efa:capabilities-mismatch` when they are for another type
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInfo.html
   */
  readonly capabilities?: InstanceTypeCapabilities;

  /**
   * How many EFA interfaces each instance gets, a count.
   *
   * @default - the most AWS recommends for the type
   */
  readonly efaCount?: number;

  /**
   * The primary interface (network card 0, device 0).
   *
   * @default - `PrimaryInterface.ENA`, or `EFA` where card 0 takes a single interface (hpc6id.32xlarge); for
   *            self-managed EKS nodes, chosen for the Amazon VPC CNI as `EfaNodeGroupOptions.primaryInterface` says
   */
  readonly primaryInterface?: PrimaryInterface;

  /**
   * Extra ENA interfaces for IP bandwidth and addresses.
   *
   * @default LayoutProfile.SINGLE_IP
   */
  readonly profile?: LayoutProfile;

  /**
   * Minimum number of instances. EFA needs at least 2 instances to be useful.
   *
   * @default 2, or 0 for a Capacity Block
   * @throws `cdk-efa:invalid-scaling` when negative, fractional or above `desiredCapacity` or `maxCapacity`
   */
  readonly minCapacity?: number;

  /**
   * Maximum number of instances. With a Capacity Block, the block's instance count: the scheduled scale-out sets the
   * desired capacity to it. A group that can have fewer than 2 instances gets a warning
   * (`cdk-efa:fewer-than-two-nodes`).
   *
   * @default - `desiredCapacity`, else `minCapacity` (tokens included); required with a Capacity Block
   * @throws `cdk-efa:capacity-block-needs-max-capacity` when missing with a Capacity Block
   */
  readonly maxCapacity?: number;

  /**
   * Initial number of instances. Left unset, the group starts at `minCapacity` and a deployment never resets the
   * size the group has scaled to (aws-cdk-lib warns when it is set). A Capacity Block group with a desired or minimum
   * capacity above 0 gets a warning (`cdk-efa:capacity-block-desired-size`).
   *
   * @default - not set: the group starts at `minCapacity`
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-capacity-limits.html
   */
  readonly desiredCapacity?: number;

  /**
   * The placement group. Capacity reservations and Capacity Blocks need `EfaPlacement.none()` or the reservation's own
   * group.
   *
   * @default - `EfaPlacement.cluster()`, a new cluster placement group; `EfaPlacement.none()` with a reservation
   * @throws `cdk-efa:placement-group-with-reservation` for `EfaPlacement.cluster()` with a reservation
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-strategies.html#placement-groups-cluster
   */
  readonly placement?: EfaPlacement;

  /**
   * Which capacity the instances launch into, put in the launch template.
   *
   * - `EfaCapacity.reservation(id)`: an On-Demand Capacity Reservation; no new placement group, and the subnet in the
   *   reservation's Availability Zone (the offering check chooses or verifies it).
   * - `EfaCapacity.capacityBlock(id)`: a Capacity Block for ML, launched into only within the block's window (EC2
   *   refuses launches before the start and terminates the instances from 30 minutes before the end). The group then
   *   takes one instance type (EC2 Auto Scaling supports no mixed instances groups with Capacity Blocks), is created
   *   empty (`minCapacity` 0, no desired capacity) with `maxCapacity` the block's instance count, and is scaled by
   *   two one-time scheduled actions when `capacityBlockStartTime` and `capacityBlockEndTime` are given: to
   *   `maxCapacity` at the start, and to 0 an hour before the end. Without them, scale it yourself within the window.
   *
   * @default EfaCapacity.onDemand()
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/launch-template-capacity-blocks.html
   */
  readonly capacity?: EfaCapacity;

  /**
   * The start of the Capacity Block's window, from `aws ec2 describe-capacity-reservations` (`StartDate`): a one-time
   * scheduled action (construct ID `CapacityBlockScaleOut`) sets the group's desired capacity to `maxCapacity` then.
   * CloudFormation refuses a scheduled action whose start time has passed, so remove this once the block has started
   * if you deploy the stack again later.
   *
   * @default - no scheduled scale-out: scale the group yourself once the block is active
   * @throws `cdk-efa:invalid-capacity-block-schedule` without a Capacity Block, or when it is not a date
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-scheduled-scaling.html
   */
  readonly capacityBlockStartTime?: Date;

  /**
   * The end of the Capacity Block's window (`EndDate`): a one-time scheduled action (construct ID
   * `CapacityBlockScaleIn`) sets the group's minimum and desired capacity to 0 an hour before it. EC2 terminates the
   * block's instances from 30 minutes before the end, and EC2 Auto Scaling asks for the scale-in to run earlier than
   * that; the other 30 minutes are for lifecycle hooks and draining.
   *
   * @default - no scheduled scale-in: scale the group to 0 yourself more than 30 minutes before the end
   * @throws `cdk-efa:invalid-capacity-block-schedule` without a Capacity Block, when it is not a date, or when the
   *         scale-in would not come after `capacityBlockStartTime`
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/launch-template-capacity-blocks.html
   */
  readonly capacityBlockEndTime?: Date;

  /**
   * The EFA security group, on every network interface. EFA traffic flows only between members of one EFA security
   * group, so fleets that exchange EFA traffic must share it.
   *
   * @default - a new `EfaSecurityGroup` (construct ID `SecurityGroup` under the launch template); for self-managed EKS
   *            nodes, the cluster's shared one (`EfaCluster.sharedEfaSecurityGroup()`)
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html#efa-start-security
   */
  readonly securityGroup?: ec2.ISecurityGroup;

  /**
   * More security groups for the interfaces that carry IP traffic (`interface` and `efa`, not `efa-only`), for
   * example to allow SSH or a scheduler's traffic. The Auto Scaling group itself takes no security groups: with
   * network interfaces in the launch template, they go on each interface.
   *
   * @default - none; for self-managed EKS nodes, the cluster security group
   */
  readonly additionalSecurityGroups?: ec2.ISecurityGroup[];

  /**
   * The AMI. It needs the EFA software (the EFA installer's libfabric, and aws-ofi-nccl for NCCL), as the AWS Deep
   * Learning AMIs and the EKS-optimized accelerated AMIs have.
   *
   * @default - the latest Amazon Linux 2023 AMI for the type's architecture, which has the EFA kernel driver but not
   *            libfabric: install the EFA software in `userData`, or pass an AMI that has it; for self-managed EKS
   *            nodes, the EKS-optimized AL2023 AMI for the cluster's Kubernetes version and the type's accelerators
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-start.html
   */
  readonly machineImage?: ec2.IMachineImage;

  /**
   * User data.
   *
   * @default - the machine image's user data; for self-managed EKS nodes, only the nodeadm `NodeConfig` (given user
   *            data is added as another MIME part after it)
   */
  readonly userData?: ec2.UserData;

  /**
   * The instances' IAM role, put in an instance profile of the launch template.
   *
   * @default - a new role (construct ID `InstanceRole`) that EC2 can assume, with no policies; for self-managed EKS
   *            nodes, with the EKS worker node, CNI and ECR read-only managed policies
   */
  readonly role?: iam.IRole;

  /**
   * Size of the root volume (`/dev/xvda`, encrypted gp3), in GiB: a whole number, 1 or more, and at least the AMI
   * snapshot's size.
   *
   * @default 100
   * @throws `cdk-efa:invalid-root-volume-size` below 1 or fractional
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * The SSH key pair.
   *
   * @default - none
   */
  readonly keyPair?: ec2.IKeyPair;

  /**
   * The Auto Scaling group's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly autoScalingGroupName?: string;

  /**
   * Where the group sends notifications of its scaling events. Without them, cdk-nag's AwsSolutions-AS3 is
   * acknowledged on the group: an HPC or ML fleet's scaling is driven by its scheduler or by the capacity window.
   *
   * @default - none
   * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-sns-notifications.html
   */
  readonly notifications?: autoscaling.NotificationConfiguration[];
}

/**
 * Properties of an `EfaAutoScalingGroup`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export interface EfaAutoScalingGroupProps extends EfaAutoScalingGroupOptions {
  /** The VPC; the group uses one subnet of it. */
  readonly vpc: ec2.IVpc;
}

/**
 * An EC2 Auto Scaling group of EFA instances, for self-managed fleets such as Slurm or MPI clusters: every instance
 * has all its EFA interfaces, in one subnet and one placement group.
 *
 * It creates an `EfaLaunchTemplate` (the layout AWS recommends, security groups on each interface, IMDSv2, encrypted
 * root volume, the capacity reservation or Capacity Block), a cluster placement group by default, and aws-cdk-lib's
 * `autoscaling.AutoScalingGroup` from that template (a mixed instances policy for several instance types), whose
 * `VPCZoneIdentifier` is exactly one subnet, checked at deploy time by the offering check. The Auto Scaling group is
 * created inside this construct (composition), so importing cdk-efa does not load aws-autoscaling.
 *
 * The constructor looks up the instance types first (the capability table reports an unknown type), then checks the
 * other props in one pass and throws one error that lists every problem with its ID (see docs/errors.md).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 * @see https://docs.aws.amazon.com/autoscaling/ec2/userguide/create-auto-scaling-groups-launch-template.html
 */
export class EfaAutoScalingGroup extends Construct implements ec2.IConnectable {
  /** aws-cdk-lib's Auto Scaling group (construct ID `AutoScalingGroup`), for scaling policies and other settings. */
  public readonly autoScalingGroup: autoscaling.AutoScalingGroup;

  /** The launch template (construct ID `LaunchTemplate`). */
  public readonly launchTemplate: EfaLaunchTemplate;

  /** The network interfaces of each instance, with counts, IP addresses per instance and EFA bandwidth. */
  public readonly layout: EfaLayout;

  /** The instances' IAM role. */
  public readonly role: iam.IRole;

  /**
   * The subnet ID the instances launch in: the offering check's answer (a deploy-time value) when the check is on.
   */
  public readonly subnetId: string;

  /**
   * The placement group's name.
   *
   * @default - none, for `EfaPlacement.none()` (the default with a reservation)
   */
  public readonly placementGroupName?: string;

  /**
   * Which capacity the instances launch into.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html
   */
  public readonly capacity: EfaCapacity;

  /** The minimum number of instances, with its default applied. */
  public readonly minCapacity: number;

  /** The maximum number of instances, with its default applied. */
  public readonly maxCapacity: number;

  constructor(scope: Construct, id: string, props: EfaAutoScalingGroupProps) {
    super(scope, id);
    const instanceTypes = instanceTypesOf(props);
    // The instance types' capabilities come first (the table reports an unknown type itself); then every problem of
    // the props, in one pass that throws once.
    const capabilities = capabilitiesOf(instanceTypes, props.capabilities);
    throwIfProblems(`EfaAutoScalingGroup ${this.node.path}`, autoScalingGroupProblems(props, capabilities));
    this.capacity = props.capacity ?? EfaCapacity.onDemand();
    const sizes = sizesOf(props, this.capacity);
    this.minCapacity = sizes.minCapacity;
    this.maxCapacity = sizes.maxCapacity;
    this.warnOnSizes(sizes);

    const arm = capabilities[0].architecture === ec2.InstanceArchitecture.ARM_64;
    this.role = props.role ?? new (iamModule().Role)(this, 'InstanceRole', {
      assumedBy: new (iamModule().ServicePrincipal)('ec2.amazonaws.com'),
      description: 'cdk-efa: EFA Auto Scaling group instances',
    });
    const single = instanceTypes.length === 1;
    this.launchTemplate = new EfaLaunchTemplate(this, 'LaunchTemplate', {
      instanceType: instanceTypes[0],
      capabilities: capabilities[0],
      // With several types the mixed instances policy names them; the template names none.
      includeInstanceType: single,
      efaCount: props.efaCount,
      primaryInterface: props.primaryInterface,
      profile: props.profile,
      vpc: props.vpc,
      securityGroup: props.securityGroup,
      additionalSecurityGroups: props.additionalSecurityGroups,
      // efa-only interfaces carry no IP traffic: the EFA group's self rules are all they need.
      efaOnlyInterfacesUseEfaSecurityGroupOnly: true,
      placement: props.placement,
      capacity: this.capacity,
      machineImage: props.machineImage ?? ec2.MachineImage.latestAmazonLinux2023({
        cpuType: arm ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64,
      }),
      userData: props.userData,
      role: this.role,
      rootVolumeSizeGiB: props.rootVolumeSizeGiB,
      keyPair: props.keyPair,
    });
    this.layout = this.launchTemplate.layout;
    this.checkSameLayout(capabilities, props);
    this.placementGroupName = EfaPlacement._nameOf(this.launchTemplate.placementGroup);

    const check = props.offeringCheck !== false;
    const reservationId = this.capacity.capacityReservationId;
    const subnet = chooseSubnet(this, props.vpc, props, {
      construct: 'EfaAutoScalingGroup',
      multipleInterfaces: this.layout.interfaces.length > 1,
      // The deploy-time check chooses among the candidates the one in the reservation's Availability Zone.
      checkChooses: check && reservationId !== undefined,
    });
    warnIfReservationZoneUnchecked(this, 'EfaAutoScalingGroup', reservationId, subnet.subnets[0], check);
    this.subnetId = check
      ? offeringCheck(this, subnet.subnetIds, instanceTypes, props.availabilityZoneId, reservationId)
      : subnet.subnetIds[0];
    // A plain fleet's instances take their interfaces' addresses only; Kubernetes nodes also their pods'.
    const nodeSettings = selfManagedNodeSettings(props);
    const podIps = nodeSettings === undefined ? 0 : nodeSettings.podIpv4AddressesPerNode;
    warnOnIpBudget(this, subnet.cidrBlock, sizes.maxCapacity, capabilities[0], this.layout, podIps);

    const { AutoScalingGroup } = autoscalingModule();
    this.autoScalingGroup = new AutoScalingGroup(this, 'AutoScalingGroup', {
      vpc: props.vpc,
      vpcSubnets: { subnets: [subnet.subnets[0]] },
      minCapacity: sizes.minCapacity,
      maxCapacity: sizes.maxCapacity,
      desiredCapacity: sizes.desiredCapacity,
      autoScalingGroupName: props.autoScalingGroupName,
      notifications: props.notifications,
      ...(single
        ? { launchTemplate: this.launchTemplate }
        : {
          mixedInstancesPolicy: {
            launchTemplate: this.launchTemplate,
            launchTemplateOverrides: instanceTypes.map((instanceType) => ({ instanceType })),
          },
        }),
    });
    // The subnet can be the offering check's deploy-time answer, which is no ISubnet: it replaces the selection, on
    // the L1's typed property so that aspects can read it.
    (this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup).vpcZoneIdentifier = [this.subnetId];
    this.scheduleCapacityBlock(props, sizes);
    if (props.notifications === undefined) {
      acknowledgeNagRules(this.autoScalingGroup, [{ id: 'AwsSolutions-AS3', reason: 'cdk-efa: an EFA fleet is scaled by its scheduler or its capacity window; pass notifications to be told of scaling events.' }]);
    }
  }

  /** The security groups of the IP interfaces: the EFA group and `additionalSecurityGroups`. */
  public get connections(): ec2.Connections {
    return this.launchTemplate.connections;
  }

  private warnOnSizes(sizes: Sizes): void {
    const { minCapacity, desiredCapacity, maxCapacity } = sizes;
    if (!Token.isUnresolved(maxCapacity) && maxCapacity < 2) {
      Annotations.of(this).addWarningV2('cdk-efa:fewer-than-two-nodes', `The Auto Scaling group can have at most ${maxCapacity} instance(s), but EFA connects instances to each other and needs at least 2 to be useful; raise maxCapacity to 2 or more.`);
    }
    const above0 = (n: number | undefined) => n !== undefined && !Token.isUnresolved(n) && n > 0;
    if (this.capacity.isCapacityBlock && (above0(minCapacity) || above0(desiredCapacity))) {
      Annotations.of(this).addWarningV2('cdk-efa:capacity-block-desired-size', `The Auto Scaling group launches into Capacity Block ${echo(this.capacity.capacityReservationId)} with minCapacity ${echo(minCapacity)} and desiredCapacity ${echo(desiredCapacity)}, but EC2 launches into a Capacity Block only within its window, so a deployment before the start leaves the group failing to launch; leave minCapacity and desiredCapacity unset (0) and scale within the window (capacityBlockStartTime and capacityBlockEndTime schedule it), or acknowledge this warning.`);
    }
  }

  /** `mixed-layouts`: every instance type must have the launch template's layout. */
  private checkSameLayout(capabilities: InstanceTypeCapabilities[], props: EfaAutoScalingGroupProps): void {
    const options = { efaCount: props.efaCount, primaryInterface: props.primaryInterface, profile: props.profile };
    const others = capabilities.slice(1).map((caps) => EfaLayout.recommended(caps, options));
    const problem = mixedLayoutsProblem([this.layout, ...others], 'one launch template', 'its own EfaAutoScalingGroup');
    if (problem !== undefined) {
      throw efaError(problem.id, `EfaAutoScalingGroup ${this.node.path} ${problem.message}`);
    }
  }

  /** The one-time scheduled actions of a Capacity Block's window (L1s: aws-cdk-lib's ScheduledAction recurs). */
  private scheduleCapacityBlock(props: EfaAutoScalingGroupProps, sizes: Sizes): void {
    const { CfnScheduledAction } = autoscalingModule();
    const name = this.autoScalingGroup.autoScalingGroupName;
    // CloudFormation takes YYYY-MM-DDThh:mm:ssZ, in UTC.
    const utc = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (props.capacityBlockStartTime !== undefined) {
      new CfnScheduledAction(this, 'CapacityBlockScaleOut', {
        autoScalingGroupName: name,
        startTime: utc(props.capacityBlockStartTime),
        desiredCapacity: sizes.maxCapacity,
      });
    }
    if (props.capacityBlockEndTime !== undefined) {
      new CfnScheduledAction(this, 'CapacityBlockScaleIn', {
        autoScalingGroupName: name,
        // EC2 terminates the block's instances from 30 minutes before the end; scale in before that.
        startTime: utc(scaleInTime(props.capacityBlockEndTime)),
        minSize: 0,
        desiredCapacity: 0,
      });
    }
  }
}
