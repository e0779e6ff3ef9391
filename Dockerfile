# One image for every process of the supergraph (subgraphs, workers, gateway, migrate/seed/compose
# jobs): the process is chosen by the container command, `node --conditions=commerce-dist <entry>.js`
# as listed in deploy/processes.ts (docker-compose.prod.yml and the Kubernetes manifests use it).
# Three stages: `build` compiles with devDependencies, `prod-deps` installs production dependencies
# only, `runtime` gets the compiled code, the migrations and the seed catalog on top. See docs/deploy.md.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
# Checkpoint = Prisma's update check; npm's notices are noise in build logs.
ENV CHECKPOINT_DISABLE=1 \
  NPM_CONFIG_UPDATE_NOTIFIER=false \
  NPM_CONFIG_FUND=false \
  NPM_CONFIG_AUDIT=false

# Manifests only, so the dependency layers are rebuilt only when a package.json or the lockfile changes.
# A compiler for native addons whose prebuilt binary does not load on the build machine (argon2
# falls back to node-gyp); it stays in the build stages, the runtime gets the built addon.
FROM base AS manifests
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/common/package.json packages/common/
COPY packages/seed-data/package.json packages/seed-data/
COPY packages/db-tools/package.json packages/db-tools/
COPY subgraphs/user/package.json subgraphs/user/
COPY subgraphs/product/package.json subgraphs/product/
COPY subgraphs/review/package.json subgraphs/review/
COPY subgraphs/cart/package.json subgraphs/cart/
COPY subgraphs/order/package.json subgraphs/order/
COPY gateway/package.json gateway/

FROM manifests AS build
# `prisma generate` never runs the schema engine, but the CLI wants this variable to name an
# existing file, otherwise it tries to download the engine.
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true
# The lockfile lists every platform's optional binaries, so `npm ci` installs exactly it (.ci/run checks).
RUN npm ci
COPY . .
# Prisma clients and resolver types (TypeScript, compiled with the rest), then every workspace's dist/.
RUN npm run generate && npm run build

FROM manifests AS prod-deps
# No devDependencies: no tsx, TypeScript, Prisma CLI, jest or esbuild in the runtime image.
# --omit=optional too: @prisma/client's optional peer `prisma` (a root devDependency) is marked
# devOptional in the lockfile, which --omit=dev alone keeps — the Prisma CLI, its Studio and
# TypeScript, 129 packages (`npm run image:check` found them). The only optional production
# packages it drops are msgpackr's native speed-up (msgpackr falls back to JavaScript), a types-only
# package and pg's Cloudflare socket.
RUN npm ci --omit=dev --omit=optional && npm cache clean --force

FROM base AS runtime
# tini as PID 1: forwards SIGTERM to node (which drains) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# Manifests and node_modules (workspace links included) of the production install.
COPY --from=prod-deps /app ./
# The compiled workspaces (Prisma clients inside) and scripts: deploy/processes.ts lists the entries.
COPY --from=build /app/packages/common/dist packages/common/dist
COPY --from=build /app/packages/seed-data/dist packages/seed-data/dist
COPY --from=build /app/packages/db-tools/dist packages/db-tools/dist
COPY --from=build /app/subgraphs/user/dist subgraphs/user/dist
COPY --from=build /app/subgraphs/product/dist subgraphs/product/dist
COPY --from=build /app/subgraphs/review/dist subgraphs/review/dist
COPY --from=build /app/subgraphs/cart/dist subgraphs/cart/dist
COPY --from=build /app/subgraphs/order/dist subgraphs/order/dist
COPY --from=build /app/gateway/dist gateway/dist
COPY --from=build /app/scripts/dist scripts/dist
# Read at run time: the composition reads each subgraph's SDL, migrate the migrations, seed the catalog.
COPY subgraphs/user/src/schema.graphql subgraphs/user/src/
COPY subgraphs/product/src/schema.graphql subgraphs/product/src/
COPY subgraphs/review/src/schema.graphql subgraphs/review/src/
COPY subgraphs/cart/src/schema.graphql subgraphs/cart/src/
COPY subgraphs/order/src/schema.graphql subgraphs/order/src/
COPY prisma prisma
COPY packages/seed-data/data packages/seed-data/data
COPY scripts/probe-health.mjs scripts/

# The only writable folder: the composed supergraph, the mail outbox and (outside production) the
# development signing key. Mount a volume here to keep them across a recreated container.
RUN mkdir -p /app/.data && chown node:node /app/.data
VOLUME ["/app/.data"]

ENV NODE_ENV=production \
  HOST=0.0.0.0 \
  SUPERGRAPH_PATH=/app/.data/supergraph.graphql \
  MAIL_OUTBOX_DIR=/app/.data/mail
USER node
EXPOSE 4000 4001 4002 4003 4004 4005

# Readiness of the process the container runs: HEALTHCHECK_URL is set per process (its port and
# /health/ready, deploy/processes.ts); one-shot jobs disable the check.
HEALTHCHECK --interval=5s --timeout=4s --start-period=30s --retries=6 CMD ["node", "scripts/probe-health.mjs"]

ENTRYPOINT ["/usr/bin/tini", "--"]
# The default role is the gateway, serving a supergraph composed beforehand (the compose job, or mounted).
CMD ["node", "--conditions=commerce-dist", "gateway/dist/main.js"]
