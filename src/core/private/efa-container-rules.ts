import { Problem, echo } from './errors';
import { Token } from './tokens';

/**
 * The one home of the rules for a container that uses EFA: which EFA devices it maps (`/dev/infiniband/uverbsN`, one
 * character device per EFA interface of the host, numbered from 0) and the libfabric / NCCL environment it runs with.
 * `EfaMultiNodeJobDefinition` checks the container it is about to create with them, and `EfaChecks` / `cdk-efa inspect`
 * check `AWS::Batch::JobDefinition` resources with them. Pure: messages have no subject, the caller names the job.
 *
 * Facts (AWS Batch User Guide, "Elastic Fabric Adapter", efa.html): a job definition passes the EFA device into the
 * container with a `devices` entry whose `hostPath` is `/dev/infiniband/uverbs0`; a `containerPath`, if given, must be
 * the same path; `permissions`, if given, must be `READ`, `WRITE` and `MKNOD`. An instance exposes one such device per
 * EFA interface (uverbs0 … uverbsN-1), so a job on an instance with N EFAs maps all N to use all of them; a device
 * beyond them does not exist on the host.
 */

/** The permissions AWS Batch asks for on an EFA device, as its API spells them. */
export const EFA_DEVICE_PERMISSIONS: readonly string[] = ['READ', 'WRITE', 'MKNOD'];

const UVERBS = /^\/dev\/infiniband\/uverbs(0|[1-9]\d*)$/;

/** The host path of EFA device `index` (0 for the first EFA interface). */
export function efaDevicePath(index: number): string {
  return `/dev/infiniband/uverbs${index}`;
}

/** The EFA device index of a host path, or undefined for any other path (or a token). */
export function efaDeviceIndex(hostPath: unknown): number | undefined {
  if (typeof hostPath !== 'string' || Token.isUnresolved(hostPath)) {
    return undefined;
  }
  const match = UVERBS.exec(hostPath);
  return match === null ? undefined : Number(match[1]);
}

/** One device mapping of a container, as a job definition holds it. */
export interface DeviceMapping {
  /** `hostPath`; undefined when unknown (an intrinsic function, a token). */
  readonly hostPath?: string;
  /** `containerPath`; undefined when not set or unknown. */
  readonly containerPath?: string;
  /** `permissions`; undefined when not set or unknown. */
  readonly permissions?: readonly string[];
}

/** What the devices are checked against: how many EFA interfaces the instances have, and where that number comes from. */
export interface EfaDeviceTarget {
  /** The number of EFA interfaces (`efa` plus `efa-only`) of the instances the container runs on. */
  readonly efaCount: number;
  /** Where the number comes from, for messages: `the layout of p5.48xlarge in compute environment Stack/Ce`. */
  readonly source: string;
}

/** The device rules' findings: errors make the job fail on the host, warnings leave EFA bandwidth unused. */
export interface EfaDeviceFindings {
  readonly errors: Problem[];
  readonly warnings: Problem[];
}

/** `/dev/infiniband/uverbs0` or `/dev/infiniband/uverbs0 to uverbs31`. */
function deviceRange(count: number): string {
  return count === 1 ? efaDevicePath(0) : `${efaDevicePath(0)} to uverbs${count - 1}`;
}

function listed(paths: string[]): string {
  const shown = paths.slice(0, 4).join(', ');
  return paths.length > 4 ? `${shown} and ${paths.length - 4} more` : shown;
}

/**
 * The problems of a container's EFA device mappings; devices that are not EFA devices (`/dev/fuse`) and unknown values
 * are skipped.
 *
 * - `efa-device-out-of-range` (error): a device `uverbsK` with K at or above the target's EFA count; it does not exist
 *   on the host.
 * - `efa-device-container-path` (error): an EFA device mapped to another path in the container.
 * - `efa-device-permissions` (error): permissions given without all of `READ`, `WRITE` and `MKNOD` (compared without
 *   case: aws-cdk-lib's `DevicePermission` spells them in lower case).
 * - `efa-devices-unmapped` (warning): some EFA devices are mapped, but not all of the target's, so the job uses fewer
 *   EFA interfaces than the instances have. A container that maps no EFA device at all is not judged: it may not use EFA.
 *
 * @param devices the container's device mappings
 * @param target the EFA interfaces of the instances the container runs on; without it only the rules that need no count
 *        are checked
 */
