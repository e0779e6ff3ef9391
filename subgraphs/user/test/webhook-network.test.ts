import { BlockedWebhookAddressError, assertPublicHost, guardedLookup, isPrivateAddress } from '../src/notifications/webhook-network';

test('internal addresses are recognised, public ones are not', () => {
  for (const a of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fc00::1',
    'fd12::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
  ]) {
    expect([a, isPrivateAddress(a)]).toEqual([a, true]);
  }
  for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700::1111', 'example.com']) {
    expect([a, isPrivateAddress(a)]).toEqual([a, false]);
  }
});

test('IP-literal and localhost URLs are refused unless private networks are allowed', () => {
  for (const url of [
    'http://127.0.0.1:8080/hooks',
    'https://[::1]/hooks',
    'http://localhost:3000/',
    'http://169.254.169.254/latest/meta-data',
  ]) {
    expect(() => assertPublicHost(url, false)).toThrow(BlockedWebhookAddressError);
    expect(() => assertPublicHost(url, true)).not.toThrow();
  }
  expect(() => assertPublicHost('https://merchant.example/hooks', false)).not.toThrow();
});

test('the socket lookup refuses a host name that resolves to loopback', async () => {
  const error = await new Promise<unknown>((resolve) => guardedLookup('localhost', {}, (err) => resolve(err)));
  expect(error).toBeInstanceOf(BlockedWebhookAddressError);
});
