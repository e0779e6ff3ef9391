import express, { type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { ACCESS_TOKEN_TTL_SECONDS, QueueName, hasRole, openQueue, type Caller, type Logger, type Redis } from '@commerce/common';
import { BEARER, type Authentication } from './auth';
import { perimeterErrorHandler } from './perimeter';

/** Where the dashboard is mounted on the gateway. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';
/** Cookie holding the admin's access token for browser use of the dashboard (HttpOnly, SameSite=Strict). */
export const DASHBOARD_COOKIE = 'commerce_admin_token';

export interface QueueDashboardOptions {
  /** A Redis connection for the queues (not a subscriber). */
  connection: Redis;
  redisPrefix: string;
  /**
   * Verifies an `Authorization` value as the gateway does for /graphql.
   * @throws for an invalid or expired token.
   */
  authenticate: (authorization: string) => Promise<Authentication>;
  /** Sets the cookie's Secure flag (behind HTTPS in production). */
  secureCookie: boolean;
  logger: Logger;
}

const LOGIN_FORM = `<!doctype html><html><head><meta charset="utf-8"><title>Queues — sign in</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>Queue dashboard</h1>
<p>Paste an ADMIN access token (the <code>accessToken</code> of the <code>login</code> mutation). It is kept in an
HttpOnly cookie for this path until the token expires (15 minutes).</p>
<form method="post" action="${QUEUE_DASHBOARD_PATH}/session">
<textarea name="token" rows="6" style="width:100%" required></textarea>
<button type="submit">Open the dashboard</button>
</form></body></html>`;

type Verdict = { ok: true } | { ok: false; status: 401 | 403; message: string };

/**
 * bull-board over every BullMQ queue of the supergraph (checkout, notifications, webhooks,
 * purchases), for ADMINs only: jobs and their data, failures with stack traces, retry, clean.
 *
 * Auth: the same access tokens as /graphql, from `Authorization: Bearer <token>` or from the
 * {@link DASHBOARD_COOKIE} cookie, which `POST <path>/session` (JSON `{ "token" }`, a form field
 * `token`, or the Authorization header) sets for browsers; `GET <path>/login` serves a form for it
 * and `POST <path>/logout` clears it. No token or an invalid one → 401; a non-admin → 403.
 * The cookie is SameSite=Strict and HttpOnly, so another site can neither read it nor make the
 * browser send it with a retry/clean request (CSRF).
 */
export function createQueueDashboard(options: QueueDashboardOptions) {
  const queues = Object.values(QueueName).map((name) => openQueue(name, options.connection, options.redisPrefix));
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Commerce queues' } },
  });

  async function check(token: string | undefined): Promise<Verdict> {
    if (!token) return { ok: false, status: 401, message: 'Sign in with an admin access token' };
    let caller: Caller;
    try {
      caller = (await options.authenticate(`Bearer ${token}`)).caller;
    } catch {
      return { ok: false, status: 401, message: 'Invalid or expired access token' };
    }
    return hasRole(caller, 'ADMIN') ? { ok: true } : { ok: false, status: 403, message: 'Only admins may use the queue dashboard' };
  }

  const bearer = (req: Request) => BEARER.exec(req.headers.authorization ?? '')?.[1];
  const wantsHtml = (req: Request) => req.accepts(['json', 'html']) === 'html';
  const refuse = (req: Request, res: Response, verdict: Extract<Verdict, { ok: false }>) => {
    options.logger.info({ path: req.originalUrl, status: verdict.status }, 'queue dashboard access refused');
    if (verdict.status === 401 && wantsHtml(req)) res.status(401).type('html').send(LOGIN_FORM);
    else res.status(verdict.status).json({ error: verdict.message });
  };
  const cookieOptions = { httpOnly: true, sameSite: 'strict', secure: options.secureCookie, path: QUEUE_DASHBOARD_PATH } as const;

  const router = express.Router();
  router.use(cookieParser());
  router.get('/login', (_req, res) => {
    res.type('html').send(LOGIN_FORM);
  });
  // The gateway's body policy has read the body already (JSON or a form, within the one cap).
  router.post('/session', async (req, res) => {
    const body = req.body as { token?: unknown } | undefined;
    const token = typeof body?.token === 'string' ? body.token.trim() : bearer(req);
    const verdict = await check(token);
    if (!verdict.ok) return refuse(req, res, verdict);
    // The token inside is checked on every request, so the cookie living as long as a fresh token is enough.
    res.cookie(DASHBOARD_COOKIE, token, { ...cookieOptions, maxAge: ACCESS_TOKEN_TTL_SECONDS * 1000 });
    if (wantsHtml(req)) res.redirect(303, `${QUEUE_DASHBOARD_PATH}/`);
    else res.status(204).end();
  });
  router.post('/logout', (_req, res) => {
    res.clearCookie(DASHBOARD_COOKIE, cookieOptions).status(204).end();
  });
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const cookie = (req.cookies as Record<string, string | undefined>)[DASHBOARD_COOKIE];
    const verdict = await check(bearer(req) ?? cookie);
    if (!verdict.ok) return refuse(req, res, verdict);
    next();
  });
  router.use(serverAdapter.getRouter() as express.Router);
  router.use(perimeterErrorHandler(options.logger));

  return {
    router,
    close: async () => {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
