import { SignJWT } from 'jose';
import { ACCESS_TOKEN_TYP, TOKEN_AUDIENCE, TOKEN_ISSUER, localKeyResolver, signAccessToken, verifyAccessToken } from '../src/access-token';
import { SigningKeySet, TOKEN_ALGORITHM, generateSigningKey } from '../src/signing-keys';

const key = generateSigningKey();
const keys = localKeyResolver(new SigningKeySet([key]));

test("an access token states the account's email when given one, and verifies with it", async () => {
  const token = await signAccessToken({ userId: 7, role: 'CUSTOMER', sessionEpoch: 2, email: 'ada@example.com' }, key);
  expect(await verifyAccessToken(token, keys)).toMatchObject({ userId: 7, role: 'CUSTOMER', sessionEpoch: 2, email: 'ada@example.com' });
});

test('a token without the claim verifies without an email', async () => {
  const verified = await verifyAccessToken(await signAccessToken({ userId: 7, role: 'CUSTOMER' }, key), keys);
  expect(verified).not.toHaveProperty('email');
});

test('an email claim that is not a string is refused', async () => {
  const token = await new SignJWT({ role: 'CUSTOMER', sep: 0, email: 42 })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYP, kid: key.kid })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject('7')
    .setIssuedAt()
    .setExpirationTime('60s')
    .sign(key.privateKey);
  await expect(verifyAccessToken(token, keys)).rejects.toThrow('malformed claims');
});
