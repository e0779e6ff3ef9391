import { createPublicKey } from 'node:crypto';
import argon2 from 'argon2';
import { SignJWT, base64url } from 'jose';
import {
  ACCESS_TOKEN_TYP,
  ANONYMOUS,
  CALLER_TOKEN_HEADER,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  createRateLimiter,
  generateSigningKey,
  signCallerToken,
} from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { DEFAULT_LOGIN_THROTTLE } from '@commerce/user';
import { RawSocket } from '../support/hostile';
import { INTERNAL_SECRET, startStack, type Stack } from '../support/stack';
import { TEST_SIGNING_KEY, mintAccessToken } from '../support/tokens';

let stack: Stack;
let catalog: Catalog;
const customers = () => catalog.users.filter((u) => u.role === 'user');

beforeAll(async () => {
  [stack, catalog] = await Promise.all([startStack(), loadCatalog()]);
});
afterAll(() => stack?.close());

const now = () => Math.floor(Date.now() / 1000);

/** A token like the user subgraph's, with `edit` applied to its claims and header before signing. */
async function forge(
  edit: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: ReturnType<typeof generateSigningKey> } = {},
) {
  const key = edit.key ?? TEST_SIGNING_KEY;
  const claims = {
    sub: '7',
    role: 'CUSTOMER',
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    iat: now(),
    nbf: now(),
    exp: now() + 900,
    ...edit.claims,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete (claims as Record<string, unknown>)[k];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: ACCESS_TOKEN_TYP, kid: key.kid, ...edit.header } as { alg: string })
    .sign(key.privateKey);
}

const me = (token: string) => stack.gql<{ me: { id: string } | null }>('{ me { id } }', {}, token);

describe('token attacks are UNAUTHENTICATED (401)', () => {
  test('a well-formed token works (control)', async () => {
    const res = await me(await forge());
    expect(res.data?.me?.id).toBe('7');
  });

  const attacks: [string, () => Promise<string>][] = [
    [
      'alg: none',
      async () => {
        const [header, payload] = (await forge()).split('.');
        const none = base64url.encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(base64url.decode(header!))), alg: 'none' }));
        return `${none}.${payload}.`;
      },
    ],
    [
      'HS256 signed with the public key',
      async () => {
        const pem = createPublicKey(TEST_SIGNING_KEY.privateKey).export({ format: 'pem', type: 'spki' }).toString();
        return new SignJWT({ sub: '1', role: 'ADMIN' })
          .setProtectedHeader({ alg: 'HS256', typ: ACCESS_TOKEN_TYP, kid: TEST_SIGNING_KEY.kid })
          .setIssuer(TOKEN_ISSUER)
          .setAudience(TOKEN_AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(pem));
      },
    ],
    ['expired 61 s ago', () => forge({ claims: { iat: now() - 1000, nbf: now() - 1000, exp: now() - 61 } })],
    ['not valid for another 120 s (nbf)', () => forge({ claims: { nbf: now() + 120 } })],
    ['wrong audience', () => forge({ claims: { aud: 'someone-else' } })],
    ['missing audience', () => forge({ claims: { aud: undefined } })],
    ['wrong issuer', () => forge({ claims: { iss: 'https://evil.example' } })],
    ['missing issuer', () => forge({ claims: { iss: undefined } })],
    ['missing expiry', () => forge({ claims: { exp: undefined } })],
    ['no typ', () => forge({ header: { typ: undefined } })],
    ['typ of a refresh token', () => forge({ header: { typ: 'refresh+jwt' } })],
    ['a key nobody published', () => forge({ key: generateSigningKey() })],
    ['a published kid with another key', () => forge({ key: { ...generateSigningKey(), kid: TEST_SIGNING_KEY.kid } })],
    ['a malformed role', () => forge({ claims: { role: 'ROOT' } })],
    [
      'tampered payload (role raised to ADMIN)',
      async () => {
        const [header, payload, signature] = (await forge()).split('.');
        const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!)));
        return `${header}.${base64url.encode(JSON.stringify({ ...claims, role: 'ADMIN' }))}.${signature}`;
      },
    ],
    [
      'a refresh token used as an access token',
      async () => {
        const u = customers()[0]!;
        const res = await stack.gql<{ login: { refreshToken: string } }>(
          'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { refreshToken } }',
          { u: u.username, p: u.password },
        );
        return res.data!.login.refreshToken;
      },
    ],
  ];
  test.each(attacks)('%s', async (_name, make) => {
    const res = await me(await make());
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data?.me ?? null).toBeNull();
  });

  test('over graphql-ws, a bad token closes the socket with 4403', async () => {
    for (const token of [await forge({ claims: { exp: now() - 61 } }), await forge({ claims: { aud: 'x' } }), 'garbage']) {
      const socket = await RawSocket.open(stack.gateway.wsUrl);
      socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
      await socket.until(() => socket.closed !== undefined);
      expect(socket.closed!.code).toBe(4403);
    }
  });

  test('over graphql-ws, token expiry is checked again on each subscribe', async () => {
    // Valid at connection time only thanks to the 60 s leeway (for 5 s more: a loaded machine may
    // take seconds to connect); the subscribe comes once it is past it.
    const exp = now() - 55;
    const socket = await RawSocket.connect(
      stack.gateway.wsUrl,
      `Bearer ${await forge({ claims: { iat: exp - 900, nbf: exp - 900, exp } })}`,
    );
    await new Promise((r) => setTimeout(r, Math.max(0, (exp + 61) * 1000 - Date.now())));
    const { messages } = await socket.operation('1', { query: 'subscription { orderStatusChanged { id } }' });
    expect(messages).toEqual([
      {
        id: '1',
        type: 'error',
        payload: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', requestId: expect.any(String) } })],
      },
    ]);
    socket.close();
  });
});

