import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A port nothing listens on: bound once to learn a free number, then released (a "subgraph down" URL). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
