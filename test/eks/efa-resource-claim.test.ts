import { App, CfnParameter, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as fc from 'fast-check';
import { v2Cluster } from './clusters';
import {
  AcceleratorKind, EfaCluster, EfaDeviceAlignment, EfaInstanceTypes, EfaKubernetesPlugin, EfaNodeGroup, EfaResourceClaim,
  EfaResourceClaimOptions, EfaResourceClaimTemplate,
} from '../../src';
import { logicalIds, startingWith } from '../template-helpers';

const P5 = new ec2.InstanceType('p5.48xlarge');
const TRN2 = new ec2.InstanceType('trn2.48xlarge');

function v2Setup(version = eksv2.KubernetesVersion.V1_34, kubectl = true) {
  return v2Cluster(kubectl ? { version } : { version, kubectlProviderOptions: undefined });
}

function v1Setup() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'V1', {
    clusterName: 'v1', vpc, clusterSecurityGroupId: 'sg-v1', kubectlRoleArn: 'arn:aws:iam::111111111111:role/kubectl',
  });
  return { app, stack, vpc, efaCluster: EfaCluster.fromCluster(cluster) };
}

interface Setup {
  readonly app: App;
  readonly stack: Stack;
  readonly efaCluster: EfaCluster;
}

/** The manifests the stack applies, parsed from the custom resources' `Manifest`, without aws-cdk's prune labels. */
function appliedManifests(stack: Stack): Record<string, any>[] {
  const resources = Template.fromStack(stack).findResources('Custom::AWSCDK-EKS-KubernetesResource');
  return Object.values(resources).flatMap((r) => {
    expect(typeof r.Properties.Manifest).toBe('string');
    return (JSON.parse(r.Properties.Manifest) as Record<string, any>[]).map((m) => {
      const labels = Object.keys(m.metadata.labels ?? {}).filter((l) => !l.startsWith('aws.cdk.eks/prune-'));
      expect(labels).toEqual([]);
      delete m.metadata.labels;
      return m;
    });
  });
}

/**
 * The EKS User Guide's ResourceClaimTemplate and ResourceClaim examples ("Manage EFA devices on Amazon EKS"), as
 * objects. cdk-efa names its requests `efa`, `gpu` and `neuron` whatever the counts (a container's
 * `claims[].request` names them, so they must not change with a count), sets the namespace, and leaves out
 * `allocationMode: ExactCount`, the default; `normalized` maps the Guide's request names onto cdk-efa's, drops
 * `ExactCount` and sorts requests by name.
 */
const USER_GUIDE: Record<string, { readonly manifest: Record<string, any>; readonly requestNames: Record<string, string> }> = {
  'single-efa-claim': {
    requestNames: {},
    manifest: {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaimTemplate',
      metadata: { name: 'single-efa-claim' },
      spec: { spec: { devices: { requests: [{ name: 'efa', exactly: { deviceClassName: 'efa.networking.k8s.aws', count: 1 } }] } } },
    },
  },
  'aligned-efa-nvidia': {
    requestNames: { '1-efa': 'efa', '1-gpu': 'gpu' },
    manifest: {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaimTemplate',
      metadata: { name: 'aligned-efa-nvidia' },
      spec: {
        spec: {
          devices: {
            requests: [
              { name: '1-efa', exactly: { deviceClassName: 'efa.networking.k8s.aws', count: 1 } },
              { name: '1-gpu', exactly: { deviceClassName: 'gpu.nvidia.com', count: 1 } },
            ],
            constraints: [{ requests: ['1-gpu', '1-efa'], matchAttribute: 'resource.kubernetes.io/pcieRoot' }],
          },
        },
      },
    },
  },
  'aligned-efa-neuron': {
    requestNames: { '4-neurons': 'neuron', '4-efas': 'efa' },
    manifest: {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaimTemplate',
      metadata: { name: 'aligned-efa-neuron' },
      spec: {
        spec: {
          devices: {
            requests: [
              { name: '4-neurons', exactly: { deviceClassName: 'neuron.aws.com', count: 4 } },
              { name: '4-efas', exactly: { deviceClassName: 'efa.networking.k8s.aws', count: 4 } },
            ],
            constraints: [{ requests: ['4-neurons', '4-efas'], matchAttribute: 'resource.aws.com/devicegroup4_id' }],
          },
        },
      },
    },
  },
  'aligned-all-efa-one-nvidia': {
    requestNames: { 'all-efas': 'efa', 'one-gpu': 'gpu' },
    manifest: {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaimTemplate',
      metadata: { name: 'aligned-all-efa-one-nvidia' },
      spec: {
        spec: {
          devices: {
            requests: [
              { name: 'all-efas', exactly: { deviceClassName: 'efa.networking.k8s.aws', allocationMode: 'All' } },
              { name: 'one-gpu', exactly: { deviceClassName: 'gpu.nvidia.com', allocationMode: 'ExactCount', count: 1 } },
            ],
            constraints: [{ requests: ['all-efas', 'one-gpu'], matchAttribute: 'resource.kubernetes.io/pcieRoot' }],
          },
        },
      },
    },
  },
  'shared-efa': {
    requestNames: {},
    manifest: {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaim',
      metadata: { name: 'shared-efa' },
      spec: { devices: { requests: [{ name: 'efa', exactly: { deviceClassName: 'efa.networking.k8s.aws', count: 4 } }] } },
    },
  },
};