describe('refresh tokens', () => {
  const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { refreshToken } }';
  const REFRESH = 'mutation($t: String!) { refreshToken(token: $t) { refreshToken } }';
  const refresh = (t: string) => stack.gql<{ refreshToken: { refreshToken: string } }>(REFRESH, { t });

  test('replaying a rotated refresh token revokes its whole family, and only that family', async () => {
    const u = customers()[1]!;
    const phone = (await stack.gql<{ login: { refreshToken: string } }>(LOGIN, { u: u.username, p: u.password })).data!.login.refreshToken;
    const laptop = (await stack.gql<{ login: { refreshToken: string } }>(LOGIN, { u: u.username, p: u.password })).data!.login.refreshToken;
    const second = (await refresh(phone)).data!.refreshToken.refreshToken;
    const replay = await refresh(phone);
    expect(replay.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The attacker's replay ended the legitimate holder's rotated token too…
    expect((await refresh(second)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // …but not the session on another device.
    expect((await refresh(laptop)).data?.refreshToken.refreshToken).toEqual(expect.any(String));
  });

  test('logout with a refresh token ends that session', async () => {
    const u = customers()[2]!;
    const token = (await stack.gql<{ login: { refreshToken: string } }>(LOGIN, { u: u.username, p: u.password })).data!.login.refreshToken;
    const out = await stack.gql<{ logout: boolean }>('mutation($t: String) { logout(refreshToken: $t) }', { t: token });
    expect(out.data?.logout).toBe(true);
    expect((await refresh(token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('passwords', () => {
  test('changePassword checks the current password, applies the policy and revokes every session', async () => {
    const u = customers()[3]!;
    const signIn = (p: string) =>
      stack.gql<{ login: { accessToken: string; refreshToken: string } }>(
        'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }',
        { u: u.username, p },
      );
    const session = (await signIn(u.password)).data!.login;
    const change = (current: string, next: string) =>
      stack.gql<{ changePassword: boolean }>(
        'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }',
        { c: current, n: next },
        session.accessToken,
      );
    expect((await change('wrong', 'a brand new passphrase')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await change(u.password, 'short')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await change(u.password, 'password123')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await change(u.password, 'a brand new passphrase')).data?.changePassword).toBe(true);
    const refreshed = await stack.gql('mutation($t: String!) { refreshToken(token: $t) { accessToken } }', { t: session.refreshToken });
    expect(refreshed.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await signIn(u.password)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await signIn('a brand new passphrase')).data?.login.accessToken).toEqual(expect.any(String));
  });

  test('a hash made with weaker parameters is replaced by argon2id at OWASP parameters on login', async () => {
    const u = customers()[4]!;
    const weak = await argon2.hash(u.password, { type: argon2.argon2i, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await stack.db.user.user.update({ where: { id: u.id }, data: { passwordHash: weak } });
    expect((await stack.login(u.username, u.password)).length).toBeGreaterThan(0);
    const { passwordHash } = await stack.db.user.user.findUniqueOrThrow({ where: { id: u.id } });
    expect(passwordHash).toMatch(/^\$argon2id\$v=19\$/);
    expect(passwordHash).toContain('m=19456');
    expect(passwordHash).toContain('t=2');
    expect(passwordHash).toContain('p=1');
    // A current hash is left alone on the next login.
    await stack.login(u.username, u.password);
    expect((await stack.db.user.user.findUniqueOrThrow({ where: { id: u.id } })).passwordHash).toBe(passwordHash);
    expect(await argon2.verify(passwordHash, u.password)).toBe(true);
  });
});

describe('sign-in throttling', () => {
  const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }';

  test('failed logins on one account slow down, then the right password is refused too; other accounts are unaffected', async () => {
    const [victim, bystander] = [customers()[5]!, customers()[6]!];
    const codes: unknown[] = [];
    for (let i = 0; i < 7; i++) codes.push((await stack.gql(LOGIN, { u: victim.username, p: `guess-${i}` })).errors?.[0]?.extensions?.code);
    expect(codes).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
    const right = await stack.gql(LOGIN, { u: victim.username, p: victim.password });
    expect(right.errors?.[0]?.extensions).toEqual(expect.objectContaining({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) }));
    // The same account by its email is the same account.
    expect((await stack.gql(LOGIN, { u: victim.email, p: victim.password })).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await stack.gql(LOGIN, { u: bystander.username, p: bystander.password })).data).toEqual({
      login: { accessToken: expect.any(String) },
    });
  });

  test('login aliases buy no extra guesses: every executed alias is an attempt, and the throttle holds across documents', async () => {
    const victim = customers()[7]!;
    const doc = `mutation { ${Array.from({ length: 20 }, (_, i) => `a${i}: login(username: "${victim.username}", password: "guess-${i}") { accessToken }`).join(' ')} }`;
    // Over the gateway the document is refused outright by the alias limit (15).
    expect((await stack.gql(doc)).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Sent past the gateway (as a gateway with a looser cap would), mutation fields run one after
    // the other and the first failed guess ends the document (login's payload is non-null).
    const send = async () => {
      const response = await fetch(stack.subgraphs.user.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [CALLER_TOKEN_HEADER]: await signCallerToken(ANONYMOUS, INTERNAL_SECRET, '203.0.113.9'),
        },
        body: JSON.stringify({ query: doc }),
      });
      return ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code);
    };
    const attempts = createRateLimiter(stack.redis, stack.redisPrefix, 'login-account-lock', DEFAULT_LOGIN_THROTTLE.accountLockout);
    expect(await send()).toEqual(['UNAUTHENTICATED']);
    expect((await attempts.get(`user:${victim.id}`))?.consumedPoints).toBe(1);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await send());
    expect(answers).toEqual([['UNAUTHENTICATED'], ['UNAUTHENTICATED'], ['UNAUTHENTICATED'], ['UNAUTHENTICATED'], ['RATE_LIMITED']]);
    expect((await stack.gql(LOGIN, { u: victim.username, p: victim.password })).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});

describe('key rotation', () => {
  test('a new key signs at once, the old kid is accepted until retired, then refused', async () => {
    // A gateway that refreshes its JWKS on every token, so retirement shows without waiting for the cache.
    const gateway = await stack.startAnotherGateway({ jwks: { url: stack.jwksUrl, cooldownMs: 0, cacheMaxAgeMs: 0 } });
    const ask = async (token: string) => {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      return (await res.json()) as { data?: { me: { id: string } }; errors?: { extensions: { code: string } }[] };
    };
    const u = customers()[8]!;
    const oldToken = await mintAccessToken({ userId: u.id, role: 'CUSTOMER' });
    expect((await ask(oldToken)).data?.me.id).toBe(String(u.id));

    const next = generateSigningKey();
    stack.signingKeys.rotate(next);
    const jwks = (await (await fetch(stack.jwksUrl)).json()) as { keys: { kid: string; alg: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([next.kid, TEST_SIGNING_KEY.kid]);
    expect(jwks.keys.every((k) => k.alg === 'EdDSA' && k.d === undefined)).toBe(true);

    const newToken = await stack.login(u.username, u.password);
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(newToken.split('.')[0]!))).kid).toBe(next.kid);
    expect((await ask(newToken)).data?.me.id).toBe(String(u.id));
    expect((await ask(oldToken)).data?.me.id).toBe(String(u.id));

    stack.signingKeys.retire(TEST_SIGNING_KEY.kid);
    expect((await ask(oldToken)).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect((await ask(newToken)).data?.me.id).toBe(String(u.id));
  });
});

describe('look-alike accounts (NFKC, case folding, one script, nothing invisible)', () => {
  const REGISTER =
    'mutation($u: String!, $e: String!) { register(input: { username: $u, email: $e, password: "long enough pw", firstName: "Look", lastName: "Alike" }) { user { id username email } } }';
  const register = (u: string, e: string) =>
    stack.gql<{ register: { user: { id: string; username: string; email: string } } }>(REGISTER, { u, e });
  const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { user { id username } } }';
  const emily = () => catalog.users.find((u) => u.username === 'emilys')!;

  test.each([
    ['a case variant of the admin emilys', 'eMIlYs', 'emilys-case@example.com'],
    ['a fullwidth emilys (NFKC)', 'ｅｍｉｌｙｓ', 'emilys-width@example.com'],
    ['a dotless-i emilys', 'emılys', 'emilys-dotless@example.com'],
  ])('%s is CONFLICT', async (_name, username, email) => {
    const res = await register(username, email);
    expect(res.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(res.data?.register ?? null).toBeNull();
  });

  test('a case variant of a taken email, or its fullwidth form, is CONFLICT', async () => {
    for (const email of [emily().email.toUpperCase(), emily().email.replace('@', '＠')]) {
      const res = await register(`fresh${email.length}${email.charCodeAt(0)}`, email);
      expect(res.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    }
  });

  test.each([
    ['with a Cyrillic е (mixed script)', 'еmilys', 'letters of one script only'],
    ['with a zero-width joiner', 'emi\u200dlys', 'no invisible characters'],
    ['with a zero-width space', 'emilys\u200b', 'no invisible characters'],
    ['with a combining dot on a dotless i', 'emı\u0307lys', 'no combining marks'],
  ])('emilys %s is BAD_USER_INPUT', async (_name, username, message) => {
    const res = await register(username, `lookalike${username.length}@example.com`);
    expect(res.errors?.[0]).toEqual(
      expect.objectContaining({
        message: expect.stringContaining(message),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'username' }),
      }),
    );
  });

  test('an account registered in one case signs in by any case, width or email case, and is stored normalized', async () => {
    const created = await register('Zoë_Quinn', 'Zoe.Quinn@Example.COM');
    expect(created.data?.register.user).toEqual({ id: expect.any(String), username: 'Zoë_Quinn', email: 'zoe.quinn@example.com' });
    const id = created.data!.register.user.id;
    for (const login of ['zoë_quinn', 'ZOË_QUINN', 'Ｚｏë＿Ｑｕｉｎｎ', 'Zoe\u0308_Quinn', 'ZOE.QUINN@EXAMPLE.COM']) {
      const res = await stack.gql<{ login: { user: { id: string; username: string } } }>(LOGIN, { u: login, p: 'long enough pw' });
      expect(res.data?.login.user).toEqual({ id, username: 'Zoë_Quinn' });
    }
    // The look-alike of a new name is taken too, and a different script is a different name.
    expect((await register('ZOË_QUINN', 'other-zoe@example.com')).errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await register('Зоя_Квин', 'zoya@example.com')).data?.register.user.username).toBe('Зоя_Квин');
  });

  test('the seeded admin signs in with a case variant of her username', async () => {
    const res = await stack.gql<{ login: { user: { username: string } } }>(LOGIN, { u: 'EMILYS', p: emily().password });
    expect(res.data?.login.user.username).toBe('emilys');
  });
});
