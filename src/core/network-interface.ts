/**
 * The type of a network interface (EC2 `InterfaceType`).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/efa.html#efa-differences
 */
export enum InterfaceType {
  /** An ENA: a plain elastic network interface with IP addresses and no OS-bypass. */
  INTERFACE = 'interface',
  /** EFA with ENA: IP networking plus OS-bypass. Consumes an IP address. */
  EFA = 'efa',
  /** EFA-only: OS-bypass only, no IP address. Can never be the primary interface. */
  EFA_ONLY = 'efa-only',
}

/**
 * One network interface of a launch: which card, which device index on that card, and its type.
 *
 * The same three values as a CloudFormation `AWS::EC2::LaunchTemplate` `NetworkInterface`.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ec2-launchtemplate-networkinterface.html
 */
export interface NetworkInterfaceSpec {
  /** The network card (`NetworkCardIndex`), starting at 0. */
  readonly networkCardIndex: number;

  /** The device index on that card (`DeviceIndex`), below the card's `maximumNetworkInterfaces`. */
  readonly deviceIndex: number;

  /** The interface type (`InterfaceType`). */
  readonly interfaceType: InterfaceType;
}
