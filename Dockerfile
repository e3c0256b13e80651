# syntax=docker/dockerfile:1
#
# Production image of the modelship worker (and of the local AWS emulator: same image, other command).
#
#   docker build -t modelship:0.1.0 .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 -e AWS_REGION=us-east-1 modelship:0.1.0
#   docker run --rm -p 4566:4566 modelship:0.1.0 emulator --port 4566 --host 0.0.0.0
#
# The TypeScript sources run through tsx (a runtime dependency), so there is no build step: the image
# holds the production node_modules, bin/ and src/. Pin the base by digest as well in your registry
# mirror if you need bit-for-bit reproducible builds.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
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
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
# The base image's unprivileged `node` user, by number so Kubernetes can verify runAsNonRoot.
# Its home (/home/node) is where tsx and swc cache compiled code; with a read-only root filesystem
# mount a writable /tmp instead (see deploy/kubernetes/worker-deployment.yaml).
USER 1000:1000
# 8080: GET /healthz (liveness) and /readyz (readiness). 9464: Prometheus metrics of the Temporal runtime.
EXPOSE 8080 9464
# Liveness only: /healthz answers once the workflow bundle is built (10-30 s after start).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + (process.env.MODELSHIP_HEALTH_PORT || 8080) + '/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# The worker stops polling on SIGTERM and gives in-flight activities 30 s (shutdownGraceTime) to finish;
# give the container at least 35-40 s before SIGKILL (docker stop -t 40, compose stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/modelship"]
CMD ["worker"]
