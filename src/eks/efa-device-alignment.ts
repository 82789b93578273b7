import { Token } from 'aws-cdk-lib';
import { AcceleratorKind, InstanceTypeCapabilities } from '../core/capabilities';
import { echo, efaError } from '../core/private/errors';

/** Neuron connected-group sizes the Neuron DRA driver publishes a `devicegroup<N>_id` attribute for. */
const NEURON_GROUP_SIZES = [1, 4, 8, 16];

/**
 * The accelerators a DRA claim's EFA devices are aligned with: the claim asks for them too, and a `matchAttribute`
 * constraint makes the scheduler pick EFA devices and accelerators that share one PCIe root (NVIDIA GPUs) or one
 * connected Neuron device group (Trainium, Inferentia).
 *
 * The accelerators come from their vendor's DRA driver, which must run on the nodes next to the EFA DRA driver: the
 * NVIDIA DRA driver (DeviceClass `gpu.nvidia.com`) or the Neuron DRA driver (DeviceClass `neuron.aws.com`).
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export class EfaDeviceAlignment {
  /**
   * `count` NVIDIA GPUs (DeviceClass `gpu.nvidia.com`, request name `gpu`) on the same PCIe root as the EFA devices
   * (constraint `matchAttribute: resource.kubernetes.io/pcieRoot`).
   *
   * Every GPU and EFA device the claim gets must share one PCIe root, so ask for no more GPUs than share one on your
   * instance type (usually 1); otherwise the claim is never allocated.
   *
   * @param count the number of GPUs, a whole number from 1 (an unresolved token is taken as is)
   * @throws `cdk-efa:invalid-accelerator-count` when `count` is not a whole number from 1
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static nvidiaGpus(count: number): EfaDeviceAlignment {
    if (!Token.isUnresolved(count) && !(Number.isInteger(count) && count >= 1)) {
      throw efaError('invalid-accelerator-count', `EfaDeviceAlignment.nvidiaGpus() got ${echo(count)} GPUs; give a whole number from 1 (usually 1: every GPU and EFA device of the claim must share one PCIe root).`);
    }
    return new EfaDeviceAlignment('gpu.nvidia.com', 'gpu', count, 'resource.kubernetes.io/pcieRoot', 'NVIDIA GPUs',
      (c) => (c.accelerators ?? []).filter((a) => a.kind === AcceleratorKind.GPU && a.manufacturer.toUpperCase() === 'NVIDIA'));
  }

  /**
   * `count` AWS Neuron devices (DeviceClass `neuron.aws.com`, request name `neuron`) in one connected Neuron device
   * group with the EFA devices (constraint `matchAttribute: resource.aws.com/devicegroup<count>_id`).
   *
   * The Neuron DRA driver publishes group attributes for groups of 1, 4, 8 and 16 connected devices, and the
   * attribute's name carries the group size, so `count` is one of those.
   *
   * @param count the number of Neuron devices: 1, 4, 8 or 16
   * @throws `cdk-efa:invalid-neuron-group-size` when `count` is another number or an unresolved token (the attribute's
   *         name depends on it)
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static neuronDevices(count: number): EfaDeviceAlignment {
    if (Token.isUnresolved(count) || !NEURON_GROUP_SIZES.includes(count)) {
      throw efaError('invalid-neuron-group-size', `EfaDeviceAlignment.neuronDevices() got ${echo(count)} Neuron devices, but the Neuron DRA driver describes connected groups of ${NEURON_GROUP_SIZES.join(', ')} devices only (attributes resource.aws.com/devicegroup<N>_id), and the constraint names the group size; give one of ${NEURON_GROUP_SIZES.join(', ')} as a number.`);
    }
    return new EfaDeviceAlignment('neuron.aws.com', 'neuron', count, `resource.aws.com/devicegroup${count}_id`, 'Neuron devices',
      (c) => (c.accelerators ?? []).filter((a) => a.kind === AcceleratorKind.NEURON));
  }

  /** The accelerators' DeviceClass, for example `gpu.nvidia.com`. */
  public readonly deviceClassName: string;

  /** The name of the claim's accelerator request: `gpu` or `neuron` (a DNS label, for a container's `claims[].request`). */
  public readonly requestName: string;

  /** The number of accelerators the claim asks for. */
  public readonly count: number;

  /** The device attribute the EFA devices and the accelerators must share, for example `resource.kubernetes.io/pcieRoot`. */
  public readonly matchAttribute: string;

  private constructor(
    deviceClassName: string,
    requestName: string,
    count: number,
    matchAttribute: string,
    private readonly description: string,
    private readonly acceleratorsOf: (capabilities: InstanceTypeCapabilities) => { readonly count: number }[],
  ) {
    this.deviceClassName = deviceClassName;
    this.requestName = requestName;
    this.count = count;
    this.matchAttribute = matchAttribute;
  }

  /**
   * What the instance type has of these accelerators, for the claim's checks: their name in messages ('NVIDIA GPUs')
   * and how many one instance carries (0 when none).
   *
   * @internal
   */
  public _onInstanceType(capabilities: InstanceTypeCapabilities): { readonly description: string; readonly available: number } {
    const available = this.acceleratorsOf(capabilities).reduce((sum, a) => sum + a.count, 0);
    return { description: this.description, available };
  }
}
