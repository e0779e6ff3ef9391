/**
 * The hostile-request corpus, shared by the HTTP/graphql-ws suite (hostile-requests.test.ts), the
 * SSE suite and the survival test: operations the perimeter or a subgraph must refuse with a code,
 * and requests that break HTTP and JSON rather than GraphQL.
 */

/** `levels` × 4 levels of nesting around `inner` (depth 1 + 4 × levels + 1 from `me`). */
export const nest = (levels: number, inner: string) =>
  `${'user { orders(first: 1) { edges { node { '.repeat(levels)}${inner}${' } } } }'.repeat(levels)}`;
/** A string of `n` characters. */
export const big = (n: number) => 'x'.repeat(n);

/** Operations refused by the gateway's checks or by a subgraph's input validation; the same list goes over every transport. */
export interface HostileOperation {
  name: string;
  query: unknown;
  variables?: unknown;
  operationName?: unknown;
  /** Not a valid graphql-ws message at all (the protocol closes the socket). */
  notGraphQLWs?: true;
}

export const operations: HostileOperation[] = [
  // depth, aliases, tokens, directives, cost, fragment cycles
  { name: 'depth 50', query: `{ me { ${nest(13, 'id')} } }` },
  { name: 'depth 50 through fragments', query: `{ me { ...F } } fragment F on User { ${nest(13, 'id')} }` },
  { name: 'depth 13', query: `{ me { ${nest(3, 'id')} } }` },
  { name: '1,000 aliases', query: `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }` },
  { name: '16 aliases', query: `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }` },
  {
    name: '100 addToCart aliases',
    query: `mutation { ${Array.from({ length: 100 }, (_, i) => `a${i}: addToCart(productId: "1", quantity: 1) { id }`).join(' ')} }`,
  },
  {
    name: '20 login aliases',
    query: `mutation { ${Array.from({ length: 20 }, (_, i) => `a${i}: login(username: "emilys", password: "p${i}") { accessToken }`).join(' ')} }`,
  },
  { name: 'fragment cycle A→B→A', query: '{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }' },
  { name: 'fragment self-cycle', query: '{ me { ...A } } fragment A on User { id ...A }' },
  {
    name: 'fragment cycle through nested fields',
    query: '{ me { ...A } } fragment A on User { orders { edges { node { user { ...A } } } } }',
  },
  { name: '100 @include', query: `{ me { id ${'@include(if: true) '.repeat(100)}} }` },
  { name: '11 @skip', query: `{ me { id ${'@skip(if: false) '.repeat(11)}} }` },
  { name: 'unknown directive', query: '{ me { id @deleteEverything } }' },
  { name: '10,000 tokens', query: `{ me { ${'id '.repeat(10_000)}} }` },
  {
    name: 'cost bomb',
    query:
      '{ products(first: 100) { edges { node { reviews(first: 100) { edges { node { author { reviews(first: 100) { totalCount } } } } } } } } }',
  },
  // page sizes
  { name: 'first 101', query: '{ products(first: 101) { totalCount } }' },
  { name: 'first -1', query: '{ products(first: -1) { totalCount } }' },
  { name: 'first 1e9 as variable', query: 'query($n: Int) { products(first: $n) { totalCount } }', variables: { n: 1_000_000_000 } },
  { name: 'first as a string variable', query: 'query($n: Int) { products(first: $n) { totalCount } }', variables: { n: '10' } },
  { name: 'nested first 1000', query: '{ me { orders(first: 1000) { totalCount } } }' },
  // parse failures and malformed payloads
  { name: 'empty query', query: '' },
  { name: 'whitespace query', query: '   ' },
  { name: 'comment only', query: '# nothing' },
  { name: 'empty selection', query: '{}' },
  { name: 'unclosed brace', query: '{ me { id }' },
  { name: 'query is a number', query: 42, notGraphQLWs: true },
  { name: 'query is an array', query: ['{ me { id } }'], notGraphQLWs: true },
  { name: 'query is an object', query: { me: 'id' }, notGraphQLWs: true },
  { name: 'query is null', query: null, notGraphQLWs: true },
  { name: 'variables is a string', query: '{ me { id } }', variables: 'x', notGraphQLWs: true },
  { name: 'variables is an array', query: '{ me { id } }', variables: [1], notGraphQLWs: true },
  { name: 'operationName is a number', query: '{ me { id } }', operationName: 7, notGraphQLWs: true },
  { name: 'unknown operationName', query: 'query A { me { id } }', operationName: 'B' },
  { name: 'two operations, no name', query: 'query A { me { id } } query B { me { id } }' },
  { name: 'unknown field', query: '{ me { passwordHash } }' },
  { name: 'internal field', query: 'mutation { commitCheckout(userId: "1", orderId: "x", lines: []) }' },
  { name: 'internal entities field', query: '{ _entities(representations: [{ __typename: "User", id: "1" }]) { __typename } }' },
  // wrong types and numbers
  { name: 'quantity as a string literal', query: 'mutation { addToCart(productId: "1", quantity: "2") { id } }' },
  { name: 'quantity 1.5', query: 'mutation { addToCart(productId: "1", quantity: 1.5) { id } }' },
  { name: 'quantity 2^31', query: 'mutation { addToCart(productId: "1", quantity: 2147483648) { id } }' },
  { name: 'quantity 0', query: 'mutation { addToCart(productId: "1", quantity: 0) { id } }' },
  { name: 'quantity -5', query: 'mutation { addToCart(productId: "1", quantity: -5) { id } }' },
  { name: 'quantity 100', query: 'mutation { addToCart(productId: "1", quantity: 100) { id } }' },
  ...[1.5, -1, 0, 100, 1e20, 'abc', true, null, {}, [], '1'].map((q) => ({
    name: `quantity variable ${JSON.stringify(q)}`,
    query: 'mutation($q: Int!) { addToCart(productId: "1", quantity: $q) { id } }',
    variables: { q },
  })),
  { name: 'productId -1', query: 'mutation { addToCart(productId: "-1", quantity: 1) { id } }' },
  { name: 'productId 1e30', query: 'mutation { addToCart(productId: "1000000000000000000000000000000", quantity: 1) { id } }' },
  { name: 'productId fullwidth digits', query: 'mutation { addToCart(productId: "１２", quantity: 1) { id } }' },
  { name: 'productId unknown', query: 'mutation { addToCart(productId: "999999", quantity: 1) { id } }' },
  { name: 'updateCartItem quantity 1000', query: 'mutation { updateCartItem(productId: "1", quantity: 1000) { id } }' },
  { name: 'remove a line not in the cart', query: 'mutation { updateCartItem(productId: "2", quantity: 1) { id } }' },
  // giant strings
  { name: '90 kB productId', query: 'mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }', variables: { p: big(90_000) } },
  {
    name: '90 kB login',
    query: 'mutation($u: String!) { login(username: $u, password: "x") { accessToken } }',
    variables: { u: big(90_000) },
  },
  {
    name: '90 kB password',
    query: 'mutation($p: String!) { login(username: "emilys", password: $p) { accessToken } }',
    variables: { p: big(90_000) },
  },
  {
    name: '256-character idempotency key',
    query: 'mutation($k: String!) { checkout(input: { idempotencyKey: $k }) { order { id } } }',
    variables: { k: big(256) },
  },
  { name: 'empty idempotency key', query: 'mutation { checkout(input: { idempotencyKey: "" }) { order { id } } }' },
  {
    name: '90 kB register fields',
    query:
      'mutation($f: String!) { register(input: { username: "abcdef", email: "a@b.co", password: "long enough pw", firstName: $f, lastName: "x" }) { accessToken } }',
    variables: { f: big(90_000) },
  },
  // control and unicode characters
  {
    name: 'NUL in login',
    query: 'mutation($u: String!) { login(username: $u, password: "x") { accessToken } }',
    variables: { u: 'emilys\u0000' },
  },
  {
    name: 'NUL in idempotency key',
    query: 'mutation($k: String!) { checkout(input: { idempotencyKey: $k }) { order { id } } }',
    variables: { k: 'a\u0000b' },
  },
  {
    name: 'escape sequence in idempotency key',
    query: 'mutation($k: String!) { checkout(input: { idempotencyKey: $k }) { order { id } } }',
    variables: { k: '\u001b[31mred' },
  },
  {
    name: 'lone surrogate in idempotency key',
    query: 'mutation($k: String!) { checkout(input: { idempotencyKey: $k }) { order { id } } }',
    variables: { k: 'a\ud800b' },
  },
  {
    name: 'NUL in register name',
    query:
      'mutation($f: String!) { register(input: { username: "newbie1", email: "newbie1@example.com", password: "long enough pw", firstName: $f, lastName: "x" }) { accessToken } }',
    variables: { f: 'Ann\u0000' },
  },
  {
    name: 'RTL override in username',
    query:
      'mutation { register(input: { username: "adm\u202enimda", email: "rtl@example.com", password: "long enough pw", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  {
    name: 'emoji username',
    query:
      'mutation { register(input: { username: "😀😀😀", email: "emoji@example.com", password: "long enough pw", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  {
    name: 'invalid email',
    query:
      'mutation { register(input: { username: "mailless", email: "not-an-email", password: "long enough pw", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  {
    name: 'common password',
    query:
      'mutation { register(input: { username: "weakling", email: "weak@example.com", password: "password123", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  {
    name: 'taken username',
    query:
      'mutation { register(input: { username: "emilys", email: "other@example.com", password: "long enough pw", firstName: "a", lastName: "b" }) { accessToken } }',
  },
  // SQL-looking input
  { name: 'SQL in login', query: `mutation { login(username: "' OR 1=1 --", password: "' OR ''='") { accessToken } }` },
  { name: 'SQL in productId', query: 'mutation { addToCart(productId: "1; DROP TABLE \\"Product\\"", quantity: 1) { id } }' },
  {
    name: 'SQL in payment token',
    query: `mutation { checkout(input: { idempotencyKey: "k1", paymentToken: "tok_'; DELETE FROM \\"Order\\" --" }) { order { id } } }`,
  },
  { name: 'SQL in cancelOrder id', query: `mutation { cancelOrder(id: "' OR '1'='1") { id } }` },
  { name: 'SQL in refresh token', query: `mutation { refreshToken(token: "' OR 1=1 --") { accessToken } }` },
  // authorization
  {
    name: 'ship as a customer',
    query: 'mutation { shipOrder(id: "00000000-0000-0000-0000-000000000000", carrier: UPS, trackingNumber: "1Z999AA10123456784") { id } }',
  },
  {
    name: 'changePassword with a wrong current password',
    query: 'mutation { changePassword(currentPassword: "wrong", newPassword: "a new long password") }',
  },
];

