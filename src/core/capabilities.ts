// Types only: the core loads no construct module at run time.
import type { InstanceArchitecture, PlacementGroupStrategy } from 'aws-cdk-lib/aws-ec2';
import { InterfaceType } from './network-interface';

/**
 * What kind of accelerator an instance type carries.
 *
 * Mirrors the three EC2 `DescribeInstanceTypes` sections that describe accelerators.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceTypeInfo.html
 */
export enum AcceleratorKind {
  /** A GPU (`GpuInfo.Gpus`), for example NVIDIA H100. */
  GPU = 'gpu',
  /** An AWS Neuron device (`NeuronInfo.NeuronDevices`): Trainium or Inferentia. */
  NEURON = 'neuron',
  /** Another inference accelerator (`InferenceAcceleratorInfo.Accelerators`), for example Qualcomm AI 100. */
  INFERENCE = 'inference',
}

/**
 * One kind of accelerator on an instance type.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GpuDeviceInfo.html
 */
export interface AcceleratorCapabilities {
  /** Which EC2 section the accelerator is described in. */
  readonly kind: AcceleratorKind;

  /** Manufacturer, as EC2 spells it, for example `NVIDIA`, `AWS` or `Qualcomm`. */
  readonly manufacturer: string;

  /** Model name, for example `H100`, `B200` or `Trainium2`. */
  readonly name: string;

  /** Number of accelerators of this model on one instance (a count). */
  readonly count: number;
}

/**
 * One network card of an instance type.
 *
 * Matches `NetworkInfo.NetworkCards[]` of EC2 `DescribeInstanceTypes`, plus whether the card can carry an EFA,
 * which EC2 does not report per card.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkCardInfo.html
 */
export interface NetworkCardCapabilities {
  /** Index of the card (`NetworkCardIndex`), starting at 0. */
  readonly networkCardIndex: number;

  /**
   * Maximum network interfaces on this card (`MaximumNetworkInterfaces`), a count.
   *
   * A device index on this card must be below this number; `efa-only` interfaces count towards it.
   */
  readonly maximumNetworkInterfaces: number;

  /**
   * Whether this card can carry an EFA (`efa` or `efa-only`).
   *
   * False for network card 0 of p6-b300.48xlarge and p6e-gb200.36xlarge, which are ENA-only.
   */
  readonly efaSupported: boolean;

  /**
   * The interface types (`InterfaceType`) this card accepts, when it accepts fewer than its `efaSupported` implies.
   *
   * EC2 does not report this per card. p6e-gb200.36xlarge's odd cards (1, 3, …, 15) take only `efa-only`: EC2 rejects
   * an `interface` or `efa` there. The layout engine refuses a layout that puts another type on such a card
   * (`cdk-efa:interface-type-not-supported-on-card`). The list must agree with `efaSupported` (`efa` or `efa-only`
   * only when it is true, and at least one of them then), and network card 0 must accept a primary
   * (`interface` or `efa`).
   *
   * @default - `interface`, plus `efa` and `efa-only` when `efaSupported` is true
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa-acc-inst-types.html
   */
  readonly supportedInterfaceTypes?: InterfaceType[];

  /**
   * Baseline bandwidth of the card, in Gbps (`BaselineBandwidthInGbps`).
   *
   * @default - unknown; counted as 0 Gbps in layout summaries
   */
  readonly baselineBandwidthInGbps?: number;

  /**
   * Peak (burst) bandwidth of the card, in Gbps (`PeakBandwidthInGbps`).
   *
   * @default - same as the baseline
   */
  readonly peakBandwidthInGbps?: number;
}

/**
 * What an EC2 instance type can do for EFA: the capability table's row.
 *
 * Field names follow EC2 `DescribeInstanceTypes`. Build one yourself to use an instance type newer than the table
 * (pass it as `capabilities` to `EfaLayout.recommended`, `EfaLaunchTemplate` or the CLI).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInfo.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-instance-types
 */
export interface InstanceTypeCapabilities {
  /** The instance type, for example `p5.48xlarge`. */
  readonly instanceType: string;

  /** Whether the instance type supports EFA (`NetworkInfo.EfaSupported`). */
  readonly efaSupported: boolean;

  /**
   * Maximum EFA interfaces on one instance (`NetworkInfo.EfaInfo.MaximumEfaInterfaces`), a count.
   */
  readonly maximumEfaInterfaces: number;

  /**
   * The network cards, one entry per card, in card order (`NetworkInfo.NetworkCards`).
   *
   * The number of entries is `MaximumNetworkCards`.
   */
  readonly networkCards: NetworkCardCapabilities[];

  /**
   * Index of the default network card (`NetworkInfo.DefaultNetworkCardIndex`).
   *
   * @default 0
   */
  readonly defaultNetworkCardIndex?: number;

  /**
   * Maximum network interfaces on the instance across all cards (`NetworkInfo.MaximumNetworkInterfaces`), a count.
   *
   * @default - the sum of the cards' `maximumNetworkInterfaces`
   */
  readonly maximumNetworkInterfaces?: number;

  /**
   * Maximum private IPv4 addresses per interface (`NetworkInfo.Ipv4AddressesPerInterface`), a count.
   *
   * @default - unknown
   */
  readonly ipv4AddressesPerInterface?: number;

  /** CPU architecture (`ProcessorInfo.SupportedArchitectures`). */
  readonly architecture: InstanceArchitecture;

  /**
   * Accelerators on the instance (`GpuInfo`, `NeuronInfo`, `InferenceAcceleratorInfo`).
   *
   * @default - none: a CPU instance type
   */
  readonly accelerators?: AcceleratorCapabilities[];

  /**
   * Placement group strategies the type supports (`PlacementGroupInfo.SupportedStrategies`).
   *
   * @default - cluster, partition and spread
   */
  readonly placementGroupStrategies?: PlacementGroupStrategy[];

  /**
   * Whether these values were read from EC2 or AWS documentation.
   *
   * False where some values were inferred (for example from a sibling size); constructs warn
   * (`cdk-efa:unverified-capabilities`) when they use an unverified row.
   *
   * @default true
   */
  readonly verified?: boolean;
}
