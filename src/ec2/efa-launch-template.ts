import { Annotations, Token } from 'aws-cdk-lib';
import {
  BlockDevice, BlockDeviceVolume, CfnLaunchTemplate, Connections, EbsDeviceVolumeType, IKeyPair, IMachineImage,
  InstanceType, IPlacementGroup, ISecurityGroup, IVpc, LaunchTemplate, UserData,
} from 'aws-cdk-lib/aws-ec2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EfaCapacity } from './capacity';
import { EfaSecurityGroup } from './efa-security-group';
import { EfaPlacement } from './placement';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaLayout, LayoutProfile, PrimaryInterface } from '../core/layout';
import { InterfaceType, NetworkInterfaceSpec } from '../core/network-interface';
import { defaultPlacement } from './private/capacity-rules';
import { launchTemplateProblems } from './private/launch-template-rules';
import { Problem, definedKeys, throwIfProblems } from '../core/private/errors';
import { publicIpProblem } from '../core/private/fleet-rules';

/**
 * Properties of an `EfaLaunchTemplate`.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export interface EfaLaunchTemplateProps {
  /**
   * The instance type. Its network-card layout comes from the capability table, or from `capabilities`.
   */
  readonly instanceType: InstanceType;

  /**
   * The instance type's capabilities, for a type newer than the table or an instance type given as a token.
   *
   * @default - looked up in the capability table (`EfaInstanceTypes.lookup`)
   */
  readonly capabilities?: InstanceTypeCapabilities;

  /**
   * How many EFA interfaces to create, a count.
   *
   * @default - the most AWS recommends for the type (see `EfaLayoutOptions.efaCount`)
   */
  readonly efaCount?: number;

  /**
   * The primary interface (network card 0, device 0).
   *
   * @default - `PrimaryInterface.ENA`, or `EFA` where card 0 takes a single interface (hpc6id.32xlarge)
   */
  readonly primaryInterface?: PrimaryInterface;

  /**
   * Extra ENA interfaces for IP bandwidth and addresses.
   *
   * @default LayoutProfile.SINGLE_IP
   */
  readonly profile?: LayoutProfile;

  /**
   * A hand-written layout instead of the recommended one. It is validated like any other; it cannot be combined with
   * `efaCount`, `primaryInterface` or `profile`.
   *
   * @default - AWS's recommended layout, computed by `EfaLayout.recommended`
   */
  readonly networkInterfaces?: NetworkInterfaceSpec[];

  /**
   * The VPC, used to create the EFA security group when `securityGroup` is not given.
   *
   * @default - none; then `securityGroup` is required
   */
  readonly vpc?: IVpc;

  /**
   * The EFA security group, put on every network interface.
   *
   * A group without the EFA self rules made in this app (by `EfaSecurityGroup` or `EfaSecurityGroup.addEfaRules`)
   * gets a warning (`cdk-efa:security-group-rules-unknown`).
   *
   * @default - a new `EfaSecurityGroup` in `vpc`, with construct ID `SecurityGroup`
   */
  readonly securityGroup?: ISecurityGroup;

  /**
   * More security groups for the interfaces that carry IP traffic (`interface` and `efa`), for example to allow SSH
   * or the cluster's control plane.
   *
   * @default - none
   */
  readonly additionalSecurityGroups?: ISecurityGroup[];

  /**
   * Give `efa-only` interfaces only the EFA security group, not `additionalSecurityGroups`.
   *
   * `efa-only` interfaces carry no IP traffic, so only the EFA group's self rules matter for them.
   *
   * @default false
   */
  readonly efaOnlyInterfacesUseEfaSecurityGroupOnly?: boolean;

  /**
   * The placement group.
   *
   * A new cluster group (`EfaPlacement.cluster()`) cannot be combined with a reservation: the reservation's capacity is
   * not in a group created after it. Use the reservation's own group with `fromPlacementGroup()`, or `none()`.
   *
   * @default - `EfaPlacement.cluster()`, or `EfaPlacement.none()` when `capacity` is a reservation
   * @throws `cdk-efa:placement-group-with-reservation` for `EfaPlacement.cluster()` with a reservation
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/placement-strategies.html#placement-groups-cluster
   */
  readonly placement?: EfaPlacement;

  /**
   * Which capacity the instances launch into. A reservation sets
   * `CapacityReservationSpecification.CapacityReservationTarget`; a Capacity Block also sets
   * `InstanceMarketOptions.MarketType: capacity-block` and needs the instance type in the template
   * (`includeInstanceType` not false), because a Capacity Block reserves one instance type. An `EfaNodeGroup` given
   * this template defaults its `capacityType` to `CAPACITY_BLOCK` for a Capacity Block.
   *
   * @default - `EfaCapacity.onDemand()`, or what the deprecated `capacityReservationId` and `capacityBlock` describe
   * @throws `cdk-efa:capacity-block-without-instance-type` for a Capacity Block with `includeInstanceType: false`;
   *         `cdk-efa:conflicting-capacity-options` together with `capacityReservationId` or `capacityBlock`
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-launch.html
   */
  readonly capacity?: EfaCapacity;

  /**
   * Launch into this On-Demand Capacity Reservation or Capacity Block
   * (`CapacityReservationSpecification.CapacityReservationTarget`).
   *
   * @default - no reservation
   * @deprecated use `capacity: EfaCapacity.reservation(id)` or `EfaCapacity.capacityBlock(id)`
   * @throws `cdk-efa:invalid-capacity-reservation-id` when it is not `cr-` followed by 17 hexadecimal digits
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html
   */
  readonly capacityReservationId?: string;

  /**
   * Whether `capacityReservationId` is a Capacity Block for ML.
   *
   * @default false
   * @deprecated use `capacity: EfaCapacity.capacityBlock(id)`
   * @throws `cdk-efa:capacity-block-without-reservation` without `capacityReservationId`
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-launch.html
   */
  readonly capacityBlock?: boolean;

  /**
   * Whether the launch template names its instance type (`LaunchTemplateData.InstanceType`).
   *
   * Set it to false when the consumer chooses the instance type, for example an EKS managed node group or an EC2
   * Fleet with several instance types of the same layout. The layout is computed from `instanceType` either way.
   *
   * @default true
   */
  readonly includeInstanceType?: boolean;

  /**
   * The AMI, passed through to the launch template.
   *
   * @default - none: the consumer (EKS, AWS Batch, an Auto Scaling group) chooses
   */
  readonly machineImage?: IMachineImage;

  /**
   * User data, passed through to the launch template.
   *
   * @default - the machine image's user data, if any
   */
  readonly userData?: UserData;

  /**
   * Block device mappings. EBS volumes that are not encrypted get a warning (`cdk-efa:ebs-unencrypted`). They replace
   * the default mapping, so they cannot be combined with `rootDeviceName` or `rootVolumeSizeGiB`.
   *
   * @default - one encrypted gp3 volume of `rootVolumeSizeGiB` at `rootDeviceName`
   * @throws `cdk-efa:conflicting-block-device-options` together with `rootDeviceName` or `rootVolumeSizeGiB`
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-device-mapping-concepts.html
   */
  readonly blockDevices?: BlockDevice[];

  /**
   * Device name of the volume in the default block device mapping, the one `rootVolumeSizeGiB` sizes.
   *
   * Amazon Linux 2023 and the EKS-optimized AMIs use `/dev/xvda`; Ubuntu AMIs use `/dev/sda1`. Bottlerocket keeps
   * its small OS on `/dev/xvda` and container images and data on `/dev/xvdb`, so give `/dev/xvdb` there
   * (`EfaNodeGroup` does this for Bottlerocket AMI types).
   *
   * @default '/dev/xvda'
   * @see https://github.com/bottlerocket-os/bottlerocket#default-volumes
   */
  readonly rootDeviceName?: string;

  /**
   * Size of the volume in the default block device mapping (at `rootDeviceName`), in GiB: a whole number, 1 or more,
   * and at least the size of the AMI's snapshot. A token (a CfnParameter) is passed through unchecked.
   *
   * @default 100
   * @throws `cdk-efa:invalid-root-volume-size` below 1 or fractional
   * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EbsBlockDevice.html
   */
  readonly rootVolumeSizeGiB?: number;

  /**
   * Whether the primary interface gets a public IPv4 address. EC2 cannot assign a public IP when a launch has more
   * than one network interface, so `true` is only possible with a single-interface layout.
   *
   * @default - not set: the subnet's setting applies (and only for single-interface layouts)
   */
  readonly associatePublicIpAddress?: boolean;

  /**
   * The name of the launch template.
   *
   * @default - a name CloudFormation generates
   */
  readonly launchTemplateName?: string;

  /**
   * The SSH key pair.
   *
   * @default - none
   */
  readonly keyPair?: IKeyPair;

  /**
   * An IAM role for an instance profile. Leave it out for EKS managed node groups, which reject an instance profile
   * in their launch template.
   *
   * @default - no instance profile
   */
  readonly role?: IRole;

  /**
   * The IMDSv2 response hop limit, a count of network hops from 1 to 64. 2 lets containers reach the instance
   * metadata service. A token (a CfnParameter) is passed through unchecked.
   *
   * IMDSv2 is always required.
   *
   * @default 2
   * @throws `cdk-efa:invalid-hop-limit` outside 1–64 or fractional
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html
   */
  readonly httpPutResponseHopLimit?: number;
}

