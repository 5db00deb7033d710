# syntax=docker/dockerfile:1
# The aci-batch worker and HTTP API, one image (docker-compose.temporal.yml runs both from it):
#
#   docker build -t aci-batch .
#   docker run --rm aci-batch                                  # the worker: node dist/worker.js
#   docker run --rm -p 8080:8080 aci-batch node dist/api/main.js
#
# Debian (glibc), not Alpine: the Temporal SDK's native core ships for glibc only.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: every dependency, TypeScript compiled to dist/ (src/ -> dist/, as tsconfig.build.json says), and the
#     tenant console bundled by Vite into dist/console (its example specs from examples/specs)
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY examples/specs ./examples/specs
RUN npm run build

# --- production dependencies only
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: dist/ and production node_modules, run as the unprivileged `node` user
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
# the API's port (ACI_BATCH_API_PORT); the worker listens on nothing
EXPOSE 8080
# The worker bundles dist/workflows at start (require.resolve('./workflows') from dist/worker.js).
CMD ["node", "dist/worker.js"]
