import { CALLER_TOKEN_HEADER, signCallerToken, type Caller, type NormalizedAddress } from '@commerce/common';
import { loadCatalog, type Catalog } from '@commerce/seed-data';
import { INTERNAL_SECRET, startStack, type Stack } from '../support/stack';
import { mintAccessToken } from '../support/tokens';

/** Issue 10, item 1: the user subgraph's address book, through the gateway and sent to the subgraph directly. */

const FIELDS = 'id fullName line1 line2 city region postalCode countryCode phone isDefaultShipping';
const ADD = `mutation Add($input: AddressInput!) { addAddress(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!, $input: AddressInput!) { updateAddress(id: $id, input: $input) { ${FIELDS} } }`;
const REMOVE = 'mutation Remove($id: ID!) { removeAddress(id: $id) }';
const ADDRESS = `query Address($id: ID!) { address(id: $id) { ${FIELDS} } }`;
const BOOK = `query Book { me { addresses { id isDefaultShipping } defaultShippingAddress { id } } }`;

/** An address as the API returns it: the normalized fields with its id and default flag. */
type Address = NormalizedAddress & { id: string; isDefaultShipping: boolean };

const SF = { fullName: 'Emily Johnson', line1: '1 Market St', city: 'San Francisco', region: 'CA', postalCode: '94105', countryCode: 'US' };
const BERLIN = { fullName: 'Emily Johnson', line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', countryCode: 'DE' };

let stack: Stack;
let catalog: Catalog;
const statements: string[] = [];
let counting = false;
/** A distinct customer per test, so books never mix. */
let nextCustomer = 0;
let adminToken: string;

beforeAll(async () => {
  [stack, catalog] = await Promise.all([
    startStack({
      onQuery: (subgraph, sql) => {
        if (counting && subgraph === 'user') statements.push(sql);
      },
    }),
    loadCatalog(),
  ]);
  const admin = catalog.users.find((u) => u.role === 'admin')!;
  adminToken = await mintAccessToken({ userId: admin.id, role: 'ADMIN' });
});
afterAll(() => stack?.close());

async function customer(): Promise<{ id: number; token: string }> {
  const user = catalog.users.filter((u) => u.role === 'user')[nextCustomer++]!;
  return { id: user.id, token: await mintAccessToken({ userId: user.id, role: 'CUSTOMER' }) };
}

async function add(token: string, input: Record<string, unknown>): Promise<Address> {
  const res = await stack.gql<{ addAddress: Address }>(ADD, { input }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.addAddress;
}

async function book(token: string) {
  const res = await stack.gql<{
    me: { addresses: { id: string; isDefaultShipping: boolean }[]; defaultShippingAddress: { id: string } | null };
  }>(BOOK, {}, token);
  expect(res.errors).toBeUndefined();
  return res.data!.me;
}

const codeAndField = (res: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  (res.errors ?? []).map((e) => ({ code: e.extensions?.code, field: e.extensions?.field }));

async function direct(query: string, variables: Record<string, unknown>, caller: Caller) {
  const response = await fetch(stack.subgraphs.user.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CALLER_TOKEN_HEADER]: await signCallerToken(caller, INTERNAL_SECRET) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: Record<string, unknown> }[] };
}

test('the first address is stored normalized and becomes the default shipping address', async () => {
  const me = await customer();
  const first = await add(me.token, { ...SF, countryCode: 'us', region: 'california', line2: '  ', phone: '(415) 555-2671' });
  expect(first).toEqual({
    id: expect.any(String),
    ...SF,
    line2: null,
    phone: '+14155552671',
    isDefaultShipping: true,
  });
  expect(await book(me.token)).toEqual({
    addresses: [{ id: first.id, isDefaultShipping: true }],
    defaultShippingAddress: { id: first.id },
  });
  const read = await stack.gql<{ address: Address }>(ADDRESS, { id: first.id }, me.token);
  expect(read.data!.address).toEqual(first);
});

test.each<[string, Record<string, unknown>, string]>([
  ['bad country', { countryCode: 'XY' }, 'countryCode'],
  ['bad postal code', { postalCode: '9410' }, 'postalCode'],
  ['postal code of another country', { ...BERLIN, postalCode: 'SW1A 1AA' }, 'postalCode'],
  ['missing US state', { region: null }, 'region'],
  ['unknown US state', { region: 'XX' }, 'region'],
  ['bad phone', { phone: '+1 555' }, 'phone'],
  ['blank name', { fullName: ' ' }, 'fullName'],
])('%s → BAD_USER_INPUT naming the field, nothing saved', async (_case, change, field) => {
  const me = await customer();
  const res = await stack.gql(ADD, { input: { ...SF, ...change } }, me.token);
  expect(codeAndField(res)).toEqual([{ code: 'BAD_USER_INPUT', field }]);
  expect(await stack.db.user.address.count({ where: { userId: me.id } })).toBe(0);
  // updateAddress validates with the same rules and leaves the address as it was.
  const saved = await add(me.token, SF);
  const update = await stack.gql(UPDATE, { id: saved.id, input: { ...SF, ...change } }, me.token);
  expect(codeAndField(update)).toEqual([{ code: 'BAD_USER_INPUT', field }]);
  expect((await stack.gql<{ address: Address }>(ADDRESS, { id: saved.id }, me.token)).data!.address).toEqual(saved);
});

test('signed out: UNAUTHENTICATED', async () => {
  expect(codeAndField(await stack.gql(ADD, { input: SF })).map((e) => e.code)).toEqual(['UNAUTHENTICATED']);
});

test('one default at a time: setting one unsets the other; removing the default promotes the newest', async () => {
  const me = await customer();
  const a = await add(me.token, SF);
  const b = await add(me.token, BERLIN);
  expect(b.isDefaultShipping).toBe(false);
  const c = await add(me.token, { ...BERLIN, line1: 'Friedrichstraße 43', isDefaultShipping: true });
  expect(c.isDefaultShipping).toBe(true);
  expect(await book(me.token)).toEqual({
    addresses: [
      { id: c.id, isDefaultShipping: true },
      { id: b.id, isDefaultShipping: false },
      { id: a.id, isDefaultShipping: false },
    ],
    defaultShippingAddress: { id: c.id },
  });
  const updated = await stack.gql<{ updateAddress: Address }>(
    UPDATE,
    { id: a.id, input: { ...SF, line1: '2 Market St', isDefaultShipping: true } },
    me.token,
  );
  expect(updated.data!.updateAddress).toMatchObject({ line1: '2 Market St', isDefaultShipping: true });
  expect((await book(me.token)).defaultShippingAddress).toEqual({ id: a.id });
  // An update without isDefaultShipping keeps the default where it is.
  await stack.gql(UPDATE, { id: a.id, input: { ...SF, line1: '3 Market St' } }, me.token);
  expect((await book(me.token)).defaultShippingAddress).toEqual({ id: a.id });

  expect((await stack.gql(REMOVE, { id: a.id }, me.token)).data).toEqual({ removeAddress: true });
  // c is newer than b.
  expect((await book(me.token)).addresses).toEqual([
    { id: c.id, isDefaultShipping: true },
    { id: b.id, isDefaultShipping: false },
  ]);
  await stack.gql(REMOVE, { id: b.id }, me.token);
  expect((await book(me.token)).defaultShippingAddress).toEqual({ id: c.id });
  // Unsetting the default explicitly leaves the book without one.
  await stack.gql(UPDATE, { id: c.id, input: { ...BERLIN, isDefaultShipping: false } }, me.token);
  expect(await book(me.token)).toEqual({ addresses: [{ id: c.id, isDefaultShipping: false }], defaultShippingAddress: null });
  await stack.gql(REMOVE, { id: c.id }, me.token);
  expect(await book(me.token)).toEqual({ addresses: [], defaultShippingAddress: null });
  expect(codeAndField(await stack.gql(REMOVE, { id: c.id }, me.token)).map((e) => e.code)).toEqual(['NOT_FOUND']);
});

test('concurrent adds and default switches: the cap of 20 holds and exactly one address is the default', async () => {
  const me = await customer();
  const results = await Promise.all(
    Array.from({ length: 26 }, (_, i) =>
      stack.gql(ADD, { input: { ...SF, line1: `${i + 1} Market St`, isDefaultShipping: i % 2 === 0 } }, me.token),
    ),
  );
  const ok = results.filter((r) => !r.errors);
  expect(ok).toHaveLength(20);
  expect(results.filter((r) => r.errors).map((r) => r.errors![0]!.extensions?.code)).toEqual(Array(6).fill('BAD_USER_INPUT'));
  const rows = await stack.db.user.address.findMany({ where: { userId: me.id } });
  expect(rows).toHaveLength(20);
  expect(rows.filter((r) => r.isDefaultShipping)).toHaveLength(1);
  const more = await stack.gql(ADD, { input: SF }, me.token);
  expect(more.errors?.[0]?.message).toMatch(/at most 20/);

  // Every address made the default at once: all succeed, one wins, never two defaults.
  const switches = await Promise.all(
    rows.map((r) => stack.gql(UPDATE, { id: r.id, input: { ...SF, line1: r.line1, isDefaultShipping: true } }, me.token)),
  );
  expect(switches.filter((r) => r.errors)).toEqual([]);
  expect(await stack.db.user.address.count({ where: { userId: me.id, isDefaultShipping: true } })).toBe(1);
});

describe("someone else's address", () => {
  let owner: { id: number; token: string };
  let other: { id: number; token: string };
  let address: Address;
  beforeAll(async () => {
    owner = await customer();
    other = await customer();
    address = await add(owner.token, { ...SF, phone: '+14155552671' });
  });

  test('reads as null and changes as NOT_FOUND, exactly like an unknown id; nothing changes', async () => {
    for (const id of [address.id, '00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
      const read = await stack.gql(ADDRESS, { id }, other.token);
      expect(read.errors).toBeUndefined();
      expect(read.data).toEqual({ address: null });
      const update = await stack.gql(UPDATE, { id, input: BERLIN }, other.token);
      expect(codeAndField(update)).toEqual([{ code: 'NOT_FOUND', field: undefined }]);
      const remove = await stack.gql(REMOVE, { id }, other.token);
      expect(codeAndField(remove)).toEqual([{ code: 'NOT_FOUND', field: undefined }]);
    }
    expect((await stack.gql<{ address: Address }>(ADDRESS, { id: address.id }, owner.token)).data!.address).toEqual(address);
    expect(await stack.db.user.address.count({ where: { userId: other.id } })).toBe(0);
  });

  test("another user's book through the User entity: FORBIDDEN, as User.orders; the owner's own: allowed", async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { addresses { id } } } }`;
    const r = [{ __typename: 'User', id: String(owner.id) }];
    const asOther = await direct(query, { r }, { kind: 'user', userId: other.id, role: 'CUSTOMER' });
    expect(asOther.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const asOwner = await direct(query, { r }, { kind: 'user', userId: owner.id, role: 'CUSTOMER' });
    expect(asOwner.data).toEqual({ _entities: [{ addresses: [{ id: address.id }] }] });
  });

  test('an admin reads and changes it; a service caller (the order subgraph) reads it with its owner', async () => {
    expect((await stack.gql<{ address: Address }>(ADDRESS, { id: address.id }, adminToken)).data!.address).toEqual(address);
    const service = await direct(
      `query($id: ID!) { address(id: $id) { id userId postalCode } }`,
      { id: address.id },
      { kind: 'service', service: 'order' },
    );
    expect(service.data).toEqual({ address: { id: address.id, userId: String(owner.id), postalCode: '94105' } });
    const updated = await stack.gql<{ updateAddress: Address }>(
      UPDATE,
      { id: address.id, input: { ...SF, city: 'Oakland', postalCode: '94607' } },
      adminToken,
    );
    expect(updated.data!.updateAddress).toMatchObject({ city: 'Oakland', isDefaultShipping: true, phone: null });
    address = updated.data!.updateAddress;
  });

  test('userId is internal: the gateway does not serve it', async () => {
    const res = await stack.gql(`query($id: ID!) { address(id: $id) { userId } }`, { id: address.id }, owner.token);
    expect(res.errors?.[0]?.message).toMatch(/userId/);
  });
});

test('address books of many users cost one statement, through me and through _entities', async () => {
  const users = [await customer(), await customer(), await customer()];
  for (const [i, u] of users.entries()) for (let n = 0; n <= i * 5; n++) await add(u.token, { ...SF, line1: `${n + 1} Market St` });
  const addressReads = () => statements.filter((sql) => /FROM "public"\."Address"/.test(sql));

  statements.length = 0;
  counting = true;
  const mine = await book(users[2]!.token);
  counting = false;
  expect(mine.addresses).toHaveLength(11);
  expect(addressReads()).toHaveLength(1);

  statements.length = 0;
  counting = true;
  const res = await direct(
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { addresses { id } defaultShippingAddress { id } } } }`,
    { r: users.map((u) => ({ __typename: 'User', id: String(u.id) })) },
    { kind: 'service', service: 'order' },
  );
  counting = false;
  expect(res.errors).toBeUndefined();
  expect((res.data!._entities as { addresses: unknown[] }[]).map((e) => e.addresses.length)).toEqual([1, 6, 11]);
  expect(addressReads()).toHaveLength(1);
});
