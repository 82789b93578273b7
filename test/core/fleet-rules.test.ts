import { CfnParameter, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { EfaInstanceTypes } from '../../src';
import { mixedP4Problem, publicIpProblem } from '../../src/core/private/fleet-rules';

const P4 = ['p4d.24xlarge', 'p4de.24xlarge'];
// Every table type that is neither p4d nor p4de, and names outside the table (the rule needs no table row).
const OTHERS = [...EfaInstanceTypes.all().filter((t) => !/^p4de?\./.test(t)), 'p4.24xlarge', 'p4dn.24xlarge', 'x99.large'];

describe('mixedP4Problem', () => {
  test('names the p4 types and the others, without a subject', () => {
    expect(mixedP4Problem(['p4d.24xlarge', 'p5.48xlarge'])).toEqual({
      id: 'p4d-mixed',
      message: 'mixes p4d.24xlarge with p5.48xlarge, but p4d and p4de instances cannot exchange EFA traffic with other instance types; put them in a node group or fleet of their own.',
    });
  });

  test.each<[string, string[]]>([
    ['p4d alone', ['p4d.24xlarge']],
    ['p4d with p4de', ['p4d.24xlarge', 'p4de.24xlarge']],
    ['no p4 type', ['p5.48xlarge', 'p5e.48xlarge']],
    ['nothing', []],
  ])('accepts %s', (_, types) => {
    expect(mixedP4Problem(types)).toBeUndefined();
  });

  test('names each type once and skips tokens', () => {
    const token = new CfnParameter(new Stack(), 'Type').valueAsString;
    expect(mixedP4Problem([token, 'p4d.24xlarge', token])).toBeUndefined();
    expect(mixedP4Problem(['p4d.24xlarge', 'p4d.24xlarge', token, 'p5.48xlarge', 'p5.48xlarge'])?.message)
      .toMatch(/^mixes p4d\.24xlarge with p5\.48xlarge, but/);
  });

  test('property: a problem exactly when p4d/p4de meet another type, naming every distinct type on its side', () => {
    let mixed = 0;
    let clean = 0;
    fc.assert(fc.property(
      fc.array(fc.constantFrom(...P4), { maxLength: 4 }),
      fc.array(fc.constantFrom(...OTHERS), { maxLength: 4 }),
      fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
      (p4, others, order) => {
        // Interleave the two lists in a generated order.
        const types = [...p4, ...others].map((t) => ({ t, k: order.next().value })).sort((a, b) => a.k - b.k).map((x) => x.t);
        const problem = mixedP4Problem(types);
        if (p4.length > 0 && others.length > 0) {
          mixed++;
          expect(problem?.id).toBe('p4d-mixed');
          const [, p4Part, otherPart] = /^mixes (.*) with (.*), but /.exec(problem!.message)!;
          expect(p4Part.split(', ').sort()).toEqual([...new Set(p4)].sort());
          expect(otherPart.split(', ').sort()).toEqual([...new Set(others)].sort());
        } else {
          clean++;
          expect(problem).toBeUndefined();
        }
      },
    ), { numRuns: 300 });
    // Both branches were reached often enough to mean something.
    expect(mixed).toBeGreaterThan(100);
    expect(clean).toBeGreaterThan(30);
  });
});

describe('publicIpProblem', () => {
  test('fails for a public IP on a launch with more than one interface', () => {
    expect(publicIpProblem(33, true)).toEqual({
      id: 'public-ip-with-multiple-interfaces',
      message: expect.stringMatching(/^asks for a public IP on a launch with 33 network interfaces, but EC2 cannot assign/),
    });
    expect(publicIpProblem(2, true)?.id).toBe('public-ip-with-multiple-interfaces');
  });

  test.each<[number, boolean]>([[1, true], [0, true], [33, false], [1, false]])('accepts %d interfaces with public IP %p', (count, publicIp) => {
    expect(publicIpProblem(count, publicIp)).toBeUndefined();
  });
});
