import * as fc from 'fast-check';
import { EfaInstanceTypes, EfaLayout, NetworkInterfaceSpec } from '../../src';
import { JsonObject, TemplateResource } from '../../src/checks/template-reader';
import { TemplateFinding, templateFindings, typeIndependentProblems } from '../../src/checks/template-rules';
import { layoutProblems } from '../../src/core/private/layout-rules';

type Entry = Record<string, unknown>;

const lt = (data: JsonObject, logicalId = 'Lt'): TemplateResource => ({ logicalId, type: 'AWS::EC2::LaunchTemplate', properties: { LaunchTemplateData: data } });
const iface = (card: unknown, device: unknown, type?: unknown, extra: Entry = {}): Entry => ({
  NetworkCardIndex: card, DeviceIndex: device, ...(type === undefined ? {} : { InterfaceType: type }), ...extra,
});

function run(...resources: TemplateResource[]): TemplateFinding[] {
  return templateFindings(resources);
}

const ids = (findings: TemplateFinding[]) => findings.map((f) => `${f.logicalId}:${f.severity}:${f.id}`).sort();

describe('rules that hold for every instance type', () => {
  test.each<[string, Entry[], string]>([
    ['the primary is efa-only', [iface(0, 0, 'efa-only')], 'efa-only-primary'],
    ['a card and device pair is used twice', [iface(0, 0), iface(0, 1, 'efa-only'), iface(0, 1, 'interface')], 'duplicate-interface'],
    ['a card has two EFAs', [iface(0, 0, 'efa'), iface(0, 1, 'efa-only')], 'multiple-efa-on-card'],
    ['an index is negative', [iface(0, 0), iface(-1, 0, 'efa-only')], 'invalid-index'],
    ['there is no primary', [iface(1, 0, 'efa-only')], 'no-primary-interface'],
  ])('are checked without an instance type: %s', (_, interfaces, id) => {
    const findings = run(lt({ NetworkInterfaces: interfaces }));
    expect(ids(findings)).toContain(`Lt:error:${id}`);
    // The engine's messages, without the placeholder subject of an instance type.
    for (const f of findings) expect(f.message).toMatch(/^[A-Z]/);
    expect(findings.map((f) => f.message).join('\n')).not.toMatch(/AnyInstanceType/);
  });

  test.each(['efa_only', 'EFA', 'trunk'])('report the interface type %p, which EC2 does not accept, with or without an instance type', (type) => {
    for (const instanceType of [undefined, 'p5.48xlarge']) {
      const findings = run(lt({ InstanceType: instanceType, NetworkInterfaces: [iface(0, 0), iface(0, 1, type)] }));
      expect(ids(findings)).toContain('Lt:error:invalid-interface-type');
      expect(findings.find((f) => f.id === 'invalid-interface-type')!.message).toContain(`'${type}'`);
    }
  });

  test('reads numeric strings as numbers, so that they are checked', () => {
    expect(ids(run(lt({ InstanceType: 'p5.48xlarge', NetworkInterfaces: [iface('0', '0'), iface('0', '1', 'efa-only'), iface('1', '0', 'efa-only'), iface('1', '0', 'efa-only')] }))))
      .toEqual(expect.arrayContaining(['Lt:error:duplicate-interface', 'Lt:error:multiple-efa-on-card']));
    // A layout written with strings is the same layout: valid, and as underused as the numbers would say.
    const recommended = EfaLayout.forInstanceType('c5n.18xlarge').interfaces.map((i) => iface(String(i.networkCardIndex), String(i.deviceIndex), i.interfaceType));
    expect(run(lt({ InstanceType: 'c5n.18xlarge', NetworkInterfaces: recommended }))).toEqual([]);
  });

  test('treat intrinsic functions as unknown: no crash, no guessed primary, the known interfaces still checked', () => {
    const findings = run(lt({
      InstanceType: 'p5.48xlarge',
      NetworkInterfaces: [
        iface({ 'Fn::If': ['Big', 0, 1] }, 0),
        iface(1, 0, 'efa-only'),
        iface(1, 0, { 'Fn::If': ['Efa', 'efa-only', 'interface'] }),
        { 'Fn::If': ['More', iface(2, 0, 'efa-only'), { Ref: 'AWS::NoValue' }] },
      ],
    }));
    // The unplaced interface may be the primary; the known pair on card 1 is still used twice.
    expect(ids(findings)).toEqual(['Lt:error:duplicate-interface']);
  });

  test('a whole NetworkInterfaces list that is an intrinsic function is not checked, nor guessed empty', () => {
    expect(run(lt({ InstanceType: 'p5.48xlarge', NetworkInterfaces: { 'Fn::If': ['Efa', [iface(0, 0, 'efa-only')], []] } }))).toEqual([]);
  });

  test('a launch without EFA interfaces gets no EFA layout rule', () => {
    expect(run(lt({ InstanceType: 'm5.large', NetworkInterfaces: [iface(0, 0), iface(0, 0)] }))).toEqual([]);
  });

  test('every layout the engine recommends passes them (no false alarm)', () => {
    const types = EfaInstanceTypes.all();
    let checked = 0;
    fc.assert(fc.property(fc.constantFrom(...types), (type) => {
      const layout = EfaLayout.forInstanceType(type);
      expect(typeIndependentProblems(layout.interfaces)).toEqual([]);
      checked++;
    }), { numRuns: 100 });
    expect(checked).toBe(100);
  });

  test('whatever they refuse, every instance type refuses', () => {
    const types = EfaInstanceTypes.all();
    let refused = 0;
    fc.assert(fc.property(
      fc.array(fc.record({
        networkCardIndex: fc.integer({ min: -1, max: 3 }),
        deviceIndex: fc.integer({ min: 0, max: 2 }),
        interfaceType: fc.constantFrom('interface', 'efa', 'efa-only', 'EFA'),
      }), { minLength: 1, maxLength: 5 }),
      fc.constantFrom(...types),
      (interfaces, type) => {
        const specs = interfaces as NetworkInterfaceSpec[];
        const problems = typeIndependentProblems(specs);
        if (problems.length > 0) {
          refused++;
          expect(layoutProblems(EfaInstanceTypes.lookup(type), specs)).not.toEqual([]);
        }
      },
    ), { numRuns: 300 });
    expect(refused).toBeGreaterThanOrEqual(100);
  });
});

