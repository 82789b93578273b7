import { Annotations, Lazy, Token } from 'aws-cdk-lib';
import {
  BlockDevice, BlockDeviceVolume, CfnLaunchTemplate, Connections, EbsDeviceVolumeType, IKeyPair, IMachineImage,
  InstanceType, IPlacementGroup, ISecurityGroup, IVpc, LaunchTemplate, UserData,
} from 'aws-cdk-lib/aws-ec2';
import { IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EfaSecurityGroup } from './efa-security-group';
import { EfaPlacement } from './placement';
import { InstanceTypeCapabilities } from '../core/capabilities';
import { EfaInstanceTypes } from '../core/instance-types';
import { EfaLayout, LayoutProfile, PrimaryInterface } from '../core/layout';
import { InterfaceType, NetworkInterfaceSpec } from '../core/network-interface';
import { definedKeys, efaError } from '../core/private/errors';

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
   * A new cluster group (`EfaPlacement.cluster()`) cannot be combined with `capacityReservationId`: the reservation's
   * capacity is not in a group created after it. Use the reservation's own group with `fromPlacementGroup()`, or
   * `none()`.
   *
   * @default - `EfaPlacement.cluster()`, or `EfaPlacement.none()` when `capacityReservationId` is set
   */
  readonly placement?: EfaPlacement;

  /**
   * Launch into this On-Demand Capacity Reservation or Capacity Block
   * (`CapacityReservationSpecification.CapacityReservationTarget`).
   *
   * @default - no reservation
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/capacity-blocks-launch.html
   */
  readonly capacityReservationId?: string;

  /**
   * Whether `capacityReservationId` is a Capacity Block for ML: sets `InstanceMarketOptions.MarketType` to
   * `capacity-block`. Requires `capacityReservationId`, and the instance type in the template (`includeInstanceType`
   * not false): a Capacity Block reserves one instance type. An `EfaNodeGroup` given this template defaults its
   * `capacityType` to `CAPACITY_BLOCK`.
   *
   * @default false
   * @throws `cdk-efa:capacity-block-without-reservation` without `capacityReservationId`;
   *         `cdk-efa:capacity-block-without-instance-type` with `includeInstanceType: false`
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
   * Block device mappings. EBS volumes that are not encrypted get a warning (`cdk-efa:ebs-unencrypted`).
   *
   * @default - one encrypted gp3 volume of `rootVolumeSizeGiB` at `rootDeviceName`
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
   * Size of the volume in the default block device mapping (at `rootDeviceName`), in GiB.
   *
   * @default 100
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
   * The IMDSv2 response hop limit, a count. 2 lets containers reach the instance metadata service.
   *
   * IMDSv2 is always required.
   *
   * @default 2
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
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
 */
export class EfaLaunchTemplate extends LaunchTemplate {
  private static placementFor(scope: Construct, props: EfaLaunchTemplateProps): EfaPlacement {
    const reserved = props.capacityReservationId !== undefined;
    // The Capacity Block rules live here, so that EfaNodeGroup asks its launch template instead of repeating them.
    if (props.capacityBlock && !reserved) {
      throw efaError('capacity-block-without-reservation', `EfaLaunchTemplate ${scope.node.path} has capacityBlock: true but no capacityReservationId (an EfaNodeGroup with capacityType CAPACITY_BLOCK sets capacityBlock on the template it creates), and a Capacity Block launch needs its reservation as the target; pass the Capacity Block's reservation ID (cr-...).`);
    }
    if (props.capacityBlock && props.includeInstanceType === false) {
      throw efaError('capacity-block-without-instance-type', `EfaLaunchTemplate ${scope.node.path} has capacityBlock: true but leaves out its instance type (includeInstanceType: false, or an EfaNodeGroup with several instanceTypes); a Capacity Block reserves one instance type and EKS needs it in the launch template, so name exactly one instance type.`);
    }
    if (reserved && props.placement?.mode === 'cluster') {
      throw efaError('placement-group-with-reservation', `EfaLaunchTemplate ${scope.node.path} targets capacity reservation ${props.capacityReservationId} and asks for a new cluster placement group, but the reserved capacity is not in a group created after it and launches would fail with insufficient capacity; use EfaPlacement.none(), or EfaPlacement.fromPlacementGroup() with the group the reservation was made in.`);
    }
    return props.placement ?? (reserved ? EfaPlacement.none() : EfaPlacement.cluster());
  }

