import { Token } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import {
  EfaInstanceTypes, EfaKubernetesLayoutOptions, EfaLayout, EfaLayoutOptions, InstanceTypeCapabilities, InterfaceType, LayoutProfile,
  NetworkInterfaceSpec, PrimaryInterface,
} from '../../src';

/**
 * The capabilities of `instanceType` from the table, which must give `ipv4AddressesPerInterface` (from the Amazon VPC
 * CNI's limits file): 50 for every type named here, matching the EKS AMI's max-pods of p5.48xlarge, trn2.48xlarge and
 * hpc7a.96xlarge (2 × 49 + 2 = 100), p5en.48xlarge and p6-b300.48xlarge (4 × 49 + 2 = 198), hpc6id.32xlarge (51) and
 * c5n.18xlarge (15 × 49 + 2 = 737).
 */
function table(instanceType: string): InstanceTypeCapabilities {
  const caps = EfaInstanceTypes.lookup(instanceType);
  if (caps.ipv4AddressesPerInterface === undefined) throw new Error(`${instanceType}: the table gives no ipv4AddressesPerInterface`);
  return caps;
}

/** The table's capabilities of `instanceType` with `ipv4AddressesPerInterface` replaced (undefined: unknown). */
function withIps(instanceType: string, ipv4AddressesPerInterface: number | undefined): InstanceTypeCapabilities {
  const { ipv4AddressesPerInterface: _, ...caps } = EfaInstanceTypes.lookup(instanceType);
  return ipv4AddressesPerInterface === undefined ? caps : { ...caps, ipv4AddressesPerInterface };
}

function compact(interfaces: NetworkInterfaceSpec[]): string[] {
  return interfaces.map((i) => `${i.networkCardIndex}/${i.deviceIndex} ${i.interfaceType}`);
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i += step) out.push(i);
  return out;
}

const efaOnlyAt = (cards: number[]) => cards.map((c) => `${c}/0 efa-only`);

describe('pod IPv4 capacity in the layout summary', () => {
  test('p5.48xlarge recommended layout: 1 VPC CNI interface, 49 pod addresses, max-pods 100', () => {
    const layout = EfaLayout.recommended(table('p5.48xlarge'));
    // The whole summary of this layout is asserted with AWS's documented layouts in layout.test.ts.
    expect(layout.summary).toMatchObject({
      vpcCniNetworkInterfaces: 1,
      podIpv4Addresses: 49,
      podIpv4AddressesWithPrefixDelegation: 784,
      defaultMaxPods: 100,
    });
  });

  test('p5.48xlarge with an efa primary: 2 VPC CNI interfaces, 98 pod addresses', () => {
    const layout = EfaLayout.recommended(table('p5.48xlarge'), { primaryInterface: PrimaryInterface.EFA });
    expect(layout.summary).toMatchObject({
      efaCount: 32, vpcCniNetworkInterfaces: 2, podIpv4Addresses: 98, podIpv4AddressesWithPrefixDelegation: 1568, defaultMaxPods: 100,
    });
  });

  test('c5n.18xlarge: max-pods is capped at 250, not the 737 of the ENI formula', () => {
    expect(EfaLayout.recommended(table('c5n.18xlarge')).summary).toMatchObject({ vpcCniNetworkInterfaces: 14, podIpv4Addresses: 686, defaultMaxPods: 250 });
  });

  test('ENA interfaces on other cards add no pod addresses (MAX_BANDWIDTH on p5.48xlarge)', () => {
    const caps = table('p5.48xlarge');
    const single = EfaLayout.recommended(caps).summary;
    const max = EfaLayout.recommended(caps, { profile: LayoutProfile.MAX_BANDWIDTH }).summary;
    expect(max.ipv4AddressesPerNode).toBe(8);
    expect(max.podIpv4Addresses).toBe(single.podIpv4Addresses);
    expect(max.vpcCniNetworkInterfaces).toBe(1);
  });

  test('an extra ENA on card 0 stays one of the VPC CNI interfaces (c5n.18xlarge enaOnCards([0]))', () => {
    const layout = EfaLayout.recommended(table('c5n.18xlarge'), { profile: LayoutProfile.enaOnCards([0]) });
    expect(compact(layout.interfaces)).toEqual(['0/0 interface', '0/1 efa-only', '0/2 interface']);
    expect(layout.summary).toMatchObject({ vpcCniNetworkInterfaces: 14, podIpv4Addresses: 686 });
  });

  test('without ipv4AddressesPerInterface only the interface count is known, and no undefined keys appear', () => {
    const summary = EfaLayout.recommended(withIps('p5.48xlarge', undefined)).summary;
    expect(summary.vpcCniNetworkInterfaces).toBe(1);
    expect(Object.keys(summary)).not.toEqual(expect.arrayContaining(['podIpv4Addresses']));
    expect(Object.keys(summary)).not.toContain('defaultMaxPods');
    expect(Object.keys(summary)).not.toContain('podIpv4AddressesWithPrefixDelegation');
    // Likewise for a type the table has no figure for.
    expect(EfaLayout.forInstanceType('p6e-gb200.36xlarge').summary).not.toHaveProperty('podIpv4Addresses');
  });
});

