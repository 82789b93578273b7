import { EfaInstanceTypes, EfaLayout, InstanceTypeCapabilities, InterfaceType } from '../../src';
import {
  LayoutReportRow, ReportedLayout, everyCardEfaInterfaces, layoutFigures, layoutReport, reportRow, summarizeReport, terraformV21Interfaces,
} from '../../src/cli/layout-report';

const { CDK_EFA, EVERY_CARD_EFA, TERRAFORM_V21 } = ReportedLayout;

function row(instanceType: string): LayoutReportRow {
  return reportRow(EfaInstanceTypes.lookup(instanceType));
}

describe('the three layouts', () => {
  test('every-card efa puts an efa interface at device 0 of every network card', () => {
    const interfaces = everyCardEfaInterfaces(EfaInstanceTypes.lookup('p5.48xlarge'));
    expect(interfaces).toHaveLength(32);
    expect(interfaces.every((i, card) => i.networkCardIndex === card && i.deviceIndex === 0 && i.interfaceType === InterfaceType.EFA)).toBe(true);
  });

  test('terraform-aws-eks v21 puts efa on card 0 and efa-only at device 0 of every other card', () => {
    const interfaces = terraformV21Interfaces(EfaInstanceTypes.lookup('p6-b200.48xlarge'));
    expect(interfaces.map((i) => `${i.networkCardIndex}/${i.deviceIndex} ${i.interfaceType}`)).toEqual([
      '0/0 efa', ...[1, 2, 3, 4, 5, 6, 7].map((card) => `${card}/0 efa-only`),
    ]);
  });

  test('on a single-card type both are one efa interface at card 0 device 0', () => {
    const caps = EfaInstanceTypes.lookup('c5n.18xlarge');
    const single = [{ networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.EFA }];
    expect(everyCardEfaInterfaces(caps)).toEqual(single);
    expect(terraformV21Interfaces(caps)).toEqual(single);
  });
});

describe('figures', () => {
  test('p5.48xlarge: the default is 32 EFA on 1 IP, every-card efa 32 EFA on 32 IPs, terraform 32 EFA on 1 IP; all valid', () => {
    const { layouts } = row('p5.48xlarge');
    const valid = { efaBandwidthInGbps: 3200, valid: true, firstProblem: undefined };
    expect(layouts[CDK_EFA]).toEqual({ ...valid, efaInterfaces: 32, ipv4AddressesPerNode: 1 });
    expect(layouts[EVERY_CARD_EFA]).toEqual({ ...valid, efaInterfaces: 32, ipv4AddressesPerNode: 32 });
    expect(layouts[TERRAFORM_V21]).toEqual({ ...valid, efaInterfaces: 32, ipv4AddressesPerNode: 1 });
  });

  test.each([EVERY_CARD_EFA, TERRAFORM_V21])('p6-b300.48xlarge: %s is invalid because card 0 cannot carry an EFA, and still counts what it would expose', (layout) => {
    const figures = row('p6-b300.48xlarge').layouts[layout];
    expect(figures.valid).toBe(false);
    expect(figures.firstProblem).toMatch(/cannot carry an EFA on network card 0 .*\[cdk-efa:efa-on-ena-only-card\]$/);
    expect(figures.efaInterfaces).toBe(17);
    // Card 0's bandwidth is not in the table, so it counts as 0 Gbps, as in EfaLayout's summary.
    expect(figures.efaBandwidthInGbps).toBe(6400);
    expect(figures.ipv4AddressesPerNode).toBe(layout === EVERY_CARD_EFA ? 17 : 1);
  });

  test('p6-b300.48xlarge: the default keeps card 0 ENA-only and is valid', () => {
    expect(row('p6-b300.48xlarge').layouts[CDK_EFA]).toMatchObject({ efaInterfaces: 16, efaBandwidthInGbps: 6400, ipv4AddressesPerNode: 1, valid: true });
  });

  test('p6e-gb200.36xlarge: the default uses the 8 EFA interfaces AWS recommends of 16', () => {
    const r = row('p6e-gb200.36xlarge');
    expect(r.maximumEfaInterfaces).toBe(16);
    expect(r.recommendedEfaInterfaces).toBe(8);
    expect(r.layouts[CDK_EFA]).toMatchObject({ efaInterfaces: 8, ipv4AddressesPerNode: 1, valid: true });
  });

  test("a valid layout's figures are EfaLayout's summary", () => {
    const caps = EfaInstanceTypes.lookup('trn2.48xlarge');
    const interfaces = terraformV21Interfaces(caps);
    const summary = EfaLayout.fromInterfaces(caps, interfaces).summary;
    expect(layoutFigures(caps, interfaces)).toEqual({
      efaInterfaces: summary.efaCount,
      efaBandwidthInGbps: summary.efaBandwidthInGbps,
      ipv4AddressesPerNode: summary.ipv4AddressesPerNode,
      valid: true,
      firstProblem: undefined,
    });
  });

  test('an invalid layout reports its first problem and counts every interface, beyond the type maxima', () => {
    const caps = EfaInstanceTypes.lookup('c5n.18xlarge');
    const figures = layoutFigures(caps, [
      { networkCardIndex: 0, deviceIndex: 0, interfaceType: InterfaceType.EFA },
      { networkCardIndex: 0, deviceIndex: 20, interfaceType: InterfaceType.INTERFACE },
    ]);
    expect(figures).toMatchObject({ efaInterfaces: 1, efaBandwidthInGbps: 100, ipv4AddressesPerNode: 2, valid: false });
    expect(figures.firstProblem).toMatch(/device index 20 exceeds/);
  });

  test('capabilities written by hand work like a row of the table', () => {
    const caps: InstanceTypeCapabilities = {
      ...EfaInstanceTypes.lookup('p6-b200.48xlarge'),
      instanceType: 'p7.48xlarge',
    };
    expect(reportRow(caps).layouts[EVERY_CARD_EFA]).toMatchObject({ efaInterfaces: 8, ipv4AddressesPerNode: 8, valid: true });
  });
});

