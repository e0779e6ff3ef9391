import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Stack } from './stack';
import { spawnProcess, type WorkerProcess } from './worker-process';

export interface GatewayProcess extends WorkerProcess {
  /** `http://127.0.0.1:<port>` of the process. */
  origin: string;
  /** Stops the process (SIGTERM, graceful) and removes its supergraph file. */
  stop: () => Promise<void>;
}

/**
 * The gateway as `npm run start:gateway` runs it (gateway/src/main.ts, its own process, its env
 * validated by env.ts) in front of `stack`'s subgraphs, on a free port; `extra` overrides its environment.
 */
export async function spawnGateway(stack: Stack, extra: Record<string, string> = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'commerce-gateway-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  writeFileSync(supergraphPath, stack.supergraphSdl);
  const gateway = await spawnProcess(
    'gateway',
    stack.processEnv({
      GATEWAY_PORT: '0',
      SUPERGRAPH_PATH: supergraphPath,
      AUTH_JWKS_URL: stack.jwksUrl,
      // The ready line (and its URL) is logged at info.
      LOG_LEVEL: 'info',
      ...extra,
    }),
  );
  const ready = gateway
    .output()
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as { msg?: string; url?: string };
      } catch {
        return {};
      }
    })
    .find((entry) => entry.msg === 'gateway ready');
  if (!ready?.url) throw new Error(`no URL in the gateway's ready line:\n${gateway.output()}`);
  return {
    ...gateway,
    origin: new URL(ready.url).origin,
    stop: async () => {
      if (gateway.child.exitCode === null && gateway.child.signalCode === null) {
        gateway.child.kill('SIGTERM');
        await gateway.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
