import { z } from 'zod';

/**
 * How usernames and emails are normalized, checked and compared, so that two accounts never
 * differ only by case, width or an invisible character (issue 16, item 7).
 *
 * - Everything is first put in Unicode NFKC (UAX #15): fullwidth `ｅｍｉｌｙｓ`, ligatures and
 *   compatibility letters become their plain forms, and that form is what is stored.
 * - Comparison uses a key: the NFKC text case-folded (see {@link foldKey}). The user table holds
 *   it (`User.usernameKey`, unique); emails are stored as their key (unique, CHECKed lower-case).
 * - A username must be visible and single-script, as UTS #39 §5 recommends for identifiers:
 *   no default-ignorable characters (zero-width joiners and spaces, bidi controls, variation
 *   selectors), no combining mark NFKC could not compose into its letter, and letters of one script
 *   (Japanese, Korean and Chinese script mixes count as one), so `еmilys` with a Cyrillic `е` is refused.
 */

/** Length of a username after NFKC, in UTF-16 code units (as GraphQL measures strings). */
export const USERNAME_LENGTH = { min: 3, max: 32 } as const;

/**
 * The comparison key of an identifier already in NFKC: the classes of full case folding
 * (CaseFolding.txt, status C+F) as `toUpperCase().toLowerCase()` gives them (ß and SS→ss, ﬀ→ff;
 * σ, ς and Σ one key, ς at a word's end by the lower-casing context rule), then NFKC again, since
 * case mapping can leave a decomposed sequence. It also merges dotless ı with i, which folding
 * does not: stricter, and those two are look-alikes anyway.
 */
export function foldKey(nfkc: string): string {
  return nfkc.toUpperCase().toLowerCase().normalize('NFKC');
}

/** The key a login name is looked up by: the same normalization as registration, without its checks. */
export function loginKey(login: string): { email: string } | { usernameKey: string } {
  const key = foldKey(login.trim().normalize('NFKC'));
  return key.includes('@') ? { email: key } : { usernameKey: key };
}

const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
// Combining marks of no script of their own (U+0300…) that NFKC left uncomposed: `ı` + U+0307 looks like `i`.
const LOOSE_MARK = /\p{Script=Inherited}/u;
const ALLOWED = /^[\p{L}\p{M}\p{Nd}_.-]+$/u;

/**
 * The scripts a username may be written in, each as the character class of its letters; ASCII
 * digits, `_`, `.` and `-` (script Common) go with any. A script outside this list is refused
 * as well: a name must be one of these, whole. Script_Extensions, so a character shared by
 * several scripts (the Japanese long-vowel mark) counts for each.
 */
const SINGLE_SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Thaana',
  'Syriac',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Cherokee',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
].map((script) => [script]);
// UTS #39 §5.1: the writing systems of Japan, Korea and China mix scripts by nature.
const SCRIPT_MIXES = [
  ['Han', 'Hiragana', 'Katakana'],
  ['Han', 'Hangul'],
  ['Han', 'Bopomofo'],
];
const SCRIPT_PATTERNS = [...SINGLE_SCRIPTS, ...SCRIPT_MIXES].map(
  (scripts) => new RegExp(`^[${scripts.map((s) => `\\p{scx=${s}}`).join('')}0-9_.-]+$`, 'u'),
);

/** True when every letter, mark and digit of `nfkc` belongs to one script (or one of the mixes above). */
export function isSingleScript(nfkc: string): boolean {
  return SCRIPT_PATTERNS.some((pattern) => pattern.test(nfkc));
}

/**
 * A username from a client: trimmed, NFKC, 3..32 characters of letters, marks, digits, `_ . -`,
 * visible and single-script. Parses to the stored form and its comparison key.
 */
export const usernameSchema = z
  .string()
  .trim()
  // Bounds the work NFKC and the script checks do (NFKC expands a character 18-fold at most).
  .max(USERNAME_LENGTH.max * 4)
  .transform((raw) => raw.normalize('NFKC'))
  .pipe(
    z
      .string()
      .min(USERNAME_LENGTH.min, { abort: true })
      .max(USERNAME_LENGTH.max, { abort: true })
      .refine((v) => !INVISIBLE.test(v), {
        message: 'no invisible characters (zero-width, bidi controls, variation selectors)',
        abort: true,
      })
      .refine((v) => !LOOSE_MARK.test(v), { message: 'no combining marks that are not part of a letter', abort: true })
      .refine((v) => ALLOWED.test(v), { message: 'letters, digits, _ . - only', abort: true })
      .refine(isSingleScript, 'letters of one script only'),
  )
  .transform((username) => ({ username, usernameKey: foldKey(username) }));

/**
 * An email from a client: trimmed, NFKC, case-folded (the whole address: no two accounts differ
 * only by the case of the local part, though RFC 5321 §2.4 lets a mail server tell them apart),
 * then checked as an address (ASCII, as zod's pattern allows). The result is both stored form and key.
 */
export const emailSchema = z
  .string()
  .trim()
  .max(254 * 4)
  .transform((raw) => foldKey(raw.normalize('NFKC')))
  .pipe(z.email().max(254));
