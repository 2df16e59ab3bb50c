# syntax=docker/dockerfile:1
# QMTL on Temporal, scaled deployment image (see docker-compose.yml). One image,
# two roles chosen by the command:
#   node dist/workers/worker-main.js   workers for QMTL_WORKER_QUEUES (default)
#   node dist/api/main.js              the Gateway on QMTL_PORT
# Both need an external Temporal (TEMPORAL_ADDRESS) and usually PostgreSQL
# (QMTL_DATABASE_URL); the embedded dev server is not part of the image.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Toolchain for native modules (better-sqlite3) when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# The Temporal CLI/test-server binaries are for `npm start` and tests only.
ENV QMTL_SKIP_TEMPORAL_INSTALL=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    QMTL_HOME=/var/lib/qmtl \
    QMTL_PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/qmtl && chown node:node /var/lib/qmtl
USER node
EXPOSE 8080
# Node handles SIGTERM itself (graceful worker shutdown, Gateway drain).
CMD ["node", "dist/workers/worker-main.js"]