describe('efa-only interfaces', () => {
  test.each([
    'PrivateIpAddress', 'SecondaryPrivateIpAddressCount', 'Ipv4PrefixCount', 'Ipv6AddressCount', 'Ipv6PrefixCount', 'AssociatePublicIpAddress', 'AssociateCarrierIpAddress',
  ])('report %s on an efa-only interface, with or without an instance type', (field) => {
    const value = field.startsWith('Associate') ? true : (field === 'PrivateIpAddress' ? '10.0.0.5' : 1);
    for (const instanceType of [undefined, 'p5.48xlarge']) {
      const findings = run(lt({ InstanceType: instanceType, NetworkInterfaces: [iface(0, 0), iface(0, 1, 'efa-only', { [field]: value })] }));
      const found = findings.filter((f) => f.id === 'efa-only-address');
      expect(found).toHaveLength(1);
      expect(found[0].message).toMatch(new RegExp(`^The efa-only interface at network card 0 device 1 sets ${field}, but .*InvalidParameterValue`));
    }
  });

  test('accept the same fields on an efa interface', () => {
    const findings = run(lt({ InstanceType: 'c5n.18xlarge', NetworkInterfaces: [iface(0, 0, 'efa', { PrivateIpAddress: '10.0.0.5', Ipv6AddressCount: 1 })] }));
    expect(findings).toEqual([]);
  });
});

