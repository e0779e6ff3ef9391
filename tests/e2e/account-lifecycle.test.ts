import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { QueueName, bullPrefix, createRedis, type Redis } from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import * as user from '@commerce/user';
import { eventually } from '../support/eventually';
import { RawSocket, sseHeaders } from '../support/hostile';
import { linkToken, startMailbox, type Mailbox } from '../support/mailbox';
import { startNotificationWorkers } from '../support/notifications';
import { startStack, type Stack } from '../support/stack';

/**
 * Issue 11 item 2 through the gateway: verification and reset links read from emails a real SMTP
 * server received (sent by the notification worker), suspension, admin user management.
 */
let stack: Stack;
let catalog: Catalog;
let mailbox: Mailbox;
let redis: Redis;
let workers: user.NotificationWorkers;
let accountQueue: Queue;
let adminToken: string;
let adminId: string;

const PUBLIC_URL = 'https://shop.test';

beforeAll(async () => {
  [stack, catalog, mailbox] = await Promise.all([
    startStack({
      accountEmailThrottle: {
        ...user.DEFAULT_ACCOUNT_EMAIL_THROTTLE,
        // Every request of this suite comes from 127.0.0.1: the per-address budget is what is tested.
        resetPerIp: { points: 1000, durationSeconds: 900 },
      },
    }),
    loadCatalog(),
    startMailbox(),
  ]);
  redis = createRedis(stack.redisUrl);
  workers = await startNotificationWorkers(stack, mailbox.url, redis, { from: 'Shop <accounts@shop.test>', publicUrl: PUBLIC_URL });
  accountQueue = new Queue(QueueName.accountEmails, { connection: redis, prefix: bullPrefix(stack.redisPrefix) });
  const admin = catalog.users.find((u) => u.role === 'admin')!;
  adminToken = await stack.login(admin.username, admin.password);
  adminId = String(admin.id);
});

afterAll(async () => {
  await workers?.close();
  await accountQueue?.close();
  await redis?.quit();
  await mailbox?.close();
  await stack?.close();
});

const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { accessToken refreshToken user { id email emailVerified status } }
}`;
const VERIFY = 'mutation Verify($token: String!) { verifyEmail(token: $token) { id emailVerified } }';
const REQUEST_RESET = 'mutation RequestReset($email: String!) { requestPasswordReset(email: $email) }';
const RESET = 'mutation Reset($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }';
const REFRESH = 'mutation Refresh($token: String!) { refreshToken(token: $token) { accessToken refreshToken user { role } } }';
const LOGIN = 'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }';
const ME = '{ me { id role status emailVerified } }';

interface Account {
  id: string;
  username: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** Registers a fresh account through the gateway. */
async function register(): Promise<Account> {
  const tag = randomBytes(4).toString('hex');
  const input = {
    username: `acct_${tag}`,
    email: `acct_${tag}@mail.test`,
    password: `correct horse ${tag}`,
    firstName: 'Ada',
    lastName: 'Lovelace',
  };
  const res = await stack.gql<{
    register: { accessToken: string; refreshToken: string; user: { id: string; emailVerified: boolean; status: string } };
  }>(REGISTER, { input });
  expect(res.errors).toBeUndefined();
  expect(res.data!.register.user).toMatchObject({ emailVerified: false, status: 'ACTIVE' });
  return {
    id: res.data!.register.user.id,
    ...input,
    accessToken: res.data!.register.accessToken,
    refreshToken: res.data!.register.refreshToken,
  };
}

const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

/** Waits until the account-emails queue has nothing waiting, active or retrying. */
const drained = () =>
  eventually(async () => {
    const c = await accountQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).every((n) => n === 0) ? true : undefined;
  }, 'the account-emails queue to drain');

describe('email verification', () => {
  test('register sends a link; it verifies once, then is refused (replay)', async () => {
    const a = await register();
    const mail = await mailbox.waitFor(a.email);
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.from?.value[0]?.address).toBe('accounts@shop.test');
    expect(mail.text).toContain(`${PUBLIC_URL}/verify-email?token=`);
    expect(mail.html).toContain(`href="${PUBLIC_URL}/verify-email?token=`);
    expect(mail.text).toContain('24 hours');
    const token = linkToken(mail, '/verify-email');

    const first = await stack.gql(VERIFY, { token });
    expect(first.data).toEqual({ verifyEmail: { id: a.id, emailVerified: true } });
    expect((await stack.gql(ME, {}, a.accessToken)).data).toEqual({
      me: { id: a.id, role: 'CUSTOMER', status: 'ACTIVE', emailVerified: true },
    });

    const replay = await stack.gql(VERIFY, { token });
    expect(replay.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'token' } });
    // Verified already: no second link.
    expect(codeOf(await stack.gql('mutation { requestEmailVerification }', {}, a.accessToken))).toBe('CONFLICT');
  });

  test("another user's link is refused while signed in as someone else, and stays usable by its owner", async () => {
    const [a, b] = [await register(), await register()];
    const token = linkToken(await mailbox.waitFor(a.email), '/verify-email');
    const wrong = await stack.gql(VERIFY, { token }, b.accessToken);
    expect(codeOf(wrong)).toBe('FORBIDDEN');
    expect((await stack.gql(ME, {}, b.accessToken)).data?.me).toMatchObject({ emailVerified: false });
    // A verification link is no reset link either.
    expect((await stack.gql(RESET, { token, password: 'a brand new secret' })).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'token',
    });
    expect((await stack.gql(VERIFY, { token }, a.accessToken)).data).toEqual({ verifyEmail: { id: a.id, emailVerified: true } });
  });

  test('a new link can be asked for; an expired one is refused', async () => {
    const a = await register();
    const first = linkToken(await mailbox.waitFor(a.email), '/verify-email');
    expect((await stack.gql('mutation { requestEmailVerification }', {}, a.accessToken)).data).toEqual({ requestEmailVerification: true });
    const second = linkToken(await mailbox.waitFor(a.email, 2), '/verify-email');
    expect(second).not.toBe(first);
    // Time passing, as the database sees it: every link of this account is past its expiry.
    await stack.db.user.$executeRaw`UPDATE "AccountToken" SET "expiresAt" = now() - interval '1 second' WHERE "userId" = ${Number(a.id)}`;
    for (const token of [first, second]) {
      expect((await stack.gql(VERIFY, { token })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'token' });
    }
    expect(codeOf(await stack.gql(VERIFY, { token: 'x'.repeat(43) }))).toBe('BAD_USER_INPUT');
  });
});