/**
 * A launch template whose network interfaces follow AWS's recommended per-network-card EFA layout for its instance
 * type, with the EFA security group on every interface and a cluster placement group.
 *
 * The layout is computed by `EfaLayout` and validated against the rules EC2 enforces at launch, so a broken layout
 * fails at synth time, not 20 minutes into a deployment. Security groups are set per interface (`Groups`), never in
 * `SecurityGroupIds`, because EC2 rejects both together. IMDSv2 is required and EBS is encrypted by default.
 *
 * Use it with EC2 fleets, Auto Scaling groups, AWS Batch compute environments or EKS node groups through
 * `launchTemplateId` and `versionNumber`.
 *
 * The constructor first looks up the instance type and computes its layout (those errors come from `EfaInstanceTypes`
 * and `EfaLayout`), then checks the other props in one pass and throws one error that lists every problem, each with
 * its ID (see docs/errors.md).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export class EfaLaunchTemplate extends LaunchTemplate {
  private static computeLayout(scope: Construct, props: EfaLaunchTemplateProps): EfaLayout {
    const capabilities = props.capabilities ?? EfaInstanceTypes.lookup(props.instanceType.toString());
    if (capabilities.verified === false) {
      Annotations.of(scope).addWarningV2('cdk-efa:unverified-capabilities', `The capability table's row for ${capabilities.instanceType} is partly inferred, not read from EC2; check the layout against \`aws ec2 describe-instance-types --instance-types ${capabilities.instanceType}\`, or pass \`capabilities\` you have verified.`);
    }
    // With layout options beside a hand-written layout, the hand-written one is validated and the conflict reported
    // with the other problems of the props.
    return props.networkInterfaces !== undefined
      ? EfaLayout.fromInterfaces(capabilities, props.networkInterfaces)
      : EfaLayout.recommended(capabilities, { efaCount: props.efaCount, primaryInterface: props.primaryInterface, profile: props.profile });
  }

  /**
   * Every problem of the props, for one error that lists them all. The instance type and its layout come first (the
   * layout engine reports its own problems); these are the rest.
   */
  private static propProblems(props: EfaLaunchTemplateProps, layout: EfaLayout): Problem[] {
    const problems = launchTemplateProblems({ ...props, blockDevicesGiven: props.blockDevices !== undefined });
    const name = props.instanceType.toString();
    if (props.capabilities !== undefined && !Token.isUnresolved(name) && name !== props.capabilities.instanceType) {
      problems.push({ id: 'capabilities-mismatch', message: `has instanceType ${name} but capabilities for ${props.capabilities.instanceType}; pass capabilities of the same instance type.` });
    }
    if (props.networkInterfaces !== undefined) {
      const given = definedKeys({ efaCount: props.efaCount, primaryInterface: props.primaryInterface, profile: props.profile });
      if (given.length > 0) {
        problems.push({ id: 'conflicting-layout-options', message: `has a hand-written networkInterfaces layout and also ${given.join(', ')}, which only shape the recommended layout; remove ${given.join(', ')} or networkInterfaces.` });
      }
    }
    if (props.securityGroup === undefined && props.vpc === undefined) {
      problems.push({ id: 'no-security-group', message: 'needs a security group for its EFA interfaces; pass `vpc` to create an EfaSecurityGroup, or `securityGroup`.' });
    }
    const publicIp = publicIpProblem(layout.interfaces.length, props.associatePublicIpAddress === true);
    return publicIp === undefined ? problems : [...problems, publicIp];
  }

  /** The network interfaces, their counts, IP addresses per node and EFA bandwidth. */
  public readonly layout: EfaLayout;

  /** The EFA security group on every interface. */
  public readonly efaSecurityGroup: ISecurityGroup;

  /**
   * The placement group, if any.
   *
   * @default - none, for `EfaPlacement.none()`
   */
  public readonly placementGroup?: IPlacementGroup;

  /**
   * The On-Demand Capacity Reservation or Capacity Block the template launches into (`cr-…`).
   *
   * @default - none
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html
   */
  public readonly capacityReservationId?: string;

  /**
   * Whether the template launches into a Capacity Block for ML (`InstanceMarketOptions.MarketType: capacity-block`).
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-launch.html
   */
  public readonly capacityBlock: boolean;

  /**
   * Which capacity the instances launch into.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-reservations-launch.html
   */
  public readonly capacity: EfaCapacity;

  private readonly efaConnections: EfaConnections;

  constructor(scope: Construct, id: string, props: EfaLaunchTemplateProps) {
    super(scope, id, {
      instanceType: props.includeInstanceType === false ? undefined : props.instanceType,
      machineImage: props.machineImage,
      userData: props.userData,
      blockDevices: props.blockDevices ?? [{
        deviceName: props.rootDeviceName ?? '/dev/xvda',
        volume: BlockDeviceVolume.ebs(props.rootVolumeSizeGiB ?? 100, { encrypted: true, volumeType: EbsDeviceVolumeType.GP3 }),
      }],
      launchTemplateName: props.launchTemplateName,
      keyPair: props.keyPair,
      role: props.role,
      requireImdsv2: true,
      httpPutResponseHopLimit: props.httpPutResponseHopLimit ?? 2,
    });

    this.layout = EfaLaunchTemplate.computeLayout(this, props);
    throwIfProblems(`EfaLaunchTemplate ${this.node.path}`, EfaLaunchTemplate.propProblems(props, this.layout));

    this.efaSecurityGroup = props.securityGroup ?? new EfaSecurityGroup(this, 'SecurityGroup', { vpc: props.vpc! });
    if (!EfaSecurityGroup.hasEfaRules(this.efaSecurityGroup)) {
      Annotations.of(this).addWarningV2('cdk-efa:security-group-rules-unknown', `The security group ${this.efaSecurityGroup.node.path} has no EFA self rules made in this app. EFA needs all traffic in from and out to the group itself; call EfaSecurityGroup.addEfaRules(group), use an EfaSecurityGroup, or acknowledge this warning if the rules exist outside this app.`);
    }
    this.efaConnections = new EfaConnections([this.efaSecurityGroup, ...(props.additionalSecurityGroups ?? [])]);

    this.capacity = EfaCapacity._of(props);
    this.placementGroup = (props.placement ?? defaultPlacement(this.capacity))._bind(this);
    this.capacityReservationId = this.capacity.capacityReservationId;
    this.capacityBlock = this.capacity.isCapacityBlock;

    this.warnOnUnencryptedVolumes(props.blockDevices);

    const resource = this.node.defaultChild as CfnLaunchTemplate;
    // Set on the L1's typed properties (not as raw overrides), so that aspects such as EfaChecks can read them.
    const data = resource.launchTemplateData as CfnLaunchTemplate.LaunchTemplateDataProperty;
    resource.launchTemplateData = {
      ...data,
      networkInterfaces: this.renderNetworkInterfaces(props),
      placement: this.placementGroup === undefined ? data.placement : { groupName: EfaPlacement._nameOf(this.placementGroup) },
      capacityReservationSpecification: this.capacityReservationId === undefined ? undefined : {
        capacityReservationTarget: { capacityReservationId: this.capacityReservationId },
      },
      instanceMarketOptions: this.capacityBlock ? { marketType: 'capacity-block' } : data.instanceMarketOptions,
    };
  }

  /**
   * The security groups of the IP-carrying interfaces: the EFA group and `additionalSecurityGroups`.
   */
  public get connections(): Connections {
    return this.efaConnections;
  }

  /**
   * Adds a security group to the interfaces that carry IP traffic (and to `efa-only` interfaces, unless
   * `efaOnlyInterfacesUseEfaSecurityGroupOnly` is set).
   *
   * @param securityGroup the group to add
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  public addSecurityGroup(securityGroup: ISecurityGroup): void {
    this.efaConnections.addSecurityGroup(securityGroup);
  }

  private renderNetworkInterfaces(props: EfaLaunchTemplateProps): CfnLaunchTemplate.NetworkInterfaceProperty[] {
    // One array shared by every IP interface (up to 33 per template), kept in step with the connections: a plain
    // array resolves faster at synth than a Lazy.list, which token resolution evaluates once per interface.
    const allGroups = this.efaConnections.securityGroupIds;
    const efaOnlyGroups = props.efaOnlyInterfacesUseEfaSecurityGroupOnly ? [this.efaSecurityGroup.securityGroupId] : allGroups;
    return this.layout.interfaces.map((iface) => {
      const isPrimary = iface.networkCardIndex === 0 && iface.deviceIndex === 0;
      const efaOnly = iface.interfaceType === InterfaceType.EFA_ONLY;
      return {
        networkCardIndex: iface.networkCardIndex,
        deviceIndex: iface.deviceIndex,
        interfaceType: iface.interfaceType,
        groups: efaOnly ? efaOnlyGroups : allGroups,
        deleteOnTermination: true,
        // efa-only interfaces have no IP address: EC2 rejects any IP or public-IP setting on them.
        associatePublicIpAddress: isPrimary && !efaOnly ? props.associatePublicIpAddress : undefined,
      };
    });
  }

  private warnOnUnencryptedVolumes(blockDevices: BlockDevice[] | undefined): void {
    const unencrypted = (blockDevices ?? [])
      .filter((d) => d.volume.ebsDevice !== undefined && d.volume.ebsDevice.encrypted !== true)
      .map((d) => d.deviceName);
    if (unencrypted.length > 0) {
      Annotations.of(this).addWarningV2('cdk-efa:ebs-unencrypted', `EBS volumes ${unencrypted.join(', ')} are not encrypted; pass encrypted: true in BlockDeviceVolume.ebs(), or turn on EBS encryption by default for the account.`);
    }
  }
}

/**
 * `Connections` that also keep their security group IDs in one array, updated in place when a group is added, so that
 * every interface of a launch template can share it. aws-cdk-lib's `Connections` constructor does not call
 * `addSecurityGroup`, so the override runs only for groups added later.
 */
class EfaConnections extends Connections {
  /** The IDs of `securityGroups`, in order; always the same array object. */
  public readonly securityGroupIds: string[];

  constructor(securityGroups: ISecurityGroup[]) {
    super({ securityGroups });
    this.securityGroupIds = securityGroups.map((sg) => sg.securityGroupId);
  }

  public addSecurityGroup(...securityGroups: ISecurityGroup[]): void {
    super.addSecurityGroup(...securityGroups);
    this.securityGroupIds.splice(0, this.securityGroupIds.length, ...this.securityGroups.map((sg) => sg.securityGroupId));
  }
}