describe('security groups beside NetworkInterfaces', () => {
  test.each(['SecurityGroupIds', 'SecurityGroups'])('report %s on a launch template with network interfaces', (field) => {
    const findings = run(lt({ InstanceType: 'c5n.18xlarge', [field]: ['sg-1'], NetworkInterfaces: [iface(0, 0, 'efa', { Groups: ['sg-1'] })] }));
    expect(ids(findings)).toEqual(['Lt:error:security-groups-with-network-interfaces']);
    expect(findings[0].message).toMatch(new RegExp(`sets both ${field} and NetworkInterfaces, but EC2 refuses`));
  });

  test('report an instance with its own network interfaces and SecurityGroupIds', () => {
    const instance: TemplateResource = {
      logicalId: 'Vm', type: 'AWS::EC2::Instance', properties: { InstanceType: 'm5.large', SecurityGroupIds: ['sg-1'], NetworkInterfaces: [{ DeviceIndex: '0', GroupSet: ['sg-1'] }] },
    };
    expect(ids(run(instance))).toEqual(['Vm:error:security-groups-with-network-interfaces']);
  });

  test('report an instance with SecurityGroupIds whose launch template has the network interfaces', () => {
    const instance: TemplateResource = {
      logicalId: 'Vm', type: 'AWS::EC2::Instance', properties: { InstanceType: 'c5n.18xlarge', SecurityGroupIds: ['sg-1'], LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' }, Version: '1' } },
    };
    const findings = run(lt({ NetworkInterfaces: [iface(0, 0, 'efa')] }), instance);
    expect(ids(findings)).toEqual(['Vm:error:security-groups-with-network-interfaces']);
    expect(findings[0].message).toMatch(/its launch template Lt sets NetworkInterfaces/);
  });

  test('accept security groups on the interfaces only, and SecurityGroupIds without interfaces', () => {
    expect(run(lt({ InstanceType: 'c5n.18xlarge', NetworkInterfaces: [iface(0, 0, 'efa', { Groups: ['sg-1'] })] }))).toEqual([]);
    expect(run(lt({ InstanceType: 'c5n.18xlarge', SecurityGroupIds: ['sg-1'] }))).toEqual([]);
  });
});

describe('instance types', () => {
  test('warns when EFA interfaces launch as a type cdk-efa does not know, naming the closest known types', () => {
    const findings = run(lt({ InstanceType: 'p5.48xlarg', NetworkInterfaces: [iface(0, 0), iface(0, 1, 'efa-only')] }));
    expect(ids(findings)).toEqual(['Lt:warning:unchecked-instance-type']);
    expect(findings[0].message).toMatch(/^p5\.48xlarg is not in cdk-efa's capability table of EFA-capable types \(did you mean p5\.48xlarge.*were not checked for it; check the name/);
  });

  test('warns when EFA interfaces launch as a type without EFA', () => {
    const findings = run(lt({ InstanceType: 'm5.large', NetworkInterfaces: [iface(0, 0, 'efa')] }));
    expect(ids(findings)).toEqual(['Lt:warning:unchecked-instance-type']);
    expect(findings[0].message).toMatch(/^m5\.large does not support EFA, but this launch has 1 EFA interface \('efa' or 'efa-only'\), which EC2 refuses on it/);
  });

  test('cut a huge instance type name in the message', () => {
    const findings = run(lt({ InstanceType: 'x'.repeat(100_000), NetworkInterfaces: [iface(0, 0, 'efa')] }));
    expect(findings[0].message.length).toBeLessThan(800);
  });

  test('check a launch template against the types of every resource that launches from it, by reference or by name', () => {
    const template = { ...lt({ NetworkInterfaces: [iface(0, 0), iface(0, 1, 'efa-only')] }), properties: { LaunchTemplateName: 'efa', LaunchTemplateData: { NetworkInterfaces: [iface(0, 0), iface(0, 1, 'efa-only')] } } };
    const batch: TemplateResource = {
      logicalId: 'Ce', type: 'AWS::Batch::ComputeEnvironment', properties: { ComputeResources: { InstanceTypes: ['p6-b300.48xlarge'], LaunchTemplate: { LaunchTemplateName: 'efa' } } },
    };
    const asg: TemplateResource = {
      logicalId: 'Asg',
      type: 'AWS::AutoScaling::AutoScalingGroup',
      properties: { MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: { Ref: 'Lt' } }, Overrides: [{ InstanceType: 'p9.96xlarge' }] } } },
    };
    const findings = run(template, batch, asg);
    expect(ids(findings)).toEqual(['Lt:error:efa-on-ena-only-card', 'Lt:warning:unchecked-instance-type']);
  });

  test('report a public IP on a launch with several interfaces, naming the resource kind', () => {
    const findings = run(lt({ InstanceType: 'c5n.18xlarge', NetworkInterfaces: [iface(0, 0, 'interface', { AssociatePublicIpAddress: 'true' }), iface(0, 1, 'efa-only')] }));
    expect(ids(findings)).toEqual(['Lt:error:public-ip-with-multiple-interfaces']);
    expect(findings[0].message).toMatch(/^This launch template asks for a public IP on a launch with 2 network interfaces/);
  });

  test('report a node group mixing p4d with other types', () => {
    const ng: TemplateResource = { logicalId: 'Ng', type: 'AWS::EKS::Nodegroup', properties: { InstanceTypes: ['p4d.24xlarge', 'p5.48xlarge'] } };
    const findings = run(ng);
    expect(ids(findings)).toEqual(['Ng:error:p4d-mixed']);
    expect(findings[0].message).toMatch(/^This node group mixes p4d\.24xlarge with p5\.48xlarge/);
  });
});
