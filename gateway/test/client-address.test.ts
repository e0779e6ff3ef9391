import { clientAddress } from '../src/perimeter/http';

const request = (forwardedFor?: string) => ({
  headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  socket: { remoteAddress: '10.0.0.2' },
});

test('without trusted proxies the socket address counts, whatever X-Forwarded-For claims', () => {
  expect(clientAddress(request('6.6.6.6'), 0)).toBe('10.0.0.2');
});

test('behind one proxy, the address it saw (the rightmost entry); a client cannot push its own in front', () => {
  expect(clientAddress(request('203.0.113.7'), 1)).toBe('203.0.113.7');
  expect(clientAddress(request('6.6.6.6, 203.0.113.7'), 1)).toBe('203.0.113.7');
  expect(clientAddress(request('6.6.6.6, 203.0.113.7, 10.0.0.9'), 2)).toBe('203.0.113.7');
});

test('more trusted hops than entries: the leftmost address', () => {
  expect(clientAddress(request('203.0.113.7'), 5)).toBe('203.0.113.7');
  expect(clientAddress(request(), 1)).toBe('10.0.0.2');
});