/** The options that reproduce each User Guide example. */
const OPTIONS: Record<string, () => EfaResourceClaimOptions> = {
  'single-efa-claim': () => ({ name: 'single-efa-claim' }),
  'aligned-efa-nvidia': () => ({ name: 'aligned-efa-nvidia', efaCount: 1, alignWith: EfaDeviceAlignment.nvidiaGpus(1), instanceType: P5 }),
  'aligned-efa-neuron': () => ({ name: 'aligned-efa-neuron', efaCount: 4, alignWith: EfaDeviceAlignment.neuronDevices(4), instanceType: TRN2 }),
  // allEfas is the default with alignWith.
  'aligned-all-efa-one-nvidia': () => ({ name: 'aligned-all-efa-one-nvidia', alignWith: EfaDeviceAlignment.nvidiaGpus(1) }),
  'shared-efa': () => ({ name: 'shared-efa', efaCount: 4 }),
};

function normalized(manifest: Record<string, any>, requestNames: Record<string, string>): Record<string, any> {
  const copy = JSON.parse(JSON.stringify(manifest));
  copy.metadata.namespace = copy.metadata.namespace ?? 'default';
  const devices = copy.kind === 'ResourceClaimTemplate' ? copy.spec.spec.devices : copy.spec.devices;
  const rename = (n: string) => requestNames[n] ?? n;
  for (const request of devices.requests) {
    request.name = rename(request.name);
    if (request.exactly.allocationMode === 'ExactCount') {
      delete request.exactly.allocationMode;
    }
  }
  devices.requests.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
  for (const constraint of devices.constraints ?? []) {
    constraint.requests = constraint.requests.map(rename).sort();
  }
  return copy;
}

function claim(setup: Setup, example: string, id = 'Claim'): EfaResourceClaimTemplate | EfaResourceClaim {
  const props = { ...OPTIONS[example](), cluster: setup.efaCluster };
  return USER_GUIDE[example].manifest.kind === 'ResourceClaim'
    ? new EfaResourceClaim(setup.stack, id, props)
    : new EfaResourceClaimTemplate(setup.stack, id, props);
}

