# syntax=docker/dockerfile:1
#
# Production image of the modelship worker (and of the local AWS emulator: same image, other command).
#
#   docker build -t modelship:0.1.0 .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 -e AWS_REGION=us-east-1 modelship:0.1.0
#   docker run --rm -p 4566:4566 modelship:0.1.0 emulator --port 4566 --host 0.0.0.0
#
# The build stage compiles the TypeScript (`npm run build`: tsc to lib/ and the workflow code bundled
# once), so the worker starts in about a second with no tsx or bundling at run time: the image holds the
# production node_modules, bin/ and lib/. Pin the base by digest as well in your registry mirror if you
# need bit-for-bit reproducible builds.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.sh scripts/bundle-workflows.ts ./scripts/
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json .npmrc ./
# Exactly the locked versions, without devDependencies. Every native module modelship uses
# (Temporal core bridge, esbuild, swc) ships prebuilt glibc binaries, so no compiler is needed.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production \
    MODELSHIP_HEALTH_PORT=8080 \
    MODELSHIP_METRICS_ADDRESS=0.0.0.0:9464
# Application files stay owned by root: the worker can read but never rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY --from=build /app/lib ./lib
# The base image's unprivileged `node` user, by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# 8080: GET /healthz (liveness) and /readyz (readiness). 9464: Prometheus metrics of the Temporal runtime.
EXPOSE 8080 9464
# Liveness only: /healthz answers once the worker has loaded the pre-built workflow bundle (a second or two).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + (process.env.MODELSHIP_HEALTH_PORT || 8080) + '/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# The worker stops polling on SIGTERM and gives in-flight activities 30 s (shutdownGraceTime) to finish;
# give the container at least 35-40 s before SIGKILL (docker stop -t 40, compose stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/modelship"]
CMD ["worker"]
