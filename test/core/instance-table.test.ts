import * as fs from 'fs';
import { Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import type { EfaInstanceTypes as EfaInstanceTypesClass } from '../../src/core/instance-types';
import { EfaInstanceTypes } from '../../src/core/instance-types';
import { capabilitiesProblems } from '../../src/core/private/capabilities-rules';
import { isCheckedTableRow, parseInstanceTable, TABLE_FILE } from '../../src/core/private/instance-table';
import { isUnresolved, mayBeToken } from '../../src/core/private/tokens';

const ROW = {
  instanceType: 'c5n.18xlarge',
  efaSupported: true,
  maximumEfaInterfaces: 1,
  networkCards: [{ networkCardIndex: 0, maximumNetworkInterfaces: 15, efaSupported: true }],
  architecture: 'x86_64',
};

describe('the capability table file', () => {
  test('is read once, on the first lookup, and not when the module is loaded', () => {
    const reads: unknown[] = [];
    let types: typeof EfaInstanceTypesClass | undefined;
    jest.isolateModules(() => {
      const actual = jest.requireActual<typeof fs>('fs');
      jest.doMock('fs', () => ({
        ...actual,
        readFileSync: (...args: Parameters<typeof fs.readFileSync>) => {
          reads.push(args[0]);
          return actual.readFileSync(...args);
        },
      }));
      types = jest.requireActual<{ EfaInstanceTypes: typeof EfaInstanceTypesClass }>('../../src/core/instance-types').EfaInstanceTypes;
    });
    jest.dontMock('fs');
    expect(reads).toEqual([]);
    expect(types!.lookup('p5.48xlarge').networkCards).toHaveLength(32);
    expect(types!.all().length).toBeGreaterThan(100);
    expect(types!.isEfaSupported('t3.micro')).toBe(false);
    expect(reads).toEqual([TABLE_FILE]);
  });

  test('parses to rows that pass the capabilities check, by instance type, sorted', () => {
    const table = parseInstanceTable(fs.readFileSync(TABLE_FILE, 'utf-8'), TABLE_FILE);
    const names = table.names();
    expect(names.length).toBeGreaterThan(100);
    expect(table.size).toBe(names.length);
    expect(names).toEqual([...names].sort());
    expect(names.map((name) => capabilitiesProblems(table.get(name)))).toEqual(names.map(() => []));
    expect(table.get('p5.48xlarge')?.maximumEfaInterfaces).toBe(32);
    expect(table.get('t3.micro')).toBeUndefined();
  });

  test('remembers the rows that passed the check; a copy of a row is checked each time', () => {
    const table = parseInstanceTable(fs.readFileSync(TABLE_FILE, 'utf-8'), TABLE_FILE);
    const row = table.get('p5.48xlarge')!;
    expect(isCheckedTableRow(row)).toBe(true);
    expect(isCheckedTableRow(undefined)).toBe(false);
    const copy = JSON.parse(JSON.stringify(row));
    expect(isCheckedTableRow(copy)).toBe(false);
    copy.maximumEfaInterfaces = -1;
    expect(() => EfaInstanceTypes.validateCapabilities(copy)).toThrow(/\[cdk-efa:invalid-capabilities\]/);
  });

  test('fails when the table is no JSON', () => {
    expect(() => parseInstanceTable('{"instanceTypes": [', 'table.json'))
      .toThrow(/^cdk-efa's capability table table\.json is not valid JSON .*\[cdk-efa:invalid-capabilities\]$/);
  });

  test('fails when the table has no instanceTypes list', () => {
    expect(() => parseInstanceTable('[]', 'table.json')).toThrow(/has no `instanceTypes` list.*\[cdk-efa:invalid-capabilities\]$/);
    expect(() => parseInstanceTable('null', 'table.json')).toThrow(/has no `instanceTypes` list.*\[cdk-efa:invalid-capabilities\]$/);
  });

  test('fails when a row does not pass the capabilities check, on its first read, naming the row and field', () => {
    const table = parseInstanceTable(JSON.stringify({ instanceTypes: [ROW, { ...ROW, instanceType: 'x9.large', networkCards: null }] }), 'table.json');
    expect(table.get('c5n.18xlarge')).toEqual(ROW);
    expect(() => table.get('x9.large'))
      .toThrow(/holds an invalid row: x9\.large: networkCards is null.*\[cdk-efa:invalid-capabilities\]$/);
  });

  test('fails when a row has no instance type', () => {
    expect(() => parseInstanceTable(JSON.stringify({ instanceTypes: [ROW, { ...ROW, instanceType: 7 }] }), 'table.json'))
      .toThrow(/holds a row without an instance type \(row 1: .*\[cdk-efa:invalid-capabilities\]$/);
    expect(() => parseInstanceTable(JSON.stringify({ instanceTypes: [null] }), 'table.json'))
      .toThrow(/holds a row without an instance type \(row 0: null\).*\[cdk-efa:invalid-capabilities\]$/);
  });

  test('fails when an instance type repeats', () => {
    expect(() => parseInstanceTable(JSON.stringify({ instanceTypes: [ROW, ROW] }), 'table.json'))
      .toThrow(/lists c5n\.18xlarge twice.*\[cdk-efa:invalid-capabilities\]$/);
  });
});

describe('token checks without aws-cdk-lib', () => {
  const stack = new Stack();
  const tokens: Array<[string, unknown]> = [
    ['a string token', Lazy.string({ produce: () => 'x' })],
    ['a string with a token inside', `p5.${Lazy.string({ produce: () => '48xlarge' })}`],
    ['a number token', Lazy.number({ produce: () => 2 })],
    ['a list token', Lazy.list({ produce: () => ['a'] })],
    ['an intrinsic', Fn.ref('Type')],
    ['a stack attribute', stack.account],
  ];

  test.each(tokens)('%s is unresolved, as aws-cdk-lib says', (_, value) => {
    expect(Token.isUnresolved(value)).toBe(true);
    expect(mayBeToken(value)).toBe(true);
    expect(isUnresolved(value)).toBe(true);
  });

  test('plain strings, numbers, booleans and nothing are answered without aws-cdk-lib, as aws-cdk-lib answers', () => {
    let plain = 0;
    fc.assert(fc.property(fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constantFrom(undefined, null, -1.8e289, 'Token[')), (value) => {
      expect(isUnresolved(value)).toBe(Token.isUnresolved(value));
      if (!mayBeToken(value)) {
        plain += 1;
        expect(Token.isUnresolved(value)).toBe(false);
      }
    }), { numRuns: 500 });
    expect(plain).toBeGreaterThan(400);
  });

  test('objects are asked of aws-cdk-lib', () => {
    expect(mayBeToken({ resolve: () => 1 })).toBe(true);
    expect(isUnresolved({ resolve: () => 1 })).toBe(true);
    expect(isUnresolved({ value: 1 })).toBe(false);
    expect(isUnresolved(['plain'])).toBe(false);
  });
});