describe('EfaResourceClaimTemplate and EfaResourceClaim', () => {
  describe.each([['aws-eks-v2', () => v2Setup()], ['aws-eks', () => v1Setup()]] as const)('on an %s cluster', (_module, setupOf) => {
    test.each(Object.keys(USER_GUIDE))('apply the EKS User Guide example %s', (example) => {
      const setup = setupOf();
      const construct = claim(setup, example);
      const applied = appliedManifests(setup.stack);
      expect(applied).toHaveLength(1);
      const expected = normalized(USER_GUIDE[example].manifest, USER_GUIDE[example].requestNames);
      // Only the ExactCount default and sorting are normalized on cdk-efa's side; its request names are the Guide's,
      // mapped.
      expect(normalized(applied[0], {})).toEqual(expected);
      expect(construct.toManifest()).toEqual(applied[0]);
      const render = construct instanceof EfaResourceClaim ? EfaResourceClaim.renderManifest : EfaResourceClaimTemplate.renderManifest;
      expect(render(OPTIONS[example]())).toEqual(applied[0]);
    });
  });

  test('renders the exact manifest, requests in order efa then the accelerator', () => {
    expect(EfaResourceClaimTemplate.renderManifest({
      name: 'trn2-all', namespace: 'training', alignWith: EfaDeviceAlignment.neuronDevices(16), instanceType: TRN2,
    })).toEqual({
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaimTemplate',
      metadata: { name: 'trn2-all', namespace: 'training' },
      spec: {
        spec: {
          devices: {
            requests: [
              { name: 'efa', exactly: { deviceClassName: 'efa.networking.k8s.aws', allocationMode: 'All' } },
              { name: 'neuron', exactly: { deviceClassName: 'neuron.aws.com', count: 16 } },
            ],
            constraints: [{ requests: ['efa', 'neuron'], matchAttribute: 'resource.aws.com/devicegroup16_id' }],
          },
        },
      },
    });
  });

  test('allEfas without alignWith asks for every EFA device of a node; allEfas: false with alignWith for one', () => {
    const all = EfaResourceClaim.renderManifest({ name: 'all', allEfas: true });
    expect(all.spec.devices.requests).toEqual([{ name: 'efa', exactly: { deviceClassName: 'efa.networking.k8s.aws', allocationMode: 'All' } }]);
    expect(all.spec.devices.constraints).toBeUndefined();
    const one = EfaResourceClaim.renderManifest({ name: 'one', allEfas: false, alignWith: EfaDeviceAlignment.nvidiaGpus(2) });
    expect(one.spec.devices.requests[0]).toEqual({ name: 'efa', exactly: { deviceClassName: 'efa.networking.k8s.aws', count: 1 } });
    expect(one.spec.devices.requests[1]).toEqual({ name: 'gpu', exactly: { deviceClassName: 'gpu.nvidia.com', count: 2 } });
  });

  test('the alignments name their DeviceClass, request and attribute', () => {
    const gpus = EfaDeviceAlignment.nvidiaGpus(2);
    expect([gpus.deviceClassName, gpus.requestName, gpus.count, gpus.matchAttribute]).toEqual(['gpu.nvidia.com', 'gpu', 2, 'resource.kubernetes.io/pcieRoot']);
    for (const size of [1, 4, 8, 16]) {
      const neuron = EfaDeviceAlignment.neuronDevices(size);
      expect([neuron.deviceClassName, neuron.requestName, neuron.count, neuron.matchAttribute]).toEqual(['neuron.aws.com', 'neuron', size, `resource.aws.com/devicegroup${size}_id`]);
    }
  });

  test('exposes the name and namespace; toManifest returns a copy', () => {
    const setup = v2Setup();
    const template = new EfaResourceClaimTemplate(setup.stack, 'Claim', { cluster: setup.efaCluster, name: 'x', namespace: 'ml' });
    expect([template.resourceClaimTemplateName, template.namespace]).toEqual(['x', 'ml']);
    template.toManifest().metadata.name = 'changed';
    expect(template.toManifest().metadata.name).toBe('x');
    expect(appliedManifests(setup.stack)[0].metadata).toEqual({ name: 'x', namespace: 'ml' });
    const shared = new EfaResourceClaim(setup.stack, 'Shared', { cluster: setup.efaCluster, name: 'y' });
    expect([shared.resourceClaimName, shared.namespace]).toEqual(['y', 'default']);
  });

  test('takes unresolved tokens as they are, unchecked', () => {
    const setup = v2Setup();
    const count = new CfnParameter(setup.stack, 'Count', { type: 'Number' }).valueAsNumber;
    const name = new CfnParameter(setup.stack, 'Name').valueAsString;
    const type = new CfnParameter(setup.stack, 'Type').valueAsString;
    const gpus = new CfnParameter(setup.stack, 'Gpus', { type: 'Number' }).valueAsNumber;
    new EfaResourceClaimTemplate(setup.stack, 'Claim', {
      cluster: setup.efaCluster,
      name,
      namespace: name,
      efaCount: count,
      alignWith: EfaDeviceAlignment.nvidiaGpus(gpus),
      instanceType: new ec2.InstanceType(type),
    });
    const resources = Template.fromStack(setup.stack).findResources('Custom::AWSCDK-EKS-KubernetesResource');
    const manifest = JSON.stringify(Object.values(resources)[0].Properties.Manifest);
    expect(manifest).toMatch(/"Ref":"Count"/);
    expect(manifest).toMatch(/"Ref":"Name"/);
    expect(manifest).toMatch(/"Ref":"Gpus"/);
    expect(Token.isUnresolved(EfaResourceClaim.renderManifest({ name: 'ok', efaCount: count }).spec.devices.requests[0].exactly.count)).toBe(true);
  });

  test('takes capabilities of a type newer than the table', () => {
    const p5 = EfaInstanceTypes.lookup('p5.48xlarge');
    const newer = { ...p5, instanceType: 'p9.48xlarge', maximumEfaInterfaces: 64 };
    expect(EfaResourceClaim.renderManifest({ name: 'p9', efaCount: 64, capabilities: newer, instanceType: new ec2.InstanceType('p9.48xlarge') })
      .spec.devices.requests[0].exactly.count).toBe(64);
    expect(() => EfaResourceClaim.renderManifest({ name: 'p9', efaCount: 65, capabilities: newer }))
      .toThrow(/ResourceClaim p9: asks for 65 EFA devices, but p9.48xlarge has at most 64 EFA interfaces.*cdk-efa:claim-efa-count-out-of-range/);
  });

  test('is accepted on a cluster whose EFA node groups run the DRA driver, before or after them', () => {
    const setup = v2Setup();
    new EfaNodeGroup(setup.stack, 'Before', { cluster: setup.efaCluster, instanceTypes: [P5], offeringCheck: false });
    new EfaResourceClaimTemplate(setup.stack, 'Claim', { cluster: setup.efaCluster, name: 'c', alignWith: EfaDeviceAlignment.nvidiaGpus(1) });
    new EfaNodeGroup(setup.stack, 'After', { cluster: setup.efaCluster, instanceTypes: [P5], offeringCheck: false, kubernetesPlugin: EfaKubernetesPlugin.DRA_DRIVER });
    const template = Template.fromStack(setup.stack);
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'aws-dranet' });
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 1);
  });

  test('fails when a device-plugin node group is created after the claim (at synth time)', () => {
    const setup = v2Setup();
    new EfaResourceClaimTemplate(setup.stack, 'Claim', { cluster: setup.efaCluster, name: 'aligned', alignWith: EfaDeviceAlignment.nvidiaGpus(1) });
    new EfaNodeGroup(setup.stack, 'P5', { cluster: setup.efaCluster, instanceTypes: [P5], offeringCheck: false, kubernetesPlugin: EfaKubernetesPlugin.DEVICE_PLUGIN });
    expect(() => Template.fromStack(setup.stack))
      .toThrow(/EfaResourceClaimTemplate Stack\/Claim applies the ResourceClaimTemplate 'aligned'.*but cluster Stack\/Cluster gets the EFA device plugin \(Stack\/Cluster\/EfaDevicePlugin.*EfaKubernetesPlugin.DRA_DRIVER.*cdk-efa:dra-claim-on-device-plugin-cluster/s);
  });

  test('fails when the claim joins an aws-eks cluster whose node groups got the device plugin by default', () => {
    const setup = v1Setup();
    new EfaNodeGroup(setup.stack, 'P5', { cluster: setup.efaCluster, instanceTypes: [P5], offeringCheck: false });
    new EfaResourceClaim(setup.stack, 'Shared', { cluster: setup.efaCluster, name: 'shared-efa', efaCount: 4 });
    expect(() => setup.app.synth()).toThrow(/EfaResourceClaim Stack\/Shared applies the ResourceClaim 'shared-efa'.*cdk-efa:dra-claim-on-device-plugin-cluster/s);
  });

  test('fails when the cluster has the device plugin chart added by hand', () => {
    const setup = v2Setup();
    setup.cluster.addHelmChart('MyEfaPlugin', { chart: 'aws-efa-k8s-device-plugin', repository: 'https://aws.github.io/eks-charts' });
    new EfaResourceClaimTemplate(setup.stack, 'Claim', { cluster: setup.efaCluster, name: 'c' });
    expect(() => setup.app.synth()).toThrow(/gets the EFA device plugin \(Stack\/Cluster\/chart-MyEfaPlugin.*cdk-efa:dra-claim-on-device-plugin-cluster/s);
  });

  test('fails when efaCount is not a whole number from 1', () => {
    for (const efaCount of [0, -1, 1.5, NaN]) {
      expect(() => EfaResourceClaimTemplate.renderManifest({ name: 'c', efaCount }))
        .toThrow(new RegExp(`ResourceClaimTemplate c: has efaCount ${efaCount}; give a whole number of EFA devices from 1.*cdk-efa:claim-efa-count-out-of-range`));
    }
  });

  test.each<[string, number]>([
    ['p5.48xlarge', 32],
    ['p6-b200.48xlarge', 8],
    ['trn1.32xlarge', 8],
    ['c5n.18xlarge', 1],
  ])('fails when efaCount exceeds the EFA interfaces of %s (%d)', (type, efas) => {
    expect(EfaResourceClaimTemplate.renderManifest({ name: 'c', efaCount: efas, instanceType: new ec2.InstanceType(type) })
      .spec.spec.devices.requests[0].exactly.count).toBe(efas);
    expect(() => EfaResourceClaimTemplate.renderManifest({ name: 'c', efaCount: efas + 1, instanceType: new ec2.InstanceType(type) }))
      .toThrow(new RegExp(`asks for ${efas + 1} EFA devices, but ${type} has at most ${efas} EFA interfaces.*ask for ${efas} or fewer.*cdk-efa:claim-efa-count-out-of-range`));
  });

  test('fails when efaCount and allEfas: true are both given', () => {
    expect(() => EfaResourceClaim.renderManifest({ name: 'c', efaCount: 2, allEfas: true }))
      .toThrow(/ResourceClaim c: has both efaCount 2 and allEfas: true.*Keep one.*cdk-efa:conflicting-claim-efa-options/);
  });

  test.each<[string, () => EfaDeviceAlignment, RegExp]>([
    ['more GPUs than p5 has', () => EfaDeviceAlignment.nvidiaGpus(9), /aligns the EFA devices with 9 NVIDIA GPUs, but p5.48xlarge has 8.*8 or fewer/],
    ['Neuron devices on p5', () => EfaDeviceAlignment.neuronDevices(1), /aligns the EFA devices with 1 Neuron devices, but p5.48xlarge has no Neuron devices/],
  ])('fails when alignWith asks for %s', (_case, alignWith, message) => {
    expect(() => EfaResourceClaimTemplate.renderManifest({ name: 'c', alignWith: alignWith(), instanceType: P5 }))
      .toThrow(new RegExp(`${message.source}.*cdk-efa:claim-accelerator-count-out-of-range`));
  });

  test('fails when alignWith asks for NVIDIA GPUs on trn2 or Qualcomm dl2q, or 4 Neuron devices on trn2.3xlarge', () => {
    for (const type of ['trn2.48xlarge', 'dl2q.24xlarge']) {
      expect(() => EfaResourceClaimTemplate.renderManifest({ name: 'c', alignWith: EfaDeviceAlignment.nvidiaGpus(1), instanceType: new ec2.InstanceType(type) }))
        .toThrow(new RegExp(`${type} has no NVIDIA GPUs.*cdk-efa:claim-accelerator-count-out-of-range`));
    }
    expect(EfaResourceClaimTemplate.renderManifest({ name: 'c', alignWith: EfaDeviceAlignment.neuronDevices(1), instanceType: new ec2.InstanceType('trn2.3xlarge') })).toBeDefined();
    expect(() => EfaResourceClaimTemplate.renderManifest({ name: 'c', alignWith: EfaDeviceAlignment.neuronDevices(4), instanceType: new ec2.InstanceType('trn2.3xlarge') }))
      .toThrow(/4 Neuron devices, but trn2.3xlarge has 1, .*1 or fewer.*cdk-efa:claim-accelerator-count-out-of-range/);
  });

  test.each([0, -2, 1.5, NaN])('fails when nvidiaGpus gets %p', (count) => {
    expect(() => EfaDeviceAlignment.nvidiaGpus(count)).toThrow(new RegExp(`nvidiaGpus\\(\\) got ${count} GPUs; give a whole number from 1.*cdk-efa:invalid-accelerator-count`));
  });

  test.each([0, 2, 3, 12, 32, 1.5])('fails when neuronDevices gets %p, naming the valid group sizes', (count) => {
    expect(() => EfaDeviceAlignment.neuronDevices(count)).toThrow(new RegExp(`neuronDevices\\(\\) got ${count} Neuron devices.*give one of 1, 4, 8, 16.*cdk-efa:invalid-neuron-group-size`));
  });

  test('fails when neuronDevices gets a token: the attribute name carries the size', () => {
    const stack = new Stack();
    const count = new CfnParameter(stack, 'Count', { type: 'Number' }).valueAsNumber;
    expect(() => EfaDeviceAlignment.neuronDevices(count)).toThrow(/^(?!.*Token\[).*got an unresolved token Neuron devices.*cdk-efa:invalid-neuron-group-size/);
  });

  test.each<[string, Partial<EfaResourceClaimOptions>, RegExp]>([
    ['an upper-case name', { name: 'Aligned' }, /has name 'Aligned', which Kubernetes rejects: a name must be a DNS-1123 subdomain/],
    ['a name with _', { name: 'a_b' }, /has name 'a_b'/],
    ['a name ending in -', { name: 'a-' }, /has name 'a-'/],
    ['an empty name', { name: '' }, /has name ''/],
    ['a name of 254 characters', { name: 'a'.repeat(254) }, /has name 'a{80}…'/],
    ['a namespace with a dot', { namespace: 'a.b' }, /has namespace 'a.b', which Kubernetes rejects: a namespace must be a DNS-1123 label/],
    ['a namespace of 64 characters', { namespace: 'n'.repeat(64) }, /has namespace 'n{64}'/],
  ])('fails when given %s', (_case, options, message) => {
    expect(() => EfaResourceClaimTemplate.renderManifest({ name: 'ok', ...options }))
      .toThrow(new RegExp(`${message.source}.*cdk-efa:invalid-kubernetes-name`));
  });

  test('accepts the longest names', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(name).toHaveLength(253);
    expect(EfaResourceClaim.renderManifest({ name, namespace: 'n'.repeat(63) }).metadata).toEqual({ name, namespace: 'n'.repeat(63) });
  });

  test('fails when the name is not a string (callers in other languages)', () => {
    expect(() => EfaResourceClaim.renderManifest({ name: undefined as unknown as string }))
      .toThrow(/ResourceClaim missing: has name missing, which Kubernetes rejects.*cdk-efa:invalid-kubernetes-name/);
  });

  test('fails when capabilities are for another type than instanceType', () => {
    expect(() => EfaResourceClaim.renderManifest({ name: 'c', instanceType: P5, capabilities: EfaInstanceTypes.lookup('trn2.48xlarge') }))
      .toThrow(/has instanceType p5.48xlarge but capabilities for trn2.48xlarge.*cdk-efa:capabilities-mismatch/);
  });

  test('fails with the capability table\'s error for an unknown instance type', () => {
    expect(() => EfaResourceClaim.renderManifest({ name: 'c', instanceType: new ec2.InstanceType('p5.48xlarg') }))
      .toThrow(/cdk-efa:unknown-instance-type/);
  });

  test('fails on a cluster before Kubernetes 1.34', () => {
    const setup = v2Setup(eksv2.KubernetesVersion.V1_33);
    expect(() => new EfaResourceClaimTemplate(setup.stack, 'Claim', { cluster: setup.efaCluster, name: 'c' }))
      .toThrow(/EfaResourceClaimTemplate Stack\/Claim: is a ResourceClaimTemplate for cluster Stack\/Cluster, which runs Kubernetes 1.33; resource.k8s.io\/v1 claims and the EFA DRA driver need Kubernetes 1.34 or later.*cdk-efa:resource-claim-needs-1-34/);
  });

  test('fails on an aws-eks-v2 cluster without a kubectl provider, naming renderManifest', () => {
    const setup = v2Setup(eksv2.KubernetesVersion.V1_34, false);
    expect(() => new EfaResourceClaim(setup.stack, 'Claim', { cluster: setup.efaCluster, name: 'c' }))
      .toThrow(/cannot apply the ResourceClaim 'c'; set kubectlProviderOptions.*EfaResourceClaim.renderManifest\(\).*cdk-efa:no-kubectl-provider/);
  });

  test('fails with every problem of the props in one error', () => {
    const setup = v2Setup();
    expect(() => new EfaResourceClaimTemplate(setup.stack, 'Claim', {
      cluster: setup.efaCluster, name: 'Bad', namespace: 'x.y', efaCount: 40, allEfas: true, instanceType: P5,
    })).toThrow(/^EfaResourceClaimTemplate Stack\/Claim: 3 problems:\n.*cdk-efa:invalid-kubernetes-name\]\n.*cdk-efa:invalid-kubernetes-name\]\n.*cdk-efa:conflicting-claim-efa-options\]$/);
  });
});

