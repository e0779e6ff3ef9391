import { decodeJwt } from 'jose';
import { ANONYMOUS, signCallerToken, verifyCallerToken } from '../src/caller';

const SECRET = 'caller-test-secret-0123456789abcdef0123';

describe('signCallerToken', () => {
  it('lives 60 s by default', async () => {
    const { iat, exp } = decodeJwt(await signCallerToken(ANONYMOUS, SECRET));
    expect(exp! - iat!).toBe(60);
  });

  it('lives ttlSeconds when given, and still verifies only with the secret', async () => {
    const token = await signCallerToken(ANONYMOUS, SECRET, undefined, 24 * 3600);
    const { iat, exp } = decodeJwt(token);
    expect(exp! - iat!).toBe(24 * 3600);
    await expect(verifyCallerToken(token, SECRET)).resolves.toEqual({ caller: ANONYMOUS });
    await expect(verifyCallerToken(token, `${SECRET}-other`)).rejects.toThrow();
  });
});