export function efaDeviceFindings(devices: readonly DeviceMapping[], target?: EfaDeviceTarget): EfaDeviceFindings {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const efaDevices = devices.flatMap((d) => {
    const index = efaDeviceIndex(d.hostPath);
    return index === undefined ? [] : [{ ...d, hostPath: d.hostPath!, index }];
  });

  const otherPath = efaDevices.filter((d) => d.containerPath !== undefined && !Token.isUnresolved(d.containerPath) && d.containerPath !== d.hostPath);
  if (otherPath.length > 0) {
    const pairs = otherPath.map((d) => `${d.hostPath} to ${echo(d.containerPath)}`);
    errors.push({ id: 'efa-device-container-path', message: `maps EFA device ${listed(pairs)}, but AWS Batch passes an EFA device through only at its own path; leave containerPath unset or make it the same as hostPath.` });
  }

  const missing = (d: typeof efaDevices[number]) => {
    const given = (d.permissions ?? []).filter((p) => typeof p === 'string' && !Token.isUnresolved(p)).map((p) => p.toUpperCase());
    return d.permissions === undefined || d.permissions.length === 0 ? [] : EFA_DEVICE_PERMISSIONS.filter((p) => !given.includes(p));
  };
  const lacking = efaDevices.filter((d) => missing(d).length > 0);
  if (lacking.length > 0) {
    const what = lacking.map((d) => `${d.hostPath} (without ${missing(d).join(', ')})`);
    errors.push({ id: 'efa-device-permissions', message: `gives EFA device ${listed(what)} permissions that leave some out, but libfabric needs to read, write and create the device node; give READ, WRITE and MKNOD, or leave permissions unset.` });
  }

  if (target === undefined || Token.isUnresolved(target.efaCount)) {
    return { errors, warnings };
  }
  const count = target.efaCount;
  const beyond = [...new Set(efaDevices.filter((d) => d.index >= count).map((d) => d.index))].sort((a, b) => a - b);
  if (beyond.length > 0) {
    const has = count === 0 ? 'no EFA interface, so the host has no EFA device' : `${count} EFA interface${count === 1 ? '' : 's'}, so the host has only ${deviceRange(count)}`;
    errors.push({ id: 'efa-device-out-of-range', message: `maps ${listed(beyond.map(efaDevicePath))}, but ${target.source} has ${has}, and a device that does not exist on the host keeps the container from starting; ${count === 0 ? 'run the job on EFA instances' : `map ${deviceRange(count)}, one device per EFA interface`}.` });
  }
  const mapped = new Set(efaDevices.map((d) => d.index));
  const unmapped = Array.from({ length: count }, (_, i) => i).filter((i) => !mapped.has(i));
  if (mapped.size > 0 && unmapped.length > 0) {
    warnings.push({ id: 'efa-devices-unmapped', message: `maps ${count - unmapped.length} of the ${count} EFA devices of ${target.source}, leaving out ${listed(unmapped.map(efaDevicePath))}, so the job uses only part of the instances' EFA bandwidth; map ${deviceRange(count)}, or acknowledge this warning if fewer is intended.` });
  }
  return { errors, warnings };
}

/** The names of network devices that are EFA devices, never IP interfaces: RDMA device names and uverbs nodes. */
const EFA_DEVICE_NAME = /^(rdmap|efa|uverbs|\/dev\/infiniband)/i;

/**
 * The problems of the environment of a container that uses EFA:
 *
 * - `fi-provider-not-efa`: `FI_PROVIDER` set to another libfabric provider (`tcp`, `sockets`), so libfabric and
 *   aws-ofi-nccl do not use the EFA devices.
 * - `nccl-socket-ifname-efa`: `NCCL_SOCKET_IFNAME` selects an EFA device (an `rdmap…` RDMA device, `efa…`, a uverbs
 *   node). NCCL opens its bootstrap sockets on the IP interfaces that variable selects, and an EFA device, an
 *   `efa-only` interface above all, has no IP address. An exclusion list (`^…`) is not judged.
 *
 * Values that are tokens are skipped.
 */
export function efaEnvironmentProblems(environment: Readonly<Record<string, unknown>>): Problem[] {
  const problems: Problem[] = [];
  const provider = environment.FI_PROVIDER;
  if (typeof provider === 'string' && !Token.isUnresolved(provider) && provider.trim().toLowerCase() !== 'efa') {
    problems.push({ id: 'fi-provider-not-efa', message: `sets FI_PROVIDER to ${echo(provider)}, but the container maps the EFA devices and that provider does not use them, so traffic between the nodes falls back to TCP; set FI_PROVIDER to 'efa', or leave it unset (cdk-efa sets it).` });
  }
  const ifname = environment.NCCL_SOCKET_IFNAME;
  if (typeof ifname === 'string' && !Token.isUnresolved(ifname)) {
    // NCCL reads a leading '^' as "every interface but these", and a leading '=' as "exactly these", for the whole list.
    const list = ifname.trim();
    const selected = list.startsWith('^') ? [] : list.replace(/^=/, '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    const efa = selected.filter((s) => EFA_DEVICE_NAME.test(s));
    if (efa.length > 0) {
      problems.push({ id: 'nccl-socket-ifname-efa', message: `sets NCCL_SOCKET_IFNAME to ${echo(ifname)}, which selects ${efa.map((s) => echo(s)).join(', ')}: an EFA device, not an IP interface (an efa-only interface has no IP address at all), so NCCL cannot open its bootstrap sockets there; leave NCCL_SOCKET_IFNAME unset, or name the container's IP interface, or list the interfaces to leave out after '^'.` });
    }
  }
  return problems;
}