describe('renderManifest (property)', () => {
  const TYPES = ['p5.48xlarge', 'p5en.48xlarge', 'p6-b200.48xlarge', 'p4d.24xlarge', 'g6.48xlarge', 'trn1.32xlarge', 'trn2.48xlarge', 'trn2.3xlarge', 'dl2q.24xlarge', 'c5n.18xlarge'];
  const NAMES: [string, boolean][] = [['train', true], ['a.b-c', true], ['x', true], ['0', true], ['Train', false], ['a_b', false], ['-a', false], ['a..b', false]];
  const NAMESPACES: [string | undefined, boolean][] = [[undefined, true], ['default', true], ['ml-jobs', true], ['a.b', false], ['ML', false]];

  function accelerators(type: string, kind: 'gpu' | 'neuron'): number {
    return (EfaInstanceTypes.lookup(type).accelerators ?? [])
      .filter((a) => (kind === 'gpu' ? a.kind === AcceleratorKind.GPU && a.manufacturer === 'NVIDIA' : a.kind === AcceleratorKind.NEURON))
      .reduce((n, a) => n + a.count, 0);
  }

  /** Mostly the first arbitrary, sometimes the second: most cases pass the first checks and reach the later ones. */
  const mostly = <T, U>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<U>) => fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: rare, weight: 1 });

  test('renders a valid claim exactly when the options are valid, with counts the instance type can meet', () => {
    let accepted = 0;
    let rejected = 0;
    let aligned = 0;
    fc.assert(fc.property(
      mostly(fc.constantFrom(...NAMES.filter(([, ok]) => ok)), fc.constantFrom(...NAMES.filter(([, ok]) => !ok))),
      mostly(fc.constantFrom(...NAMESPACES.filter(([, ok]) => ok)), fc.constantFrom(...NAMESPACES.filter(([, ok]) => !ok))),
      fc.option(mostly(fc.integer({ min: 1, max: 4 }), fc.oneof(fc.integer({ min: 5, max: 40 }), fc.constantFrom(-1, 0, 1.5))), { nil: undefined }),
      fc.constantFrom(undefined, true, false),
      fc.option(fc.oneof(
        fc.record({ kind: fc.constant('gpu' as const), count: mostly(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 3, max: 10 })) }),
        fc.record({ kind: fc.constant('neuron' as const), count: fc.constantFrom(1, 4, 8, 16) }),
      ), { nil: undefined }),
      fc.option(fc.constantFrom(...TYPES), { nil: undefined }),
      fc.boolean(),
      ([name, nameOk], [namespace, namespaceOk], efaCount, allEfas, align, type, template) => {
        const alignWith = align === undefined ? undefined
          : align.kind === 'gpu' ? EfaDeviceAlignment.nvidiaGpus(align.count) : EfaDeviceAlignment.neuronDevices(align.count);
        const instanceType = type === undefined ? undefined : new ec2.InstanceType(type);
        const options: EfaResourceClaimOptions = { name, namespace, efaCount, allEfas, alignWith, instanceType };
        // The oracle, from the rules as documented.
        const all = allEfas ?? (align !== undefined && efaCount === undefined);
        const count = efaCount ?? 1;
        const valid = nameOk && namespaceOk
          && !(allEfas === true && efaCount !== undefined)
          && Number.isInteger(count) && count >= 1
          && (type === undefined || all || count <= EfaInstanceTypes.lookup(type).maximumEfaInterfaces)
          && (type === undefined || align === undefined || align.count <= accelerators(type, align.kind));
        const render = template ? EfaResourceClaimTemplate.renderManifest : EfaResourceClaim.renderManifest;
        let manifest: Record<string, any>;
        try {
          manifest = render(options);
        } catch (e) {
          expect((e as Error).message).toMatch(/\[cdk-efa:[a-z0-9-]+\]$/);
          expect(valid).toBe(false);
          rejected++;
          return;
        }
        expect(valid).toBe(true);
        accepted++;
        expect(manifest.apiVersion).toBe('resource.k8s.io/v1');
        expect(manifest.kind).toBe(template ? 'ResourceClaimTemplate' : 'ResourceClaim');
        expect(manifest.metadata).toEqual({ name, namespace: namespace ?? 'default' });
        const devices = template ? manifest.spec.spec.devices : manifest.spec.devices;
        const [efa, accelerator, ...rest] = devices.requests;
        expect(rest).toEqual([]);
        expect(efa).toEqual({ name: 'efa', exactly: all ? { deviceClassName: 'efa.networking.k8s.aws', allocationMode: 'All' } : { deviceClassName: 'efa.networking.k8s.aws', count } });
        for (const request of devices.requests) {
          expect(request.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        }
        if (align === undefined) {
          expect(accelerator).toBeUndefined();
          expect(devices.constraints).toBeUndefined();
        } else {
          aligned++;
          expect(accelerator.exactly.count).toBe(align.count);
          expect(accelerator.exactly.deviceClassName).toBe(align.kind === 'gpu' ? 'gpu.nvidia.com' : 'neuron.aws.com');
          expect(devices.constraints).toEqual([{
            requests: ['efa', accelerator.name],
            matchAttribute: align.kind === 'gpu' ? 'resource.kubernetes.io/pcieRoot' : `resource.aws.com/devicegroup${align.count}_id`,
          }]);
        }
      },
    ), { numRuns: 1500 });
    // About 300 accepted, 1200 rejected and 200 aligned and accepted in 1500 runs.
    expect(accepted).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(600);
    expect(aligned).toBeGreaterThan(100);
  });
});

describe('logical IDs', () => {
  test('are stable (snapshot): a changed ID replaces the claim', () => {
    const setup = v2Setup();
    new EfaResourceClaimTemplate(setup.stack, 'AlignedEfaNvidia', { cluster: setup.efaCluster, name: 'aligned-efa-nvidia', alignWith: EfaDeviceAlignment.nvidiaGpus(1) });
    new EfaResourceClaim(setup.stack, 'SharedEfa', { cluster: setup.efaCluster, name: 'shared-efa', efaCount: 4 });
    const ids = logicalIds(Template.fromStack(setup.stack), startingWith('AlignedEfaNvidia', 'SharedEfa'));
    expect(ids).toHaveLength(2);
    expect(ids).toMatchSnapshot();
  });
});
