/**
 * The README's Sandbox operations work as pasted, against what a clone seeds: each ```graphql block
 * is sent as written with the ```json variables block after it, in order, with the Authorization
 * header the README tells the reader to set. And the landing page opens on the README's product query.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, print, type OperationDefinitionNode } from 'graphql';
import { SANDBOX_DOCUMENT, SANDBOX_VARIABLES } from '../../gateway/src/landing-page';
import { eventually } from '../support/eventually';
import { startStack, type Stack } from '../support/stack';

interface ReadmeOperation {
  name: string;
  document: string;
  variables: Record<string, unknown>;
}

/** Every named operation of README.md with the variables block that follows it. */
function readmeOperations(): ReadmeOperation[] {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map(([, lang, body]) => ({ lang, body: body ?? '' }));
  return blocks.flatMap((block, i) => {
    if (block.lang !== 'graphql') return [];
    const next = blocks[i + 1];
    const definitions = parse(block.body).definitions as OperationDefinitionNode[];
    // Sandbox refuses a block with several anonymous operations; one named operation per block runs as pasted.
    expect(definitions).toHaveLength(1);
    const name = definitions[0]?.name?.value;
    if (!name) throw new Error(`README operation without a name:\n${block.body}`);
    return [{ name, document: block.body, variables: next?.lang === 'json' ? (JSON.parse(next.body) as Record<string, unknown>) : {} }];
  });
}

const operations = readmeOperations();
const operation = (name: string): ReadmeOperation => {
  const found = operations.find((op) => op.name === name);
  if (!found) throw new Error(`README has no operation ${name}`);
  return found;
};
/** The document in graphql-js's canonical print: comments and layout do not count. */
const canonical = (document: string) => print(parse(document));

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  await stack.startWorkers();
});
afterAll(async () => {
  await stack?.close();
});

test('the README shows the six operations, each named and alone in its block', () => {
  expect(operations.map((op) => op.name)).toEqual(['SignIn', 'ProductsWithReviews', 'AddToCart', 'ApplyCoupon', 'Checkout', 'FollowOrder']);
});

test('sign in, query the catalog, add to cart, check out and follow the order, as pasted', async () => {
  const signIn = await stack.gql<{ login: { accessToken: string; user: { username: string; role: string } } }>(
    operation('SignIn').document,
    operation('SignIn').variables,
  );
  expect(signIn.errors).toBeUndefined();
  expect(signIn.data?.login.user).toMatchObject({ username: 'emilys', role: 'ADMIN' });
  const token = signIn.data!.login.accessToken;

  // Public: sent without the header, as Sandbox first opens.
  const products = await stack.gql<{
    products: { totalCount: number; edges: { node: { title: string; reviews: { edges: { node: { author: unknown } }[] } } }[] };
  }>(operation('ProductsWithReviews').document, operation('ProductsWithReviews').variables);
  expect(products.errors).toBeUndefined();
  expect(products.data?.products.totalCount).toBeGreaterThan(0);
  expect(products.data?.products.edges).toHaveLength(5);
  // Federated: every review of the page resolves its author in the user subgraph.
  const authors = products.data!.products.edges.flatMap((e) => e.node.reviews.edges.map((r) => r.node.author));
  expect(authors.length).toBeGreaterThan(0);
  expect(authors.every((author) => author !== null)).toBe(true);

  const added = await stack.gql<{ addToCart: { items: { quantity: number }[] } }>(
    operation('AddToCart').document,
    operation('AddToCart').variables,
    token,
  );
  expect(added.errors).toBeUndefined();
  expect(added.data?.addToCart.items).toEqual([expect.objectContaining({ quantity: 2 })]);

  const coupon = await stack.gql<{ applyCoupon: { couponCode: string } }>(
    operation('ApplyCoupon').document,
    operation('ApplyCoupon').variables,
    token,
  );
  expect(coupon.errors).toBeUndefined();
  expect(coupon.data?.applyCoupon.couponCode).toBe('WELCOME10');

  const checkout = await stack.gql<{ checkout: { order: { id: string; status: string } } }>(
    operation('Checkout').document,
    operation('Checkout').variables,
    token,
  );
  expect(checkout.errors).toBeUndefined();
  expect(checkout.data?.checkout.order.status).toBe('PENDING');
  const orderId = checkout.data!.checkout.order.id;

  const follow = operation('FollowOrder');
  expect(Object.keys(follow.variables)).toEqual(['orderId']);
  const confirmed = await eventually(async () => {
    const res = await stack.gql<{
      order: {
        status: string;
        couponCode: string | null;
        shippingMethod: string | null;
        items: { quantity: number }[];
      } & Record<'subtotal' | 'discountTotal' | 'shippingTotal' | 'taxTotal' | 'total', { amount: number }>;
    }>(follow.document, { orderId }, token);
    expect(res.errors).toBeUndefined();
    return res.data?.order.status === 'PENDING' ? undefined : res.data?.order;
  }, 'the order leaves PENDING');
  expect(confirmed.status).toBe('CONFIRMED');
  expect(confirmed.items).toEqual([expect.objectContaining({ quantity: 2 })]);
  // Shipped to Berlin by EXPRESS with WELCOME10: a discount, shipping and German VAT, adding up.
  expect(confirmed).toMatchObject({ couponCode: 'WELCOME10', shippingMethod: 'EXPRESS' });
  for (const part of ['discountTotal', 'shippingTotal', 'taxTotal'] as const) expect(confirmed[part].amount).toBeGreaterThan(0);
  expect(confirmed.total.amount).toBe(
    confirmed.subtotal.amount - confirmed.discountTotal.amount + confirmed.shippingTotal.amount + confirmed.taxTotal.amount,
  );
});

test('GET /graphql from a browser serves Sandbox opened on the README product query, with an Authorization row', async () => {
  const response = await fetch(stack.gateway.url, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/text\/html/);
  const html = await response.text();
  expect(html).toContain('EmbeddedSandbox');
  // The page carries its initial state as JSON in a script (Apollo escapes the first <, > and &).
  const state = /var embeddedSandboxConfig = (\{.*\});\n/.exec(html)?.[1];
  expect(state).toBeDefined();
  const { initialState } = JSON.parse(state!) as { initialState: { document: string; variables: unknown; headers: unknown } };
  expect(initialState.document).toBe(SANDBOX_DOCUMENT);
  expect(initialState.variables).toEqual(SANDBOX_VARIABLES);
  expect(initialState.headers).toEqual({ Authorization: '' });
  // The same operation as the README's, so what Sandbox opens on is documented and tested above.
  expect(canonical(SANDBOX_DOCUMENT)).toBe(canonical(operation('ProductsWithReviews').document));
  expect(SANDBOX_VARIABLES).toEqual(operation('ProductsWithReviews').variables);
});

test('an empty Authorization header, as Sandbox first sends it, counts as anonymous', async () => {
  const response = await fetch(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: '' },
    body: JSON.stringify({ query: SANDBOX_DOCUMENT, variables: SANDBOX_VARIABLES }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data?: { products: { edges: unknown[] } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  expect(body.data?.products.edges).toHaveLength(5);
});