describe('EfaLayout.forKubernetesNodes', () => {
  test.each<[string, string[], number, number, number]>([
    ['p5.48xlarge', ['0/0 efa', ...efaOnlyAt(range(1, 31))], 32, 98, 100],
    ['p5e.48xlarge', ['0/0 efa', ...efaOnlyAt(range(1, 31))], 32, 98, 100],
    ['trn2.48xlarge', ['0/0 efa', ...efaOnlyAt(range(1, 15))], 16, 98, 100],
    ['hpc7a.96xlarge', ['0/0 efa', '1/0 efa-only'], 2, 98, 100],
    ['p5en.48xlarge', ['0/0 efa', ...efaOnlyAt(range(1, 15))], 16, 196, 198],
  ])('%s: card 0 is full with efa-only, so the primary becomes efa', (type, layout, efaCount, podIps, maxPods) => {
    const choice = EfaLayout.forKubernetesNodes(table(type));
    expect(compact(choice.layout.interfaces)).toEqual(layout);
    expect(choice).toMatchObject({
      primaryInterface: PrimaryInterface.EFA,
      maxPods,
      podIpv4AddressesNeeded: maxPods - 2,
      podIpv4Addresses: podIps,
      podIpv4AddressesSufficient: true,
    });
    expect(choice.layout.summary.efaCount).toBe(efaCount);
    expect(choice.layout.summary.efaCount).toBe(EfaLayout.recommended(table(type)).summary.efaCount);
    const card0 = EfaInstanceTypes.lookup(type).networkCards[0].maximumNetworkInterfaces;
    expect(choice.reason).toContain(`${type}: AWS's recommended layout (efa-only at network card 0 device 1) leaves the VPC CNI ${card0 - 1} of network card 0's ${card0} network`);
    expect(choice.reason).toContain(`fewer than the ${maxPods - 2} that max-pods ${maxPods} needs; an efa primary keeps the ${efaCount} EFA`);
  });

  test('p5.48xlarge: the exact reason', () => {
    expect(EfaLayout.forKubernetesNodes(table('p5.48xlarge')).reason).toBe(
      "p5.48xlarge: AWS's recommended layout (efa-only at network card 0 device 1) leaves the VPC CNI 1 of network card 0's 2 network interface(s): "
      + '49 pod IPv4 addresses in secondary-IP mode, fewer than the 98 that max-pods 100 needs; an efa primary keeps the 32 EFA interface(s) '
      + "and leaves the VPC CNI 2 of network card 0's 2 network interface(s): 98 addresses.",
    );
  });

  test('c5n.18xlarge keeps the ENA primary: 14 interfaces give 686 addresses, more than max-pods 250 needs', () => {
    const choice = EfaLayout.forKubernetesNodes(table('c5n.18xlarge'));
    expect(compact(choice.layout.interfaces)).toEqual(['0/0 interface', '0/1 efa-only']);
    expect(choice).toMatchObject({
      primaryInterface: PrimaryInterface.ENA, maxPods: 250, podIpv4AddressesNeeded: 248, podIpv4Addresses: 686, podIpv4AddressesSufficient: true,
    });
    expect(choice.reason).toBe("c5n.18xlarge: AWS's recommended layout leaves the VPC CNI 14 of network card 0's 15 network interface(s): 686 pod IPv4 addresses in secondary-IP mode, enough for max-pods 250.");
  });

  test('hpc6id.32xlarge keeps its efa primary: 1 interface, 49 addresses, max-pods 51', () => {
    const choice = EfaLayout.forKubernetesNodes(table('hpc6id.32xlarge'));
    expect(compact(choice.layout.interfaces)).toEqual(['0/0 efa', '1/0 efa-only']);
    expect(choice).toMatchObject({ primaryInterface: PrimaryInterface.EFA, maxPods: 51, podIpv4Addresses: 49, podIpv4AddressesSufficient: true });
    expect(choice.layout.summary).toMatchObject({ efaCount: 2, vpcCniNetworkInterfaces: 1 });
  });

  test('p6-b300.48xlarge: card 0 is ENA-only, so the ENA primary has all 4 interfaces and no efa-only on card 0', () => {
    const choice = EfaLayout.forKubernetesNodes(table('p6-b300.48xlarge'));
    expect(compact(choice.layout.interfaces)).toEqual(['0/0 interface', ...efaOnlyAt(range(1, 16))]);
    expect(choice).toMatchObject({ primaryInterface: PrimaryInterface.ENA, maxPods: 198, podIpv4Addresses: 196, podIpv4AddressesSufficient: true });
    expect(choice.layout.summary).toMatchObject({ efaCount: 16, vpcCniNetworkInterfaces: 4 });
  });

  test('p6e-gb200.36xlarge: card 0 is ENA-only, 8 EFAs on the odd cards, 98 addresses for max-pods 100', () => {
    // The VPC CNI limits file has no p6e-gb200.36xlarge, so the table gives no figure: assume EC2's usual 50.
    expect(EfaInstanceTypes.lookup('p6e-gb200.36xlarge').ipv4AddressesPerInterface).toBeUndefined();
    const choice = EfaLayout.forKubernetesNodes(withIps('p6e-gb200.36xlarge', 50));
    expect(compact(choice.layout.interfaces)).toEqual(['0/0 interface', ...efaOnlyAt([1, 3, 5, 7, 9, 11, 13, 15])]);
    expect(choice).toMatchObject({ primaryInterface: PrimaryInterface.ENA, maxPods: 100, podIpv4Addresses: 98, podIpv4AddressesSufficient: true });
    expect(choice.layout.summary.efaCount).toBe(8);
  });

  test('a smaller efaCount keeps its count and still frees card 0 (p5.48xlarge, 8 EFAs)', () => {
    const choice = EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { efaCount: 8 });
    expect(compact(choice.layout.interfaces)).toEqual(['0/0 efa', ...efaOnlyAt([4, 8, 12, 16, 20, 24, 28])]);
    expect(choice.podIpv4Addresses).toBe(98);
  });

  describe('prefix delegation', () => {
    test('p5.48xlarge keeps the recommended layout: 1 interface × 49 prefixes × 16 = 784 addresses for max-pods 250', () => {
      const choice = EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { prefixDelegation: true });
      expect(compact(choice.layout.interfaces).slice(0, 2)).toEqual(['0/0 interface', '0/1 efa-only']);
      expect(choice).toMatchObject({
        primaryInterface: PrimaryInterface.ENA, maxPods: 250, podIpv4AddressesNeeded: 248, podIpv4Addresses: 784, podIpv4AddressesSufficient: true,
      });
      expect(choice.reason).toContain('784 pod IPv4 addresses with prefix delegation, enough for max-pods 250');
    });

    test('trn2.48xlarge with max-pods 110: 784 addresses', () => {
      const choice = EfaLayout.forKubernetesNodes(table('trn2.48xlarge'), { prefixDelegation: true, maxPods: 110 });
      expect(choice).toMatchObject({ primaryInterface: PrimaryInterface.ENA, maxPods: 110, podIpv4Addresses: 784, podIpv4AddressesSufficient: true });
    });

    test('p5.48xlarge with max-pods 1000 switches to the efa primary: 1568 addresses', () => {
      const choice = EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { prefixDelegation: true, maxPods: 1000 });
      expect(choice).toMatchObject({
        primaryInterface: PrimaryInterface.EFA, podIpv4AddressesNeeded: 998, podIpv4Addresses: 1568, podIpv4AddressesSufficient: true,
      });
      expect(choice.reason).toContain('784 pod IPv4 addresses with prefix delegation, fewer than the 998 that max-pods 1000 needs');
    });
  });

  describe('when no layout with the same EFA count has enough addresses', () => {
    test('p5.48xlarge with max-pods 250 keeps the recommended layout and names the fixes with numbers', () => {
      const choice = EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { maxPods: 250 });
      expect(compact(choice.layout.interfaces).slice(0, 2)).toEqual(['0/0 interface', '0/1 efa-only']);
      expect(choice).toMatchObject({
        primaryInterface: PrimaryInterface.ENA, maxPods: 250, podIpv4AddressesNeeded: 248, podIpv4Addresses: 49, podIpv4AddressesSufficient: false,
      });
      expect(choice.reason).toBe(
        "p5.48xlarge: AWS's recommended layout leaves the VPC CNI 1 of network card 0's 2 network interface(s): 49 pod IPv4 addresses in secondary-IP mode, "
        + 'fewer than the 248 that max-pods 250 needs, so pods past the first 49 fail with "failed to assign an IP address"; an efa primary, which keeps '
        + 'the EFA count, gives 98, also too few. To fix it, turn on VPC CNI prefix delegation (ENABLE_PREFIX_DELEGATION=true), which gives 784, '
        + 'or set max-pods to 100 or lower (then the efa primary is chosen).',
      );
    });

    test('p6-b300.48xlarge with max-pods 250: nothing to free on card 0, prefix delegation gives 3136', () => {
      const choice = EfaLayout.forKubernetesNodes(table('p6-b300.48xlarge'), { maxPods: 250 });
      expect(choice).toMatchObject({ primaryInterface: PrimaryInterface.ENA, podIpv4Addresses: 196, podIpv4AddressesSufficient: false });
      expect(choice.reason).toMatch(/fewer than the 248 that max-pods 250 needs.*prefix delegation \(ENABLE_PREFIX_DELEGATION=true\), which gives 3136, or set max-pods to 198 or lower\.$/);
    });

    test('prefix delegation that is still too few says so', () => {
      const choice = EfaLayout.forKubernetesNodes(withIps('p5.48xlarge', 2), { maxPods: 50 });
      expect(choice.podIpv4AddressesSufficient).toBe(false);
      expect(choice.reason).toContain('which gives 16 (still too few)');
    });
  });

  describe('a primaryInterface the user set is kept, and only reported', () => {
    test('ENA primary on p5.48xlarge: 49 addresses for max-pods 100, and the fix names PrimaryInterface.EFA', () => {
      const choice = EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { primaryInterface: PrimaryInterface.ENA });
      expect(compact(choice.layout.interfaces).slice(0, 2)).toEqual(['0/0 interface', '0/1 efa-only']);
      expect(choice).toMatchObject({
        primaryInterface: PrimaryInterface.ENA, podIpv4Addresses: 49, podIpv4AddressesNeeded: 98, podIpv4AddressesSufficient: false,
      });
      expect(choice.reason).toMatch(/^p5\.48xlarge: the layout with an ENA primary \(as given\) .*leave primaryInterface unset or use PrimaryInterface\.EFA.*which gives 784, or set max-pods to 51 or lower\.$/);
    });

    test('efa primary on p5.48xlarge: 98 addresses, enough', () => {
      const choice = EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { primaryInterface: PrimaryInterface.EFA });
      expect(choice).toMatchObject({ primaryInterface: PrimaryInterface.EFA, podIpv4Addresses: 98, podIpv4AddressesSufficient: true });
      expect(choice.reason).toMatch(/^p5\.48xlarge: the layout with an efa primary \(as given\) leaves the VPC CNI 2 of/);
    });

    test('ENA primary on c5n.18xlarge is enough', () => {
      expect(EfaLayout.forKubernetesNodes(table('c5n.18xlarge'), { primaryInterface: PrimaryInterface.ENA }).podIpv4AddressesSufficient).toBe(true);
    });
  });

  describe('without ipv4AddressesPerInterface (types the VPC CNI limits file lacks, or capabilities without it)', () => {
    test('p5.48xlarge gets the efa primary, which leaves the VPC CNI more interfaces, and reports unknown numbers', () => {
      const choice = EfaLayout.forKubernetesNodes(withIps('p5.48xlarge', undefined));
      expect(choice.primaryInterface).toBe(PrimaryInterface.EFA);
      expect(choice.layout.summary).toMatchObject({ efaCount: 32, vpcCniNetworkInterfaces: 2 });
      expect(choice.maxPods).toBeUndefined();
      expect(choice.podIpv4Addresses).toBeUndefined();
      expect(choice.podIpv4AddressesSufficient).toBeUndefined();
      expect(choice.reason).toContain('ipv4AddressesPerInterface is unknown, so pod IPv4 addresses cannot be counted; an efa primary keeps the 32 EFA');
    });

    test('a given max-pods is reported as the need even when the addresses are unknown', () => {
      const choice = EfaLayout.forKubernetesNodes(withIps('p6-b300.48xlarge', undefined), { maxPods: 110 });
      expect(choice).toMatchObject({ primaryInterface: PrimaryInterface.ENA, maxPods: 110, podIpv4AddressesNeeded: 108 });
      expect(choice.podIpv4AddressesSufficient).toBeUndefined();
      expect(choice.reason).toContain("leaves the VPC CNI 4 of network card 0's 4 network interface(s); ipv4AddressesPerInterface is unknown");
    });
  });

  test('a max-pods token is skipped: the default max-pods applies', () => {
    const choice = EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { maxPods: Token.asNumber({ Ref: 'MaxPods' }) });
    expect(choice).toMatchObject({ primaryInterface: PrimaryInterface.EFA, maxPods: 100 });
  });

  test.each([0, -1, 2.5])('fails when maxPods is %p', (maxPods) => {
    expect(() => EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { maxPods }))
      .toThrow(new RegExp(`maxPods ${maxPods} for p5\\.48xlarge is not a number of pods.*default EKS sets \\(100\\).*\\[cdk-efa:invalid-max-pods\\]`));
  });

  test('fails with the engine\'s own error when the layout options are impossible', () => {
    expect(() => EfaLayout.forKubernetesNodes(table('p5.48xlarge'), { efaCount: 33 })).toThrow(/cdk-efa:efa-count-out-of-range/);
    expect(() => EfaLayout.forKubernetesNodes(table('p6-b300.48xlarge'), { primaryInterface: PrimaryInterface.EFA })).toThrow(/cdk-efa:efa-on-ena-only-card/);
  });
});

