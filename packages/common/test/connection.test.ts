import fc from 'fast-check';
import { z } from 'zod';
import { BadUserInputError, MAX_CURSOR_LENGTH, PG_BIGINT_MAX, PG_INT_MAX, cursorCodec, cursorKeys } from '../src';

const codec = cursorCodec(
  z.object({
    at: cursorKeys.timestamp(),
    id: cursorKeys.intId(),
    seq: cursorKeys.bigintId(),
    title: cursorKeys.text(50),
    uuid: cursorKeys.uuid(),
  }),
);
const valid = {
  at: '2025-06-01T12:00:00.000Z',
  id: 7,
  seq: '9007199254740993',
  title: 'iPhone 9',
  uuid: '0e8f1c3a-5b2d-4c6e-9f1a-2b3c4d5e6f70',
};
const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const refused = (cursor: string) => {
  try {
    codec.decode(cursor);
    return null;
  } catch (err) {
    return err instanceof BadUserInputError ? { message: err.message, ...err.details } : err;
  }
};

test('what the codec encodes, it decodes', () => {
  expect(codec.decode(codec.encode(valid))).toEqual(valid);
  expect(codec.encode(valid)).toMatch(/^[A-Za-z0-9_-]+$/);
});

test.each([
  ['a date that is not Date#toISOString', { at: '2025-06-01' }],
  ['February 30th', { at: '2025-02-30T00:00:00.000Z' }],
  ['year 0000', { at: '0000-01-01T00:00:00.000Z' }],
  ['year +275760', { at: '+275760-09-13T00:00:00.000Z' }],
  ['"1" as a date', { at: '1' }],
  ['an id of 0', { id: 0 }],
  ['an id past int4', { id: PG_INT_MAX + 1 }],
  ['a fractional id', { id: 1.5 }],
  ['a bigint past int8', { seq: String(PG_BIGINT_MAX + 1n) }],
  ['a bigint of 23 digits', { seq: '12345678901234567890123' }],
  ['a bigint with a sign', { seq: '-1' }],
  ['a bigint that is not digits (BigInt would throw)', { seq: '1e3' }],
  ['a NUL in text', { title: 'a\u0000b' }],
  ['a lone surrogate in text', { title: '\ud800' }],
  ['text too long', { title: 'x'.repeat(51) }],
  ['a non-UUID', { uuid: 'not-a-uuid' }],
  ['a missing field', { title: undefined }],
])('refuses %s', (_name, change) => {
  expect(refused(forge({ ...valid, ...change }))).toEqual({ message: 'Invalid cursor', field: 'after' });
});

test('refuses non-base64url, non-JSON and oversized cursors', () => {
  for (const cursor of ['', '!!!', 'e30=', 'bm90LWpzb24', 'A'.repeat(MAX_CURSOR_LENGTH + 1)]) {
    expect(refused(cursor)).toEqual({ message: 'Invalid cursor', field: 'after' });
  }
});

test('property: decode either returns a valid position or throws BadUserInputError, never anything else', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue().map(forge)), (cursor) => {
      const outcome = refused(cursor);
      expect(outcome === null || (outcome as { message?: string }).message === 'Invalid cursor').toBe(true);
    }),
    { numRuns: 2000 },
  );
});
