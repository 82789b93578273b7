import { CfnParameter, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { EfaInstanceTypes, EfaLayout } from '../../src';
import {
  DeviceMapping, EFA_DEVICE_PERMISSIONS, efaDeviceFindings, efaDeviceIndex, efaDevicePath, efaEnvironmentProblems,
} from '../../src/core/private/efa-container-rules';

const TARGET = (efaCount: number) => ({ efaCount, source: 'the layout' });
const ids = (problems: Array<{ id: string }>) => problems.map((p) => p.id);
const full = (n: number): DeviceMapping[] => Array.from({ length: n }, (_, i) => ({
  hostPath: efaDevicePath(i), permissions: EFA_DEVICE_PERMISSIONS,
}));

describe('efaDeviceIndex', () => {
  test.each<[unknown, number | undefined]>([
    ['/dev/infiniband/uverbs0', 0],
    ['/dev/infiniband/uverbs31', 31],
    ['/dev/infiniband/uverbs01', undefined],
    ['/dev/infiniband/rdma_cm', undefined],
    ['/dev/fuse', undefined],
    [undefined, undefined],
    [7, undefined],
  ])('reads %p as %p', (path, index) => {
    expect(efaDeviceIndex(path)).toBe(index);
  });

  test('skips a token', () => {
    expect(efaDeviceIndex(new CfnParameter(new Stack(), 'P').valueAsString)).toBeUndefined();
  });
});

describe('efaDeviceFindings', () => {
  test('fails for devices beyond the EFA interfaces, naming them and the range that exists', () => {
    const { errors } = efaDeviceFindings(full(34), TARGET(32));
    expect(errors).toEqual([{
      id: 'efa-device-out-of-range',
      message: expect.stringMatching(/^maps \/dev\/infiniband\/uverbs32, \/dev\/infiniband\/uverbs33, but the layout has 32 EFA interfaces, so the host has only \/dev\/infiniband\/uverbs0 to uverbs31/),
    }]);
    expect(efaDeviceFindings(full(2), TARGET(1)).errors[0].message).toMatch(/has 1 EFA interface, so the host has only \/dev\/infiniband\/uverbs0, and/);
  });

  test('fails for an EFA device at another container path, or without all three permissions (in any case)', () => {
    const { errors } = efaDeviceFindings([
      { hostPath: efaDevicePath(0), containerPath: '/dev/efa0', permissions: ['read', 'write', 'mknod'] },
      { hostPath: efaDevicePath(1), containerPath: efaDevicePath(1), permissions: ['READ', 'WRITE'] },
    ], TARGET(2));
    expect(ids(errors)).toEqual(['efa-device-container-path', 'efa-device-permissions']);
    expect(errors[0].message).toContain("/dev/infiniband/uverbs0 to '/dev/efa0'");
    expect(errors[1].message).toContain('/dev/infiniband/uverbs1 (without MKNOD)');
  });

  test('warns when some but not all EFA devices are mapped; a container without any is not judged', () => {
    expect(ids(efaDeviceFindings(full(1), TARGET(4)).warnings)).toEqual(['efa-devices-unmapped']);
    expect(efaDeviceFindings([{ hostPath: '/dev/fuse' }], TARGET(4))).toEqual({ errors: [], warnings: [] });
  });

  test('checks only the count-free rules without a target, and skips other devices and unknown values', () => {
    expect(efaDeviceFindings([...full(40), { hostPath: '/dev/fuse', containerPath: '/x', permissions: ['READ'] }, {}])).toEqual({ errors: [], warnings: [] });
  });

  test('property: what EfaMultiNodeJobDefinition maps for any table type\'s layout is clean', () => {
    let checked = 0;
    fc.assert(fc.property(fc.constantFrom(...EfaInstanceTypes.all()), (type) => {
      const efaCount = EfaLayout.forInstanceType(type).summary.efaCount;
      const mapped = full(efaCount).map((d) => ({ ...d, containerPath: d.hostPath }));
      expect(efaDeviceFindings(mapped, TARGET(efaCount))).toEqual({ errors: [], warnings: [] });
      checked++;
    }), { numRuns: 150 });
    expect(checked).toBeGreaterThanOrEqual(150);
  });

  test('property: each finding exactly when its rule is broken', () => {
    const device = fc.record({
      index: fc.nat({ max: 40 }),
      otherPath: fc.boolean(),
      permissions: fc.option(fc.subarray(['READ', 'write', 'MKNOD']), { nil: undefined }),
    });
    const reached = { outOfRange: 0, unmapped: 0, path: 0, permissions: 0, clean: 0 };
    fc.assert(fc.property(fc.integer({ min: 1, max: 32 }), fc.array(device, { maxLength: 40 }), (efaCount, generated) => {
      const devices: DeviceMapping[] = generated.map((d) => ({
        hostPath: efaDevicePath(d.index),
        containerPath: d.otherPath ? `/dev/other${d.index}` : undefined,
        permissions: d.permissions,
      }));
      const { errors, warnings } = efaDeviceFindings(devices, TARGET(efaCount));
      const outOfRange = generated.some((d) => d.index >= efaCount);
      const mapped = new Set(generated.map((d) => d.index));
      const unmapped = mapped.size > 0 && Array.from({ length: efaCount }, (_, i) => i).some((i) => !mapped.has(i));
      const path = generated.some((d) => d.otherPath);
      const permissions = generated.some((d) => d.permissions !== undefined && d.permissions.length > 0 && d.permissions.length < 3);
      expect(ids(errors).includes('efa-device-out-of-range')).toBe(outOfRange);
      expect(ids(warnings)).toEqual(unmapped ? ['efa-devices-unmapped'] : []);
      expect(ids(errors).includes('efa-device-container-path')).toBe(path);
      expect(ids(errors).includes('efa-device-permissions')).toBe(permissions);
      reached.outOfRange += outOfRange ? 1 : 0;
      reached.unmapped += unmapped ? 1 : 0;
      reached.path += path ? 1 : 0;
      reached.permissions += permissions ? 1 : 0;
      reached.clean += errors.length + warnings.length === 0 ? 1 : 0;
    }), { numRuns: 400 });
    // Every branch was reached often enough to mean something.
    expect(reached.outOfRange).toBeGreaterThan(50);
    expect(reached.unmapped).toBeGreaterThan(50);
    expect(reached.path).toBeGreaterThan(50);
    expect(reached.permissions).toBeGreaterThan(50);
    expect(reached.clean).toBeGreaterThan(5);
  });
});

describe('efaEnvironmentProblems', () => {
  test.each<[Record<string, unknown>, string[]]>([
    [{}, []],
    [{ FI_PROVIDER: 'efa' }, []],
    [{ FI_PROVIDER: ' EFA ' }, []],
    [{ FI_PROVIDER: 'tcp' }, ['fi-provider-not-efa']],
    [{ NCCL_SOCKET_IFNAME: 'eth0' }, []],
    [{ NCCL_SOCKET_IFNAME: '^lo,docker,rdmap' }, []],
    [{ NCCL_SOCKET_IFNAME: 'rdmap16s27' }, ['nccl-socket-ifname-efa']],
    [{ NCCL_SOCKET_IFNAME: 'eth0,efa_0' }, ['nccl-socket-ifname-efa']],
    [{ NCCL_SOCKET_IFNAME: '=eth0,rdmap0s6' }, ['nccl-socket-ifname-efa']],
    [{ FI_PROVIDER: 'sockets', NCCL_SOCKET_IFNAME: '/dev/infiniband/uverbs0' }, ['fi-provider-not-efa', 'nccl-socket-ifname-efa']],
    [{ FI_PROVIDER: 7 }, []],
  ])('%p gives %p', (environment, expected) => {
    expect(ids(efaEnvironmentProblems(environment))).toEqual(expected);
  });

  test('skips tokens', () => {
    const token = new CfnParameter(new Stack(), 'P').valueAsString;
    expect(efaEnvironmentProblems({ FI_PROVIDER: token, NCCL_SOCKET_IFNAME: token })).toEqual([]);
  });
});
