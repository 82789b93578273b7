import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fc from 'fast-check';
import { EfaCapacity, EfaLaunchTemplate, EfaPlacement } from '../../src';

const CR = 'cr-0123456789abcdef0';

function stackWithVpc(): { stack: Stack; vpc: ec2.Vpc } {
  const stack = new Stack(new App(), 'Stack');
  return { stack, vpc: new ec2.Vpc(stack, 'Vpc') };
}

describe('EfaCapacity', () => {
  test('describes On-Demand, a reservation and a Capacity Block', () => {
    expect(EfaCapacity.onDemand()).toMatchObject({ kind: 'on-demand', capacityReservationId: undefined, isReserved: false, isCapacityBlock: false });
    expect(EfaCapacity.reservation(CR)).toMatchObject({ kind: 'reservation', capacityReservationId: CR, isReserved: true, isCapacityBlock: false });
    expect(EfaCapacity.capacityBlock(CR)).toMatchObject({ kind: 'capacity-block', capacityReservationId: CR, isReserved: true, isCapacityBlock: true });
  });

  test('takes a token as the reservation ID', () => {
    const stack = new Stack();
    const id = new CfnParameter(stack, 'Cr').valueAsString;
    expect(EfaCapacity.capacityBlock(id).capacityReservationId).toBe(id);
  });

  test.each([
    ['an ODCR', 'reservation'],
    ['a Capacity Block', 'capacityBlock'],
  ] as const)('fails for %s whose ID is no reservation ID', (_, factory) => {
    for (const bad of ['cr-1', 'CR-0123456789ABCDEF0', 'ocr-0123456789abcdef0', '', ' cr-0123456789abcdef0']) {
      expect(() => EfaCapacity[factory](bad)).toThrow(/is not a reservation ID.*cr-0123456789abcdef0.*cdk-efa:invalid-capacity-reservation-id/);
    }
  });

  test('accepts exactly the IDs of the form cr- and 17 hexadecimal digits', () => {
    let accepted = 0;
    fc.assert(fc.property(fc.oneof(fc.stringMatching(/^cr-[0-9a-f]{17}$/), fc.string()), (id) => {
      const valid = /^cr-[0-9a-f]{17}$/.test(id);
      if (valid) {
        accepted++;
        expect(EfaCapacity.reservation(id).capacityReservationId).toBe(id);
      } else {
        expect(() => EfaCapacity.reservation(id)).toThrow(/cdk-efa:invalid-capacity-reservation-id/);
      }
    }), { numRuns: 200 });
    expect(accepted).toBeGreaterThan(50);
  });
});

describe('EfaLaunchTemplate capacity', () => {
  const p5 = new ec2.InstanceType('p5.48xlarge');

  test('a Capacity Block targets its reservation with the capacity-block market type and no placement group', () => {
    const { stack, vpc } = stackWithVpc();
    const lt = new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: p5, capacity: EfaCapacity.capacityBlock(CR) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        CapacityReservationSpecification: { CapacityReservationTarget: { CapacityReservationId: CR } },
        InstanceMarketOptions: { MarketType: 'capacity-block' },
      },
    });
    template.resourceCountIs('AWS::EC2::PlacementGroup', 0);
    expect(lt.capacity.isCapacityBlock).toBe(true);
    expect(lt.capacityBlock).toBe(true);
    expect(lt.capacityReservationId).toBe(CR);
  });

  test('the deprecated props describe the same capacity, to the same template', () => {
    const render = (props: object) => {
      const { stack, vpc } = stackWithVpc();
      new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: p5, ...props });
      return Template.fromStack(stack).toJSON();
    };
    expect(render({ capacityReservationId: CR })).toEqual(render({ capacity: EfaCapacity.reservation(CR) }));
    expect(render({ capacityReservationId: CR, capacityBlock: true })).toEqual(render({ capacity: EfaCapacity.capacityBlock(CR) }));
    expect(render({})).toEqual(render({ capacity: EfaCapacity.onDemand() }));
  });

  test('fails when capacity meets the deprecated capacityReservationId or capacityBlock', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: p5, capacity: EfaCapacity.reservation(CR), capacityReservationId: CR, capacityBlock: true }))
      .toThrow(/has capacity and also the deprecated capacityReservationId and capacityBlock.*cdk-efa:conflicting-capacity-options/);
  });

  test('fails when the deprecated capacityReservationId is no reservation ID', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => new EfaLaunchTemplate(stack, 'LT', { vpc, instanceType: p5, capacityReservationId: 'cr-1', placement: EfaPlacement.none() }))
      .toThrow(/EfaLaunchTemplate Stack\/LT: the capacity reservation ID 'cr-1' is not a reservation ID.*cdk-efa:invalid-capacity-reservation-id/);
  });
});
