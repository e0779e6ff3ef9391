import { ApolloGateway } from '@apollo/gateway';
import { createLocalJWKSet } from 'jose';
import type { GraphQLSchema } from 'graphql';
import {
  RateLimitedError,
  SigningKeySet,
  createLogger,
  createRedis,
  generateSigningKey,
  publishSessionRevocation,
  signAccessToken,
  type Redis,
  type TokenKeyResolver,
} from '@commerce/common';
import { AccessTokenVerifier, authenticate } from '../src/auth';
import { composeSupergraph } from '../src/compose';
import { DEFAULT_OPERATION_LIMITS, DocumentChecks, RequestRateLimiter, admit, validateOperation } from '../src/perimeter';
import { SessionRevocations } from '../src/session-revocations';

/**
 * Issue 15 item 3: what the perimeter keeps between requests must never let through what the
 * uncached checks refuse: per-request checks still run on a cached document, refused documents
 * are not kept, a cached token still goes through the session-epoch check (real Redis), and the
 * admission's answers keep their precedence.
 */

const urls = { user: 'http://u', product: 'http://p', review: 'http://r', cart: 'http://c', order: 'http://o' };
const loadSchema = async () => (await new ApolloGateway({ supergraphSdl: composeSupergraph(urls) }).load()).schema;
let schema: GraphQLSchema;
let redis: Redis;
const prefix = `test-perimeter-caches-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  schema = await loadSchema();
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await redis.ping();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('document checks by hash', () => {
  const PAGE = 'query Page($n: Int) { products(first: $n) { edges { node { id } } } }';
  const options = (cache: DocumentChecks) => ({ hideSchemaDetails: true, cache });

  test('a cached document skips parse and validation, yet each request’s variables are still checked', () => {
    const cache = new DocumentChecks();
    const first = validateOperation(schema, { query: PAGE, variables: { n: 5 } }, DEFAULT_OPERATION_LIMITS, options(cache));
    const second = validateOperation(schema, { query: PAGE, variables: { n: 7 } }, DEFAULT_OPERATION_LIMITS, options(cache));
    if ('errors' in first || 'errors' in second) throw new Error('expected both accepted');
    expect(second.document).toBe(first.document);
    expect(second.variables).toEqual({ n: 7 });
    const over = validateOperation(schema, { query: PAGE, variables: { n: 1_000 } }, DEFAULT_OPERATION_LIMITS, options(cache));
    expect('errors' in over && over.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    const nul = validateOperation(schema, { query: PAGE, variables: { n: 1, x: 'a\u0000b' } }, DEFAULT_OPERATION_LIMITS, options(cache));
    expect('errors' in nul && nul.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  test('refused documents are not kept, and a document is revalidated against a new schema', async () => {
    const cache = new DocumentChecks();
    const deep = `{ me { ${'user { orders(first: 1) { edges { node { '.repeat(13)}id${' } } } }'.repeat(13)} } }`;
    for (let i = 0; i < 2; i++) {
      const refused = validateOperation(schema, { query: deep }, DEFAULT_OPERATION_LIMITS, options(cache));
      expect('errors' in refused && refused.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    const accepted = validateOperation(schema, { query: PAGE }, DEFAULT_OPERATION_LIMITS, options(cache));
    const otherSchema = await loadSchema();
    const again = validateOperation(otherSchema, { query: PAGE }, DEFAULT_OPERATION_LIMITS, options(cache));
    if ('errors' in accepted || 'errors' in again) throw new Error('expected both accepted');
    expect(again.document).not.toBe(accepted.document);
  });
});

describe('verified access tokens', () => {
  const key = generateSigningKey();
  const jwks = createLocalJWKSet(new SigningKeySet([key]).jwks());
  /** The real key set, counting how often a verification needed a key. */
  const counting = (): { keys: TokenKeyResolver; lookups: () => number } => {
    let n = 0;
    return {
      keys: (header, token) => {
        n += 1;
        return jwks(header, token);
      },
      lookups: () => n,
    };
  };

  test('a token is verified once and then served from the cache; with a key age of 0, every time', async () => {
    const token = await signAccessToken({ userId: 7, role: 'CUSTOMER', sessionEpoch: 0 }, key);
    const cached = counting();
    const verifier = new AccessTokenVerifier(cached.keys);
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toEqual(first);
    expect(cached.lookups()).toBe(1);
    const uncached = counting();
    const strict = new AccessTokenVerifier(uncached.keys, 0);
    await strict.verify(token);
    await strict.verify(token);
    expect(uncached.lookups()).toBe(2);
  });

  test('a forged token is refused even when a genuine one of the same user is cached', async () => {
    const verifier = new AccessTokenVerifier(jwks);
    const genuine = await signAccessToken({ userId: 7, role: 'CUSTOMER', sessionEpoch: 0 }, key);
    await verifier.verify(genuine);
    const forged = await signAccessToken({ userId: 7, role: 'ADMIN', sessionEpoch: 0 }, generateSigningKey());
    await expect(verifier.verify(forged)).rejects.toThrow();
  });

  test('a cached token of a session that was ended is refused at once', async () => {
    const verifier = new AccessTokenVerifier(jwks);
    const revocations = new SessionRevocations(redis, prefix, createLogger('test', 'silent'));
    const token = await signAccessToken({ userId: 8, role: 'CUSTOMER', sessionEpoch: 0 }, key);
    expect((await authenticate(`Bearer ${token}`, verifier, revocations)).caller).toEqual({ kind: 'user', userId: 8, role: 'CUSTOMER' });
    await publishSessionRevocation(redis, prefix, { userId: 8, sessionEpoch: 1 });
    await expect(authenticate(`Bearer ${token}`, verifier, revocations)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('admission', () => {
  const user = { kind: 'user' as const, userId: 9, role: 'CUSTOMER' as const };
  const oneAMinute = { perUser: { points: 1, durationSeconds: 60 }, perIp: { points: 100, durationSeconds: 60 } };

  test('a spent budget is RATE_LIMITED, but an ended session is refused as such first', async () => {
    const limiter = new RequestRateLimiter(redis, `${prefix}:admit`, oneAMinute);
    const current = { limiter, sessionIsCurrent: async () => true };
    expect(await admit(user, 0, '198.51.100.1', current)).toBe(true);
    await expect(admit(user, 0, '198.51.100.1', current)).rejects.toBeInstanceOf(RateLimitedError);
    expect(await admit(user, 0, '198.51.100.1', { limiter, sessionIsCurrent: async () => false })).toBe(false);
  });

  test('anonymous callers spend only the address budget and have no session to check', async () => {
    const limiter = new RequestRateLimiter(redis, `${prefix}:anon`, oneAMinute);
    let asked = 0;
    const sessionIsCurrent = async () => {
      asked += 1;
      return false;
    };
    expect(await admit({ kind: 'anonymous' }, undefined, '198.51.100.2', { limiter, sessionIsCurrent })).toBe(true);
    expect(asked).toBe(0);
  });
});
