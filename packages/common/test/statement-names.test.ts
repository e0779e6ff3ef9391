import { statementNames } from '../src/pg-adapter';

const sql = (n: number) => ({ sql: `SELECT ${n}` });

test('a statement is named from its second use on, always with the same name; distinct statements get distinct names', () => {
  const name = statementNames();
  expect(name(sql(1))).toBeUndefined();
  const first = name(sql(1));
  expect(first).toMatch(/^commerce_\d+$/);
  expect(name(sql(1))).toBe(first);
  expect(name(sql(2))).toBeUndefined();
  const second = name(sql(2));
  expect(second).not.toBe(first);
  expect(name(sql(1))).toBe(first);
});

test('at most 200 statements are named; any other stays unnamed, and named ones keep their names', () => {
  const name = statementNames();
  const names = new Set<string>();
  for (let n = 0; n < 300; n++) {
    name(sql(n));
    const given = name(sql(n));
    if (given !== undefined) names.add(given);
  }
  expect(names.size).toBe(200);
  expect(name(sql(250))).toBeUndefined();
  expect(name(sql(0))).toBe(name(sql(0)));
  expect(names.has(name(sql(0))!)).toBe(true);
});
