import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Where {@link freePort} picks from: above the well-known and our fixed ports (4000–4xxx). */
const LOWEST = 10_000;

/**
 * The lowest port of the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range; 32768
 * where it cannot be read). Outgoing connections (to PostgreSQL, Redis, the subgraphs) take their
 * local ports from that range, so a port picked there can be taken by one of them between our
 * check and the listen (seen as EADDRINUSE in the scale-out proof); below it, only a listener can.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Whether something could listen on `port` of 127.0.0.1 now (bound once, then released). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on right now, picked at random below the kernel's
 * ephemeral range (see {@link ephemeralLow}) and checked by binding it once. For a process about
 * to listen there (and to listen there again after a restart), or as the address of a service
 * that is down.
 * @throws Error when 100 random ports in a row were taken
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${high}`);
}
