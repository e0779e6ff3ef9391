# One image for every process of the supergraph (subgraphs, workers, gateway, migrate/seed).
# The service to run is chosen by the container command (see docker-compose.yml); the default
# CMD starts the whole stack in one container via scripts/start.ts.
FROM node:20-bookworm-slim

# openssl + CA certificates for Prisma and TLS connections; the slim image ships neither.
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssl ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# `prisma generate` never runs the schema engine, but the CLI wants this variable to point at an
# existing file, otherwise it tries to download the engine. Checkpoint = Prisma's update check.
ENV PRISMA_SCHEMA_ENGINE_BINARY=/bin/true \
  CHECKPOINT_DISABLE=1 \
  NPM_CONFIG_UPDATE_NOTIFIER=false \
  NPM_CONFIG_FUND=false \
  NPM_CONFIG_AUDIT=false

# Manifests first, so the dependency layer is rebuilt only when a package.json or the lockfile changes.
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
# devDependencies are needed at runtime (tsx, prisma, graphql-codegen), so no --omit=dev.
# The lockfile lists every platform's optional binaries, so `npm ci` installs exactly it (.ci/run checks).
RUN npm ci

COPY . .
# Prisma clients (subgraphs/*/src/db/generated) and resolver types (subgraphs/*/src/__generated__).
RUN npm run generate

# Servers listen on every interface inside the container (read by @commerce/common config).
ENV HOST=0.0.0.0
EXPOSE 4000 4001 4002 4003 4004 4005

CMD ["npx", "tsx", "scripts/start.ts"]
