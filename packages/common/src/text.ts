import { BadUserInputError } from './errors';

// C0 and C1 control characters (NUL, escape sequences, line breaks…): PostgreSQL refuses NUL in
// text, and the others have no place in names, keys or identifiers. Lone UTF-16 surrogates cannot
// be stored as UTF-8 either.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `value` holds a control character or a lone surrogate (text that is not printable UTF-8). */
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value) || LONE_SURROGATE.test(value);
}

/**
 * Checks a single-line text input at a subgraph's edge: `min`..`max` characters (UTF-16 code
 * units, as GraphQL strings are measured), no control characters.
 * @throws BadUserInputError naming `field`.
 */
export function assertPlainText(value: string, field: string, { min = 1, max }: { min?: number; max: number }): void {
  if (value.length < min || value.length > max) throw new BadUserInputError(`${field} must be ${min} to ${max} characters`, { field });
  if (hasControlCharacters(value)) throw new BadUserInputError(`${field} must not contain control characters`, { field });
}

/** `value` shortened for an error message, so a giant input is never echoed back whole. */
export function excerpt(value: string, max = 40): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
