import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The only signature algorithm of client tokens: Ed25519 (RFC 8037), pinned on both sides (RFC 8725 §3.1). */
export const TOKEN_ALGORITHM = 'EdDSA';

/** One Ed25519 signing key and its key id (`kid` in token headers and in the JWKS). */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** A public key as published in the JWKS (RFC 7517 §4). */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid: string;
  alg: typeof TOKEN_ALGORITHM;
  use: 'sig';
}

/**
 * The user subgraph's token keys: the first signs, every one is published, so tokens signed with
 * a retired key stay valid until they expire (rotation without downtime: deploy `[new, old]`,
 * drop `old` once the longest-lived token it signed has expired).
 */
export class SigningKeySet {
  private keys: SigningKey[];

  constructor(keys: SigningKey[]) {
    if (keys.length === 0) throw new Error('SigningKeySet needs at least one key');
    this.keys = [...keys];
  }

  /** The key that signs new tokens. */
  get current(): SigningKey {
    return this.keys[0]!;
  }

  /** The published key set: `{ keys: [...] }` of public JWKs (RFC 7517 §5). */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.map(publicJwk) };
  }

  /** Makes `key` the signing key and keeps publishing the previous ones (at most `keep` of them). */
  rotate(key: SigningKey, keep = 1): void {
    this.keys = [key, ...this.keys.slice(0, keep)];
  }

  /** Stops publishing `kid`: tokens it signed are refused once verifiers refresh their JWKS cache. */
  retire(kid: string): void {
    if (this.current.kid === kid) throw new Error('cannot retire the signing key; rotate first');
    this.keys = this.keys.filter((k) => k.kid !== kid);
  }
}

/** A new random Ed25519 key; `kid` is the RFC 7638 thumbprint of its public key. */
export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { kid: thumbprint(privateKey), privateKey };
}

/** The private JWK of `key` (with its `kid`), the format of `AUTH_SIGNING_KEYS`. */
export function exportSigningKey(key: SigningKey): JsonWebKey & { kid: string } {
  return { ...key.privateKey.export({ format: 'jwk' }), kid: key.kid };
}

/**
 * Parses `AUTH_SIGNING_KEYS`: a JSON array of Ed25519 private JWKs, each with a `kid`, newest first.
 * @throws Error naming the first malformed entry.
 */
export function parseSigningKeys(json: string): SigningKey[] {
  const raw: unknown = JSON.parse(json);
  if (!Array.isArray(raw) || raw.length === 0) throw new Error('AUTH_SIGNING_KEYS must be a non-empty JSON array of JWKs');
  return raw.map((jwk: unknown, i) => {
    const entry = jwk as JsonWebKey & { kid?: unknown };
    if (entry.kty !== 'OKP' || entry.crv !== 'Ed25519' || typeof entry.d !== 'string' || typeof entry.kid !== 'string' || !entry.kid) {
      throw new Error(`AUTH_SIGNING_KEYS[${i}] is not an Ed25519 private JWK with a kid`);
    }
    return { kid: entry.kid, privateKey: createPrivateKey({ key: entry, format: 'jwk' }) };
  });
}

/**
 * Keys for local development: read from `file`, or generated once into it (the folder is
 * gitignored), so tokens survive restarts without any configuration. Never used in production.
 */
export function devSigningKeys(file: string): SigningKey[] {
  if (existsSync(file)) return parseSigningKeys(readFileSync(file, 'utf8'));
  const key = generateSigningKey();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify([exportSigningKey(key)]), { mode: 0o600 });
  return [key];
}

function publicJwk(key: SigningKey): PublicJwk {
  const { kty, crv, x } = createPublicKey(key.privateKey).export({ format: 'jwk' });
  return { kty: kty!, crv, x, kid: key.kid, alg: TOKEN_ALGORITHM, use: 'sig' };
}

// RFC 7638: SHA-256 over the required members in lexicographic order.
function thumbprint(privateKey: KeyObject): string {
  const { crv, kty, x } = createPublicKey(privateKey).export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url');
}
