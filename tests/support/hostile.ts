import { Client } from 'pg';
import WebSocket from 'ws';
import { SUBGRAPHS, type SubgraphName } from './databases';

/** An HTTP answer as the client sees it. */
export interface RawAnswer {
  status: number;
  text: string;
  /** The `x-request-id` response header (the gateway's correlation id). */
  requestId: string | null;
  /** The `retry-after` response header (seconds). */
  retryAfter: string | null;
  json?: { data?: unknown; errors?: { message: string; extensions?: { code?: unknown } }[] };
}

/** Sends raw bytes to `url` (whatever the body, headers and method), and reads the answer back. */
export async function rawRequest(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> },
): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    body: init.body,
    headers: init.headers,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let json: RawAnswer['json'];
  try {
    json = JSON.parse(text) as RawAnswer['json'];
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    text,
    json,
    requestId: response.headers.get('x-request-id'),
    retryAfter: response.headers.get('retry-after'),
  };
}

// What must never reach a client: stack frames, file paths, SQL and driver/ORM names.
const LEAKS = [
  /\bat .+\(.+:\d+:\d+\)/,
  /node_modules/,
  /\/work\//,
  /\.ts:\d+/,
  /prisma/i,
  /\bSELECT\b.+\bFROM\b/i,
  /postgres/i,
  /stacktrace/i,
  /ECONNREFUSED/,
];

/** Why `text` leaks internals, or undefined when it does not. */
export function leakIn(text: string): string | undefined {
  return LEAKS.find((re) => re.test(text))?.toString();
}

/**
 * Problems with an answer to a hostile request: every answer is a GraphQL error with a string
 * `extensions.code`, below 500, without internals. Empty when it is a proper refusal.
 */
export function problemsWith(answer: RawAnswer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  if (!answer.json) problems.push(`not JSON: ${answer.text.slice(0, 120)}`);
  const errors = answer.json?.errors;
  if (!errors || errors.length === 0) problems.push(`no errors: ${answer.text.slice(0, 200)}`);
  for (const e of errors ?? []) {
    if (typeof e.extensions?.code !== 'string') problems.push(`error without code: ${JSON.stringify(e).slice(0, 200)}`);
    if (e.extensions?.code === 'INTERNAL_SERVER_ERROR') problems.push(`internal error: ${e.message}`);
  }
  const leak = leakIn(answer.text);
  if (leak) problems.push(`leaks ${leak}: ${answer.text.slice(0, 300)}`);
  return problems;
}

/**
 * A digest of every row of every table of the five databases: equal digests mean nothing was
 * written. (Migrations bookkeeping is left out.)
 */
export async function databaseFingerprint(urls: Record<SubgraphName, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of SUBGRAPHS) {
    const client = new Client({ connectionString: urls[s] });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1",
      );
      for (const { table_name: t } of tables.rows) {
        const { rows } = await client.query<{ n: string; digest: string | null }>(
          `SELECT count(*)::text AS n, md5(string_agg(r::text, '|' ORDER BY r::text)) AS digest FROM "${t}" r`,
        );
        out[`${s}.${t}`] = `${rows[0]!.n}:${rows[0]!.digest ?? ''}`;
      }
    } finally {
      await client.end();
    }
  }
  return out;
}

/** A graphql-transport-ws socket driven message by message, to send what a well-behaved client never would. */
export class RawSocket {
  readonly messages: unknown[] = [];
  closed?: { code: number; reason: string };
  private waiters: (() => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  static async open(url: string): Promise<RawSocket> {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawSocket(ws);
  }

  /** Opens a socket and completes `connection_init` with `authorization`. @throws when not acknowledged. */
  static async connect(url: string, authorization: string): Promise<RawSocket> {
    const socket = await RawSocket.open(url);
    socket.send({ type: 'connection_init', payload: { authorization } });
    await socket.until(() => socket.messages.some((m) => (m as { type: string }).type === 'connection_ack') || socket.closed !== undefined);
    if (socket.closed) throw new Error(`socket closed: ${JSON.stringify(socket.closed)}`);
    return socket;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits until `done()` holds (re-checked on every message and on close). */
  async until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Subscribes with `payload` and returns the messages for `id` up to its `error` or `complete`, or the close. */
  async operation(
    id: string,
    payload: unknown,
  ): Promise<{ messages: { type: string; payload?: unknown }[]; closed?: { code: number; reason: string } }> {
    this.send({ id, type: 'subscribe', payload });
    const mine = () => this.messages.filter((m) => (m as { id?: string }).id === id) as { type: string; payload?: unknown }[];
    await this.until(
      () => this.closed !== undefined || mine().some((m) => m.type === 'error' || m.type === 'complete' || m.type === 'next'),
    );
    // A `next` may be followed by `complete`; an erroring subscription ends with `error` alone.
    return { messages: mine(), closed: this.closed };
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Headers of a graphql-sse request (distinct connections mode) as `token`'s user, with any `extra`. */
export function sseHeaders(token?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...extra,
  };
}

/** What the server answered to a streamed body, and how much of the body went out before it did. */
export interface StreamedAnswer {
  status: number;
  json?: RawAnswer['json'];
  text: string;
  bytesSent: number;
  ms: number;
}

/**
 * POSTs a body of `totalBytes` to `url` without ever holding it: one 1 MB chunk (after `prefix`)
 * written again and again, with backpressure, chunked unless `contentLength` says to declare a
 * length (which may be a lie: `declaredLength`). Stops sending as soon as the answer arrives.
 */
export async function streamBody(
  url: string,
  options: { totalBytes: number; headers: Record<string, string>; prefix?: string; declaredLength?: number },
): Promise<StreamedAnswer> {
  const { request } = await import('node:http');
  const chunk = Buffer.alloc(1 << 20, 'a');
  const started = Date.now();
  return new Promise<StreamedAnswer>((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const headers: Record<string, string> = { ...options.headers };
    if (options.declaredLength !== undefined) headers['content-length'] = String(options.declaredLength);
    const req = request(url, { method: 'POST', headers });
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let json: RawAnswer['json'];
        try {
          json = JSON.parse(text) as RawAnswer['json'];
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json, text, bytesSent, ms: Date.now() - started });
        req.destroy();
      });
    });
    // Once answered, the server may close its side while we write: that is the expected end.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const pump = () => {
      while (!answered && bytesSent < options.totalBytes) {
        const piece = bytesSent === 0 && options.prefix ? Buffer.from(options.prefix) : chunk;
        const part = piece.subarray(0, Math.min(piece.length, options.totalBytes - bytesSent));
        bytesSent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
