import { exportSigningKey, generateSigningKey, signAccessToken, type AccessClaims } from '@commerce/common';

/**
 * The key every test stack of this jest process starts its user subgraph with (so tokens minted
 * here verify at any stack's gateway); rotation tests rotate their own stack's key set.
 */
export const TEST_SIGNING_KEY = generateSigningKey();

/** `AUTH_SIGNING_KEYS` for a process spawned by a test. */
export const TEST_SIGNING_KEYS_ENV = JSON.stringify([exportSigningKey(TEST_SIGNING_KEY)]);

/** An access token exactly as the user subgraph signs one (EdDSA, kid, 15 minutes), without signing in through argon2. */
export const mintAccessToken = (claims: AccessClaims): Promise<string> => signAccessToken(claims, TEST_SIGNING_KEY);
