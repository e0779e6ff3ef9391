import argon2 from 'argon2';

/**
 * argon2id at OWASP's minimum recommended parameters (Password Storage Cheat Sheet:
 * m = 19 MiB, t = 2, p = 1). The parameters travel inside each PHC hash string.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * True when `hash` was made with weaker settings than {@link OPTIONS} (another algorithm, less
 * memory or fewer passes), so the login that just proved the password should store a new hash.
 * Stronger stored parameters are kept.
 */
export function isWeakerHash(hash: string): boolean {
  const match = /^\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash);
  if (!match || match[1] !== 'argon2id') return true;
  return Number(match[2]) < OPTIONS.memoryCost || Number(match[3]) < OPTIONS.timeCost;
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

// Verified against when the account does not exist, so a wrong username costs as long as a wrong password.
let dummyHash: Promise<string> | undefined;
export function dummyVerify(password: string): Promise<boolean> {
  dummyHash ??= hashPassword('not-a-real-password');
  return dummyHash.then((hash) => verifyPassword(hash, password)).then(() => false);
}
