# syntax=docker/dockerfile:1
# One image recipe for all four apps; APP picks which one the image runs:
#   docker build --build-arg APP=users -t spillway-users .
# APP is gateway | users | free-provider | paid-provider (any other value fails the build).
# Global ARGs must come before the first FROM to be usable in FROM lines.
ARG APP=gateway
# Node 20 reached end of life in April 2026; 22 is the maintained LTS (package.json: node >= 20.19).
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: install everything, compile apps/ and libs/ into dist/, drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY .swcrc ./
COPY scripts/build.cjs scripts/
COPY libs libs
COPY apps apps
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and dist/ only, as the unprivileged node user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
USER node
# Every app drains in-flight requests and jobs on SIGTERM (SHUTDOWN_TIMEOUT_MS, default 10 s).
STOPSIGNAL SIGTERM
# The slim image has no curl; Node's fetch asks the app's own /health (200 only when ready).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# ---- one stage per app: its entry point, its V8 flags (apps/node-flags.json) and its port (the
# PORT default of its config schema; test/compose.e2e-spec.ts checks all three). node runs as
# PID 1 and gets SIGTERM itself. ----
FROM runtime AS app-gateway
ENV PORT=3000
EXPOSE 3000
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=30", "--single-threaded-gc", "dist/apps/gateway/src/main.js"]

FROM runtime AS app-users
ENV PORT=3001
EXPOSE 3001
CMD ["node", "dist/apps/users/src/main.js"]

FROM runtime AS app-free-provider
ENV PORT=3002
EXPOSE 3002
CMD ["node", "dist/apps/free-provider/src/main.js"]

FROM runtime AS app-paid-provider
ENV PORT=3003
EXPOSE 3003
CMD ["node", "dist/apps/paid-provider/src/main.js"]

# ---- the image: the stage APP names ----
FROM app-${APP}