describe('password reset', () => {
  test('the same answer for a known and an unknown address; only the known one gets an email', async () => {
    const a = await register();
    await mailbox.waitFor(a.email);
    const unknown = `nobody_${randomBytes(4).toString('hex')}@mail.test`;
    const known = await stack.gql(REQUEST_RESET, { email: a.email.toUpperCase() });
    const stranger = await stack.gql(REQUEST_RESET, { email: unknown });
    expect(stranger).toEqual(known);
    expect(known).toEqual({ status: 200, data: { requestPasswordReset: true } });
    const mail = await mailbox.waitFor(a.email, 2);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain('30 minutes');
    await drained();
    expect(mailbox.to(unknown)).toHaveLength(0);
  });

  test('throttled per address, alike for unknown addresses', async () => {
    const a = await register();
    const unknown = `nobody_${randomBytes(4).toString('hex')}@mail.test`;
    const answers = { known: [] as unknown[], unknown: [] as unknown[] };
    for (let i = 0; i < 4; i++) {
      answers.known.push(await stack.gql(REQUEST_RESET, { email: a.email }));
      answers.unknown.push(await stack.gql(REQUEST_RESET, { email: unknown }));
    }
    // Each answer has its own correlation id, and the seconds left may tick between two requests.
    const comparable = (list: unknown[]) =>
      JSON.parse(
        JSON.stringify(list)
          .replace(/"requestId":"[^"]+"/g, '"requestId":"…"')
          .replace(/"retryAfterSeconds":\d+/g, '"retryAfterSeconds":0'),
      );
    expect(comparable(answers.unknown)).toEqual(comparable(answers.known));
    expect(answers.known.slice(0, 3)).toEqual(Array(3).fill({ status: 200, data: { requestPasswordReset: true } }));
    expect(answers.known[3]).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } }] });
  });

  test('reset: policy, single use, every session ends (refresh, access token, open socket), old links die', async () => {
    const a = await register();
    await mailbox.waitFor(a.email);
    const socket = await RawSocket.connect(stack.gateway.wsUrl, `Bearer ${a.accessToken}`);
    await stack.gql(REQUEST_RESET, { email: a.email });
    await stack.gql(REQUEST_RESET, { email: a.email });
    const older = linkToken(await mailbox.waitFor(a.email, 2), '/reset-password');
    const token = linkToken(await mailbox.waitFor(a.email, 3), '/reset-password');

    // The same policy as registration; a refused password leaves the link usable.
    const weak = await stack.gql(RESET, { token, password: 'password1' });
    expect(weak.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    expect(codeOf(await stack.gql(RESET, { token, password: a.username }))).toBe('BAD_USER_INPUT');

    expect((await stack.gql(RESET, { token, password: 'a brand new secret' })).data).toEqual({ resetPassword: true });
    expect((await stack.gql(RESET, { token, password: 'another new secret' })).errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'token',
    });
    expect(codeOf(await stack.gql(RESET, { token: older, password: 'another new secret' }))).toBe('BAD_USER_INPUT');

    await socket.until(() => socket.closed !== undefined);
    expect(socket.closed!.code).toBe(4403);
    const stale = await stack.gql(ME, {}, a.accessToken);
    expect([stale.status, codeOf(stale)]).toEqual([401, 'UNAUTHENTICATED']);
    expect(codeOf(await stack.gql(REFRESH, { token: a.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await stack.gql(LOGIN, { u: a.username, p: a.password }))).toBe('UNAUTHENTICATED');
    const fresh = await stack.gql<{ login: { accessToken: string } }>(LOGIN, { u: a.username, p: 'a brand new secret' });
    expect((await stack.gql(ME, {}, fresh.data!.login.accessToken)).data?.me).toMatchObject({ id: a.id });
  });

  test('an expired reset link is refused and the password stays', async () => {
    const a = await register();
    await mailbox.waitFor(a.email);
    await stack.gql(REQUEST_RESET, { email: a.email });
    const token = linkToken(await mailbox.waitFor(a.email, 2), '/reset-password');
    await stack.db.user.$executeRaw`UPDATE "AccountToken" SET "expiresAt" = now() - interval '1 second' WHERE "userId" = ${Number(a.id)}`;
    expect(codeOf(await stack.gql(RESET, { token, password: 'a brand new secret' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await stack.gql(LOGIN, { u: a.username, p: a.password }))).toBeUndefined();
  });
});

describe('suspension', () => {
  const SUSPEND = 'mutation Suspend($id: ID!) { suspendUser(userId: $id) { id status } }';
  const REACTIVATE = 'mutation Reactivate($id: ID!) { reactivateUser(userId: $id) { id status } }';

  test('ends open sessions (graphql-ws, SSE, access and refresh tokens); sign-in refused until reactivated', async () => {
    const a = await register();
    const socket = await RawSocket.connect(stack.gateway.wsUrl, `Bearer ${a.accessToken}`);
    socket.send({ id: '1', type: 'subscribe', payload: { query: 'subscription { orderStatusChanged { id status } }' } });
    const sse = await fetch(stack.gateway.sseUrl, {
      method: 'POST',
      headers: sseHeaders(a.accessToken),
      body: JSON.stringify({ query: 'subscription { orderStatusChanged { id status } }' }),
    });
    expect(sse.status).toBe(200);
    const sseEnded = (async () => {
      const reader = sse.body!.getReader();
      while (!(await reader.read()).done);
      return true;
    })();
    // The subscription is live (the gateway listens for its events) before the suspension.
    expect((await stack.gql(ME, {}, a.accessToken)).data?.me).toMatchObject({ id: a.id });

    expect(codeOf(await stack.gql(SUSPEND, { id: a.id }, a.accessToken))).toBe('FORBIDDEN');
    expect(codeOf(await stack.gql(SUSPEND, { id: adminId }, adminToken))).toBe('BAD_USER_INPUT');
    expect(codeOf(await stack.gql(SUSPEND, { id: '999999' }, adminToken))).toBe('NOT_FOUND');
    expect((await stack.gql(SUSPEND, { id: a.id }, adminToken)).data).toEqual({ suspendUser: { id: a.id, status: 'SUSPENDED' } });

    await socket.until(() => socket.closed !== undefined);
    expect(socket.closed).toEqual({ code: 4403, reason: 'UNAUTHENTICATED' });
    expect(await sseEnded).toBe(true);
    const stale = await stack.gql(ME, {}, a.accessToken);
    expect([stale.status, codeOf(stale)]).toEqual([401, 'UNAUTHENTICATED']);
    const reopened = await RawSocket.open(stack.gateway.wsUrl);
    reopened.send({ type: 'connection_init', payload: { authorization: `Bearer ${a.accessToken}` } });
    await reopened.until(() => reopened.closed !== undefined);
    expect(reopened.closed!.code).toBe(4403);

    expect(codeOf(await stack.gql(REFRESH, { token: a.refreshToken }))).toBe('ACCOUNT_SUSPENDED');
    expect(codeOf(await stack.gql(LOGIN, { u: a.username, p: a.password }))).toBe('ACCOUNT_SUSPENDED');
    // Only someone who knows the password learns the account is suspended.
    expect(codeOf(await stack.gql(LOGIN, { u: a.username, p: 'not the password' }))).toBe('UNAUTHENTICATED');

    expect((await stack.gql(REACTIVATE, { id: a.id }, adminToken)).data).toEqual({ reactivateUser: { id: a.id, status: 'ACTIVE' } });
    // The ended sessions stay ended; a new sign-in works.
    expect(codeOf(await stack.gql(REFRESH, { token: a.refreshToken }))).toBe('UNAUTHENTICATED');
    const again = await stack.gql<{ login: { accessToken: string } }>(LOGIN, { u: a.username, p: a.password });
    expect((await stack.gql(ME, {}, again.data!.login.accessToken)).data?.me).toMatchObject({ id: a.id, status: 'ACTIVE' });
  });
});

describe('admin user management', () => {
  const USERS = `query Users($filter: UserFilter, $first: Int, $after: String) {
    users(filter: $filter, first: $first, after: $after) {
      totalCount
      edges { cursor node { id username email firstName lastName role status } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  type UsersPage = {
    users: {
      totalCount: number;
      edges: {
        cursor: string;
        node: { id: string; username: string; email: string; firstName: string; lastName: string; role: string; status: string };
      }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };

  test('pages through every user exactly once, in id order', async () => {
    const total = await stack.db.user.user.count();
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: { data?: UsersPage } = await stack.gql<UsersPage>(USERS, { first: 50, after }, adminToken);
      expect(res.data!.users.totalCount).toBe(total);
      seen.push(...res.data!.users.edges.map((e) => e.node.id));
      if (!res.data!.users.pageInfo.hasNextPage) break;
      after = res.data!.users.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((x, y) => x - y));
  });

  test('filters by search, role and status', async () => {
    const emily = catalog.users.find((u) => u.username === 'emilys')!;
    const bySearch = await stack.gql<UsersPage>(USERS, { filter: { search: 'EMILYS' } }, adminToken);
    expect(bySearch.data!.users.edges.map((e) => e.node.username)).toContain(emily.username);
    const matches = (n: UsersPage['users']['edges'][number]['node']) =>
      [n.username, n.email, n.firstName, n.lastName].some((v) => v.toLowerCase().includes('emilys'));
    expect(bySearch.data!.users.edges.filter((e) => !matches(e.node))).toEqual([]);

    const admins = catalog.users
      .filter((u) => u.role === 'admin')
      .map((u) => String(u.id))
      .sort();
    const byRole = await stack.gql<UsersPage>(USERS, { filter: { role: 'ADMIN' }, first: 100 }, adminToken);
    expect(byRole.data!.users.edges.map((e) => e.node.id).sort()).toEqual(admins);
    expect(byRole.data!.users.totalCount).toBe(admins.length);

    const suspended = await stack.gql<UsersPage>(USERS, { filter: { status: 'SUSPENDED', role: 'CUSTOMER' }, first: 100 }, adminToken);
    const inDb = await stack.db.user.user.count({ where: { status: 'SUSPENDED', role: 'CUSTOMER' } });
    expect(suspended.data!.users.totalCount).toBe(inDb);
    expect(suspended.data!.users.edges.every((e) => e.node.status === 'SUSPENDED')).toBe(true);
  });

  test('customers are refused; a forged cursor is BAD_USER_INPUT', async () => {
    const a = await register();
    expect(codeOf(await stack.gql(USERS, {}, a.accessToken))).toBe('FORBIDDEN');
    expect(codeOf(await stack.gql(USERS, {}))).toBe('UNAUTHENTICATED');
    expect(codeOf(await stack.gql(USERS, { after: 'eyJpZCI6LTF9' }, adminToken))).toBe('BAD_USER_INPUT');
    expect(codeOf(await stack.gql(USERS, { first: 101 }, adminToken))).toBe('BAD_USER_INPUT');
  });

  test('setUserRole: old tokens stop working, the next refresh carries the new role', async () => {
    const SET_ROLE = 'mutation SetRole($id: ID!, $role: Role!) { setUserRole(userId: $id, role: $role) { id role } }';
    const a = await register();
    expect(codeOf(await stack.gql(SET_ROLE, { id: a.id, role: 'ADMIN' }, a.accessToken))).toBe('FORBIDDEN');
    expect(codeOf(await stack.gql(SET_ROLE, { id: adminId, role: 'CUSTOMER' }, adminToken))).toBe('BAD_USER_INPUT');
    expect((await stack.gql(SET_ROLE, { id: a.id, role: 'MODERATOR' }, adminToken)).data).toEqual({
      setUserRole: { id: a.id, role: 'MODERATOR' },
    });
    expect((await stack.gql(ME, {}, a.accessToken)).status).toBe(401);
    const refreshed = await stack.gql<{ refreshToken: { accessToken: string; user: { role: string } } }>(REFRESH, {
      token: a.refreshToken,
    });
    expect(refreshed.data!.refreshToken.user.role).toBe('MODERATOR');
    expect((await stack.gql(ME, {}, refreshed.data!.refreshToken.accessToken)).data?.me).toMatchObject({ role: 'MODERATOR' });
  });
});
