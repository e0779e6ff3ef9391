/**
 * One peer gateway for `npm run bench:gateways`, over the supergraph our gateway serves:
 *
 *   node bench/gateways/serve.mjs stock      stock @apollo/gateway (the project's own version, resolved
 *                                            from the root node_modules) in Apollo Server, no perimeter
 *   node bench/gateways/serve.mjs hive-js    Hive Gateway with its JavaScript query planner
 *   node bench/gateways/serve.mjs hive-rust  Hive Gateway with the Rust query planner (@graphql-hive/router-runtime)
 *
 * Environment: PORT, SUPERGRAPH_PATH (composed SDL), CALLER_TOKEN (sent as `x-caller-token` on every
 * subgraph request: a long-lived token signed with the stack's internal secret, so the subgraphs
 * accept the peers exactly as they accept our gateway). Each serves POST /graphql and answers
 * GET /health with 200 once it can execute. Logs only errors; stops on SIGTERM/SIGINT.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const CALLER_TOKEN_HEADER = 'x-caller-token';
const kind = process.argv[2];
const port = Number(process.env.PORT);
const supergraphPath = process.env.SUPERGRAPH_PATH;
const callerToken = process.env.CALLER_TOKEN;
if (!['stock', 'hive-js', 'hive-rust'].includes(kind ?? '') || !port || !supergraphPath || !callerToken) {
  console.error('usage: PORT=… SUPERGRAPH_PATH=… CALLER_TOKEN=… node bench/gateways/serve.mjs stock|hive-js|hive-rust');
  process.exit(2);
}

/** A node:http server that answers /health itself and hands everything else to `handler`. */
function listen(handler) {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    handler(req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => console.log(`${kind} gateway ready on http://127.0.0.1:${port}/graphql`));
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function stock() {
  const { ApolloGateway, RemoteGraphQLDataSource } = await import('@apollo/gateway');
  const { ApolloServer, HeaderMap } = await import('@apollo/server');
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource({
        url,
        willSendRequest({ request }) {
          request.http?.headers.set(CALLER_TOKEN_HEADER, callerToken);
        },
      }),
  });
  const server = new ApolloServer({ gateway });
  await server.start();
  // Apollo Server's own HTTP handling without an extra framework: read the body, executeHTTPGraphQLRequest.
  listen((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const headers = new HeaderMap();
        for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
        const text = Buffer.concat(chunks).toString('utf8');
        const response = await server.executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: req.method ?? 'POST',
            headers,
            search: new URL(req.url ?? '/', 'http://localhost').search,
            body: text ? JSON.parse(text) : undefined,
          },
          context: async () => ({}),
        });
        res.statusCode = response.status ?? 200;
        for (const [key, value] of response.headers) res.setHeader(key, value);
        if (response.body.kind === 'complete') res.end(response.body.string);
        else {
          for await (const part of response.body.asyncIterator) res.write(part);
          res.end();
        }
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error) }] }));
      }
    });
  });
}

async function hive(planner) {
  const { createGatewayRuntime } = await import('@graphql-hive/gateway');
  const rust = planner === 'rust' ? await import('@graphql-hive/router-runtime') : undefined;
  const gateway = createGatewayRuntime({
    supergraph: supergraphPath,
    ...(rust ? { unifiedGraphHandler: rust.unifiedGraphHandler } : {}),
    transportEntries: { '*.http': { headers: [[CALLER_TOKEN_HEADER, callerToken]] } },
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: false,
    logging: 'error',
  });
  // Load the supergraph before answering health, so the first measured request does not pay for it.
  await gateway.getSchema();
  listen(gateway);
}

const started = kind === 'stock' ? stock() : hive(kind === 'hive-rust' ? 'rust' : 'js');
started.catch((error) => {
  console.error(error);
  process.exit(1);
});
