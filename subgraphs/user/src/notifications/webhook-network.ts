import dns from 'node:dns';
import net from 'node:net';
import { Agent } from 'undici';

/**
 * Addresses a webhook must not reach unless private networks are allowed: loopback, RFC 1918,
 * carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unique-local and multicast,
 * "this network", and their IPv4-mapped IPv6 forms (RFC 6890 special-purpose registries).
 */
const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
  blocked.addSubnet(`::ffff:${prefix}`, 96 + bits, 'ipv6');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

/** Whether `address` (an IP literal) is in a private, loopback, link-local or otherwise internal range. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Thrown when a webhook URL resolves to an internal address and private networks are not allowed. */
export class BlockedWebhookAddressError extends Error {
  constructor(readonly host: string) {
    super(`webhook host ${host} resolves to a private or internal address`);
    this.name = 'BlockedWebhookAddressError';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that resolves like `dns.lookup` and fails with a
 * BlockedWebhookAddressError when any address of the host is internal.
 */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
      return callback(Object.assign(new BlockedWebhookAddressError(hostname), { code: 'EBLOCKED' }), []);
    }
    if (options.all) return callback(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

/**
 * An undici dispatcher for webhook POSTs. With `allowPrivateNetworks` false, the address check runs
 * in the socket's own DNS lookup ({@link guardedLookup}), so the address connected to is the one
 * checked (no DNS-rebinding gap between a check and the connect). IP-literal hosts skip DNS:
 * {@link assertPublicHost} covers them.
 */
export function createWebhookDispatcher(allowPrivateNetworks: boolean): Agent {
  return allowPrivateNetworks ? new Agent() : new Agent({ connect: { lookup: guardedLookup as never } });
}

/** @throws BlockedWebhookAddressError when `url`'s host is a private IP literal and private networks are not allowed. */
export function assertPublicHost(url: string, allowPrivateNetworks: boolean): void {
  if (allowPrivateNetworks) return;
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || isPrivateAddress(host)) throw new BlockedWebhookAddressError(host);
}