describe('the report over the whole table', () => {
  const report = layoutReport();

  test('has one row per type in the table', () => {
    expect(report.rows.map((r) => r.instanceType)).toEqual(EfaInstanceTypes.all());
  });

  test("meets the target: every type's EFA interfaces (8 of 16 on p6e-gb200, as AWS recommends), 1 IP per node, always valid", () => {
    expect(report.summary).toMatchObject({
      instanceTypes: EfaInstanceTypes.all().length,
      allEfaExposed: EfaInstanceTypes.all().length - 1,
      awsRecommendedFewer: ['p6e-gb200.36xlarge: 8 of 16'],
      efaShortfall: [],
      moreThanOneIp: [],
      invalid: [],
      targetMet: true,
    });
  });

  test('every-card efa and terraform v21 are invalid exactly where card 0 is ENA-only', () => {
    const enaOnlyCard0 = report.rows.filter((r) => !EfaInstanceTypes.lookup(r.instanceType).networkCards[0].efaSupported).map((r) => r.instanceType);
    expect(enaOnlyCard0).toEqual(['p6-b300.48xlarge', 'p6e-gb200.36xlarge']);
    expect(report.summary.totals[EVERY_CARD_EFA].invalid).toEqual(enaOnlyCard0);
    expect(report.summary.totals[TERRAFORM_V21].invalid).toEqual(enaOnlyCard0);
  });

  test('every-card efa spends one IP per card; cdk-efa and terraform v21 one per node', () => {
    const { totals } = report.summary;
    expect(totals[CDK_EFA].ipv4AddressesPerNode).toBe(report.rows.length);
    expect(totals[TERRAFORM_V21].ipv4AddressesPerNode).toBe(report.rows.length);
    expect(totals[EVERY_CARD_EFA].ipv4AddressesPerNode).toBe(report.rows.reduce((sum, r) => sum + r.networkCards, 0));
  });
});

describe('the summary', () => {
  test('reports a default that exposes fewer EFA than the type supports, with no AWS recommendation, as a shortfall', () => {
    const p5 = row('p5.48xlarge');
    const short: LayoutReportRow = { ...p5, layouts: { ...p5.layouts, [CDK_EFA]: { ...p5.layouts[CDK_EFA], efaInterfaces: 31 } } };
    const summary = summarizeReport([short]);
    expect(summary.efaShortfall).toEqual(['p5.48xlarge: 31 of 32']);
    expect(summary.targetMet).toBe(false);
  });

  test('reports a default with more than one IP or an invalid layout as a miss', () => {
    const p5 = row('p5.48xlarge');
    const figures = { ...p5.layouts[CDK_EFA], ipv4AddressesPerNode: 8, valid: false };
    const summary = summarizeReport([{ ...p5, layouts: { ...p5.layouts, [CDK_EFA]: figures } }]);
    expect(summary).toMatchObject({ moreThanOneIp: ['p5.48xlarge'], invalid: ['p5.48xlarge'], targetMet: false });
  });
});

describe('layoutReport', () => {
  test('reports the types given, in order, once each', () => {
    expect(layoutReport(['p5.48xlarge', 'c5n.18xlarge', 'p5.48xlarge']).rows.map((r) => r.instanceType)).toEqual(['p5.48xlarge', 'c5n.18xlarge']);
  });

  test('throws for a type that is not in the table', () => {
    expect(() => layoutReport(['p5.48xlarg'])).toThrow(/Unknown instance type p5\.48xlarg.*Did you mean p5\.48xlarge/);
  });
});