  private static computeLayout(scope: Construct, props: EfaLaunchTemplateProps): EfaLayout {
    const name = props.instanceType.toString();
    const capabilities = props.capabilities ?? EfaInstanceTypes.lookup(name);
    if (props.capabilities !== undefined && !Token.isUnresolved(name) && name !== capabilities.instanceType) {
      throw efaError('capabilities-mismatch', `EfaLaunchTemplate ${scope.node.path} has instanceType ${name} but capabilities for ${capabilities.instanceType}; pass capabilities of the same instance type.`);
    }
    if (capabilities.verified === false) {
      Annotations.of(scope).addWarningV2('cdk-efa:unverified-capabilities', `The capability table's row for ${capabilities.instanceType} is partly inferred, not read from EC2; check the layout against \`aws ec2 describe-instance-types --instance-types ${capabilities.instanceType}\`, or pass \`capabilities\` you have verified.`);
    }
    if (props.networkInterfaces !== undefined) {
      const given = definedKeys({ efaCount: props.efaCount, primaryInterface: props.primaryInterface, profile: props.profile });
      if (given.length > 0) {
        throw efaError('conflicting-layout-options', `EfaLaunchTemplate ${scope.node.path} has a hand-written networkInterfaces layout and also ${given.join(', ')}, which only shape the recommended layout; remove ${given.join(', ')} or networkInterfaces.`);
      }
      return EfaLayout.fromInterfaces(capabilities, props.networkInterfaces);
    }
    return EfaLayout.recommended(capabilities, {
      efaCount: props.efaCount,
      primaryInterface: props.primaryInterface,
      profile: props.profile,
    });
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
   */
  public readonly capacityReservationId?: string;

  /** Whether the template launches into a Capacity Block for ML (`InstanceMarketOptions.MarketType: capacity-block`). */
  public readonly capacityBlock: boolean;

  private readonly efaConnections: Connections;

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

    if (props.securityGroup === undefined && props.vpc === undefined) {
      throw efaError('no-security-group', `EfaLaunchTemplate ${this.node.path} needs a security group for its EFA interfaces; pass \`vpc\` to create an EfaSecurityGroup, or \`securityGroup\`.`);
    }
    this.efaSecurityGroup = props.securityGroup ?? new EfaSecurityGroup(this, 'SecurityGroup', { vpc: props.vpc! });
    if (!EfaSecurityGroup.hasEfaRules(this.efaSecurityGroup)) {
      Annotations.of(this).addWarningV2('cdk-efa:security-group-rules-unknown', `The security group ${this.efaSecurityGroup.node.path} has no EFA self rules made in this app. EFA needs all traffic in from and out to the group itself; call EfaSecurityGroup.addEfaRules(group), use an EfaSecurityGroup, or acknowledge this warning if the rules exist outside this app.`);
    }
    this.efaConnections = new Connections({ securityGroups: [this.efaSecurityGroup, ...(props.additionalSecurityGroups ?? [])] });

    this.placementGroup = EfaLaunchTemplate.placementFor(this, props)._bind(this);
    this.capacityReservationId = props.capacityReservationId;
    this.capacityBlock = props.capacityBlock === true;

    const interfaceCount = this.layout.interfaces.length;
    if (props.associatePublicIpAddress === true && interfaceCount > 1) {
      throw efaError('public-ip-with-multiple-interfaces', `EfaLaunchTemplate ${this.node.path} asks for a public IP, but its ${this.layout.instanceType} layout has ${interfaceCount} network interfaces and EC2 cannot assign a public IP when a launch has more than one; launch into a private subnet (use a NAT gateway or a bastion), or set efaCount: 1 with primaryInterface: PrimaryInterface.EFA for a single interface.`);
    }
    this.warnOnUnencryptedVolumes(props.blockDevices);

    const resource = this.node.defaultChild as CfnLaunchTemplate;
    // Set on the L1's typed properties (not as raw overrides), so that aspects such as EfaChecks can read them.
    const data = resource.launchTemplateData as CfnLaunchTemplate.LaunchTemplateDataProperty;
    resource.launchTemplateData = {
      ...data,
      networkInterfaces: this.renderNetworkInterfaces(props),
      placement: this.placementGroup === undefined ? data.placement : { groupName: this.placementGroup.placementGroupName },
      capacityReservationSpecification: props.capacityReservationId === undefined ? undefined : {
        capacityReservationTarget: { capacityReservationId: props.capacityReservationId },
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
    const allGroups = Lazy.list({ produce: () => this.efaConnections.securityGroups.map((sg) => sg.securityGroupId) });
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
