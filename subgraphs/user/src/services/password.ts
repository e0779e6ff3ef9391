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
  // PHC string: $argon2id$v=19$m=19456,t=2,p=1$salt$hash (parameter order varies by library).
  const [, algorithm, , params] = hash.split('$');
  if (algorithm !== 'argon2id' || !params) return true;
  const values = Object.fromEntries(params.split(',').map((kv) => kv.split('=') as [string, string]));
  return !(Number(values.m) >= OPTIONS.memoryCost && Number(values.t) >= OPTIONS.timeCost);
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
