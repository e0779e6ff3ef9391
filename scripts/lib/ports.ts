import net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now: bound once so the OS picks a free
 * number, then released. For a process about to listen there (and to listen there again after a
 * restart), or as the address of a service that is down.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
