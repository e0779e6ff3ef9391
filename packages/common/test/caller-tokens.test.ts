import { SignJWT } from 'jose';
import { ANONYMOUS, callerTokenSigner, cachingCallerTokenVerifier, serviceTokenSigner, signCallerToken } from '../src/caller';

const SECRET = 'a-test-secret-of-at-least-thirty-two-bytes';

test('a service signer hands out the same token within its 30 s, and subgraphs accept it', async () => {
  const sign = serviceTokenSigner('order-subgraph', SECRET);
  const [a, b] = [await sign(), await sign()];
  expect(a).toBe(b);
  const verify = cachingCallerTokenVerifier(SECRET);
  expect((await verify(a)).caller).toEqual({ kind: 'service', service: 'order-subgraph' });
});

test('the verification cache never accepts a token the signature does not cover, nor one that expired', async () => {
  const verify = cachingCallerTokenVerifier(SECRET);
  const token = await signCallerToken({ kind: 'user', userId: 7, role: 'CUSTOMER' }, SECRET, '10.0.0.1');
  expect(await verify(token)).toEqual({ caller: { kind: 'user', userId: 7, role: 'CUSTOMER' }, clientIp: '10.0.0.1' });
  // Cached now: a hit returns the same caller.
  expect((await verify(token)).caller).toEqual({ kind: 'user', userId: 7, role: 'CUSTOMER' });

  // Same signature, another payload (an admin claim): refused, although its signature is cached.
  const [header, , signature] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ caller: { kind: 'user', userId: 1, role: 'ADMIN' } })).toString('base64url');
  await expect(verify(`${header}.${forged}.${signature}`)).rejects.toThrow();
  await expect(verify(await signCallerToken({ kind: 'anonymous' }, 'another-secret-of-at-least-thirty-two'))).rejects.toThrow();

  const expired = await new SignJWT({ caller: { kind: 'anonymous' } })
    .setProtectedHeader({ alg: 'HS256', typ: 'caller+jwt' })
    .setIssuer('commerce-internal')
    .setAudience('commerce-subgraphs')
    .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode(SECRET));
  await expect(verify(expired)).rejects.toThrow();
});

test('the signer keeps one token per caller and client address, never one caller’s for another', async () => {
  const sign = callerTokenSigner(SECRET);
  const verify = cachingCallerTokenVerifier(SECRET);
  const alice = { kind: 'user', userId: 7, role: 'CUSTOMER' } as const;
  const aliceAdmin = { kind: 'user', userId: 7, role: 'ADMIN' } as const;
  const bob = { kind: 'user', userId: 8, role: 'CUSTOMER' } as const;
  const first = await sign(alice, '10.0.0.1');
  expect(await sign(alice, '10.0.0.1')).toBe(first);
  const others = await Promise.all([
    sign(alice, '10.0.0.2'),
    sign(alice),
    sign(aliceAdmin, '10.0.0.1'),
    sign(bob, '10.0.0.1'),
    sign(ANONYMOUS),
  ]);
  expect(new Set([first, ...others]).size).toBe(6);
  expect(await verify(first)).toEqual({ caller: alice, clientIp: '10.0.0.1' });
  expect(await verify(others[1]!)).toEqual({ caller: alice });
  expect((await verify(others[2]!)).caller).toEqual(aliceAdmin);
  expect((await verify(others[3]!)).caller).toEqual(bob);
  expect((await verify(others[4]!)).caller).toEqual(ANONYMOUS);
});