/** The VPC CNI model, written again from the facts (efa-rules §5) rather than from the engine. */
function expectedPodIps(caps: InstanceTypeCapabilities, interfaces: NetworkInterfaceSpec[], prefixDelegation: boolean): number | undefined {
  if (caps.ipv4AddressesPerInterface === undefined) return undefined;
  const efaOnlyOnCard0 = interfaces.filter((i) => i.networkCardIndex === 0 && i.interfaceType === InterfaceType.EFA_ONLY).length;
  const enis = caps.networkCards[0].maximumNetworkInterfaces - efaOnlyOnCard0;
  return enis * (caps.ipv4AddressesPerInterface - 1) * (prefixDelegation ? 16 : 1);
}

describe('properties over every instance type in the table', () => {
  const TYPES = EfaInstanceTypes.all();
  // p6e-gb200.36xlarge and trn2u.48xlarge are not in the VPC CNI limits file; the random property below covers them.
  const TYPES_WITH_IPS = TYPES.filter((type) => EfaInstanceTypes.lookup(type).ipv4AddressesPerInterface !== undefined);

  test('the table gives ipv4AddressesPerInterface for all but the types the VPC CNI limits file lacks', () => {
    expect(TYPES.filter((type) => !TYPES_WITH_IPS.includes(type))).toEqual(['p6e-gb200.36xlarge', 'trn2u.48xlarge']);
  });

  test.each(TYPES_WITH_IPS)('%s: with the max-pods EKS sets, the chosen layout keeps every EFA and has enough addresses', (type) => {
    const caps = table(type);
    const choice = EfaLayout.forKubernetesNodes(caps);
    expect(EfaLayout.validate(caps, choice.layout.interfaces)).toEqual([]);
    expect(choice.layout.summary.efaCount).toBe(EfaLayout.recommended(caps).summary.efaCount);
    expect(choice.podIpv4AddressesSufficient).toBe(true);
    expect(choice.podIpv4Addresses).toBeGreaterThanOrEqual(choice.maxPods! - 2);
  });

  test('random EFA counts, addresses per interface, max-pods and modes: valid, same EFA count, "sufficient" is true to its numbers', () => {
    let reached = 0;
    let sufficient = 0;
    let insufficient = 0;
    let switched = 0;
    const inputs = fc.record({
      type: fc.constantFrom(...TYPES),
      efaFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
      ips: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined, freq: 6 }),
      maxPods: fc.option(fc.integer({ min: 1, max: 800 }), { nil: undefined }),
      prefixDelegation: fc.option(fc.boolean(), { nil: undefined }),
      primaryInterface: fc.constantFrom(undefined, undefined, undefined, PrimaryInterface.ENA, PrimaryInterface.EFA),
    });
    fc.assert(fc.property(inputs, (input) => {
      const caps = { ...EfaInstanceTypes.lookup(input.type), ipv4AddressesPerInterface: input.ips };
      const maxEfa = EfaLayout.recommended(caps).summary.efaCount;
      const efaCount = input.efaFraction === undefined ? undefined : 1 + Math.floor(input.efaFraction * (maxEfa - 1));
      const layoutOptions: EfaLayoutOptions = { efaCount, primaryInterface: input.primaryInterface };
      const options: EfaKubernetesLayoutOptions = { ...layoutOptions, maxPods: input.maxPods, prefixDelegation: input.prefixDelegation };
      let recommended: EfaLayout;
      try {
        recommended = EfaLayout.recommended(caps, layoutOptions);
      } catch (e) {
        // Only the engine's own refusals (an efa primary on an ENA-only card 0, or hpc6id's second EFA with an ENA
        // primary), and forKubernetesNodes refuses with the same error.
        const message = (e as Error).message;
        expect(message).toMatch(/\[cdk-efa:(efa-on-ena-only-card|efa-count-out-of-range)\]$/);
        expect(() => EfaLayout.forKubernetesNodes(caps, options)).toThrow(message);
        return;
      }
      const choice = EfaLayout.forKubernetesNodes(caps, options);
      reached++;

      expect(EfaLayout.validate(caps, choice.layout.interfaces)).toEqual([]);
      expect(choice.layout.summary.efaCount).toBe(recommended.summary.efaCount);
      // The reported primary reproduces the layout, so a launch template built from the options matches.
      const again = EfaLayout.recommended(caps, {
        ...layoutOptions, efaCount: choice.layout.summary.efaCount, primaryInterface: choice.primaryInterface,
      });
      expect(again.interfaces).toEqual(choice.layout.interfaces);
      if (input.primaryInterface !== undefined) {
        expect(choice.layout.interfaces).toEqual(recommended.interfaces);
      }

      const prefix = input.prefixDelegation === true;
      expect(choice.podIpv4Addresses).toBe(expectedPodIps(caps, choice.layout.interfaces, prefix));
      if (choice.podIpv4AddressesSufficient === true) {
        sufficient++;
        expect(choice.podIpv4Addresses!).toBeGreaterThanOrEqual(choice.maxPods! - 2);
      }
      if (choice.podIpv4AddressesSufficient === false) {
        insufficient++;
        expect(choice.podIpv4Addresses!).toBeLessThan(choice.maxPods! - 2);
        expect(choice.reason).toMatch(/To fix it, .*set max-pods to \d+ or lower/);
        if (input.primaryInterface === undefined) {
          // No efa primary with the same EFA count would have been enough either.
          const primaryInterface = card0CarriesEfa(recommended) ? PrimaryInterface.EFA : undefined;
          const efaPrimary = EfaLayout.recommended(caps, { efaCount: recommended.summary.efaCount, primaryInterface });
          expect(expectedPodIps(caps, efaPrimary.interfaces, prefix)!).toBeLessThan(choice.maxPods! - 2);
        }
      }
      const recommendedPodIps = expectedPodIps(caps, recommended.interfaces, prefix);
      if (input.primaryInterface === undefined && recommendedPodIps !== undefined && recommendedPodIps >= choice.maxPods! - 2) {
        // AWS's recommended layout is kept whenever it is enough.
        expect(choice.layout.interfaces).toEqual(recommended.interfaces);
      }
      if (choice.layout.interfaces[0].interfaceType === InterfaceType.EFA && recommended.interfaces[0].interfaceType === InterfaceType.INTERFACE) {
        switched++;
        expect(choice.layout.summary.vpcCniNetworkInterfaces).toBe(recommended.summary.vpcCniNetworkInterfaces! + 1);
      }
    }), { numRuns: 1500 });
    expect(reached).toBeGreaterThan(1200);
    expect(sufficient).toBeGreaterThan(300);
    expect(insufficient).toBeGreaterThan(50);
    expect(switched).toBeGreaterThan(100);
  });
});

function card0CarriesEfa(layout: EfaLayout): boolean {
  return layout.interfaces.some((i) => i.networkCardIndex === 0 && i.interfaceType !== InterfaceType.INTERFACE);
}