/** The JSON body of an operation of the corpus. */
export const bodyOf = (op: HostileOperation) =>
  JSON.stringify({
    query: op.query,
    ...(op.variables !== undefined ? { variables: op.variables } : {}),
    ...(op.operationName !== undefined ? { operationName: op.operationName } : {}),
  });

/** Requests that break HTTP and JSON rather than GraphQL. */
export interface HostileTransportCase {
  name: string;
  method?: string;
  /** Appended to the endpoint's URL (a query string). */
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}

export const transport: HostileTransportCase[] = [
  ...[
    '{',
    '{"query":',
    'nul',
    '{"query":"{ me { id } }",}',
    '\u0000',
    '[',
    "{'query':'{ me { id } }'}",
    '{"query":"{ me { id } }"}}',
    '\ufeff{"query":1',
    '{"a":'.repeat(5_000),
  ].map((body, i) => ({
    name: `malformed JSON #${i + 1}`,
    body,
  })),
  ...['"a string"', '123', 'true', 'null', '{}', '{"variables":{}}'].map((body) => ({ name: `JSON that is not a request: ${body}`, body })),
  { name: 'batched pair', body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]) },
  { name: 'batched single', body: JSON.stringify([{ query: '{ me { id } }' }]) },
  { name: 'batched empty', body: '[]' },
  { name: 'batched 100', body: JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ me { id } }' }))) },
  { name: '200 kB body', body: JSON.stringify({ query: '{ me { id } }', variables: { x: big(200_000) } }) },
  {
    name: 'CSRF: text/plain POST',
    body: JSON.stringify({ query: 'mutation { clearCart { id } }' }),
    headers: { 'content-type': 'text/plain' },
  },
  {
    name: 'CSRF: form POST',
    body: 'query=mutation%20%7B%20clearCart%20%7B%20id%20%7D%20%7D',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  },
  {
    name: 'CSRF: multipart POST',
    body: '--b\r\nContent-Disposition: form-data; name="query"\r\n\r\nmutation { clearCart { id } }\r\n--b--',
    headers: { 'content-type': 'multipart/form-data; boundary=b' },
  },
  { name: 'CSRF: no content type', body: JSON.stringify({ query: 'mutation { clearCart { id } }' }), headers: {} },
  { name: 'CSRF: simple GET', method: 'GET', path: '?query=%7B%20me%20%7B%20id%20%7D%20%7D', headers: {} },
  {
    name: 'GET mutation with preflight header',
    method: 'GET',
    path: '?query=mutation%20%7B%20clearCart%20%7B%20id%20%7D%20%7D',
    headers: { 'apollo-require-preflight': 'true' },
  },
  {
    name: 'GET malformed variables',
    method: 'GET',
    path: '?query=%7B%20me%20%7B%20id%20%7D%20%7D&variables=%7B',
    headers: { 'apollo-require-preflight': 'true' },
  },
  { name: 'PUT', method: 'PUT', body: JSON.stringify({ query: '{ me { id } }' }) },
  { name: 'DELETE', method: 'DELETE' },
  {
    name: 'unsupported charset',
    body: JSON.stringify({ query: '{ me { id } }' }),
    headers: { 'content-type': 'application/json; charset=latin1' },
  },
  { name: 'gzip garbage', body: 'not gzip', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
  {
    name: 'Bearer garbage',
    body: JSON.stringify({ query: '{ me { id } }' }),
    headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' },
  },
  {
    name: 'Basic auth',
    body: JSON.stringify({ query: '{ me { id } }' }),
    headers: { 'content-type': 'application/json', authorization: 'Basic YWRtaW46YWRtaW4=' },
  },
  {
    name: '8 kB bearer',
    body: JSON.stringify({ query: '{ me { id } }' }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${big(8_000)}` },
  },
];
