/**
 * How EFA devices are offered to Kubernetes pods. Installed once per cluster as a Helm chart from the eks-charts
 * repository (https://aws.github.io/eks-charts); one cluster never gets both.
 *
 * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
 */
export class EfaKubernetesPlugin {
  /**
   * The EFA device plugin (Helm chart `aws-efa-k8s-device-plugin`), which offers the extended resource
   * `vpc.amazonaws.com/efa`. Works on every EKS Kubernetes version. If the NVIDIA device plugin 0.19 or later runs
   * on the same nodes, turn off its MOFED (`/dev/infiniband`) mounts.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static readonly DEVICE_PLUGIN = EfaKubernetesPlugin.devicePlugin('v0.5.30');

  /**
   * The EFA DRA driver, DRANET (Helm chart `aws-dranet`), with DeviceClass `efa.networking.k8s.aws`. Needs
   * Kubernetes 1.34 or later; not supported with Karpenter or EKS Auto Mode.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static readonly DRA_DRIVER = EfaKubernetesPlugin.draDriver('1.0.0');

  /**
   * Install nothing: you manage the EFA device plugin or DRA driver yourself.
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static readonly NONE = new EfaKubernetesPlugin('none', '', '');

  /**
   * The EFA device plugin at another chart version.
   *
   * @param chartVersion a version of the `aws-efa-k8s-device-plugin` chart, for example `v0.5.30`
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static devicePlugin(chartVersion: string): EfaKubernetesPlugin {
    return new EfaKubernetesPlugin('device-plugin', 'aws-efa-k8s-device-plugin', chartVersion);
  }

  /**
   * The EFA DRA driver at another chart version.
   *
   * @param chartVersion a version of the `aws-dranet` chart, for example `1.0.0`
   *
   * @see https://docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html
   */
  public static draDriver(chartVersion: string): EfaKubernetesPlugin {
    return new EfaKubernetesPlugin('dra-driver', 'aws-dranet', chartVersion);
  }

  private constructor(
    /** `device-plugin`, `dra-driver` or `none`. */
    public readonly name: string,
    /** The Helm chart's name; empty for `NONE`. */
    public readonly chart: string,
    /** The Helm chart's version; empty for `NONE`. */
    public readonly chartVersion: string,
  ) {}
}
