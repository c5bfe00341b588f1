#!/usr/bin/env bash
# Everything a fresh machine needs before the mesh can run: Java and Maven for the embedded
# MongoDB, nats-server (2.14, built with Go: scripts/setup-nats.sh), npm dependencies, the launcher's jars, and a build. `--tests` adds what
# only the tests use: Redis (shared rate limits across gateway replicas), headless Chromium (the
# browser tests) and kubeconform (the Kubernetes manifests' check). Fast when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
for_tests=false
[ "${1:-}" = "--tests" ] && for_tests=true

# apt_install PURPOSE HINT PACKAGE...
source scripts/apt-install.sh

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
if [ -z "${MONGODB_URI:-}" ] && ! command -v mongod >/dev/null 2>&1 && [ ${#need_apt[@]} -gt 0 ]; then
  apt_install "the embedded MongoDB" "Java 17+ and Maven; or set MONGODB_URI to a MongoDB 7+ server, or put mongod on PATH" "${need_apt[@]}"
fi

# NATS JetStream: the production event transport, and what the @mesh/events tests run against.
bash scripts/setup-nats.sh

if $for_tests; then
  # Redis: gateway replicas share per-client rate limits and cost budgets through it; the gateway's
  # tests start their own redis-server on a free port to prove two replicas share one count.
  if [ -z "${REDIS_SERVER_BIN:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
    apt_install "the gateway's rate-limit tests" "Debian: apt-get install redis-server, or set REDIS_SERVER_BIN to one" redis-server
  fi
  # Headless Chromium: the browser tests (gateway/tests/clienteling) drive it over CDP.
  if [ -z "${CHROMIUM_BIN:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    apt_install "the browser tests" "Debian: apt-get install chromium, or set CHROMIUM_BIN to one" chromium
  fi
fi

stamp=node_modules/.mesh-install-stamp
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

if [ -z "${MONGODB_URI:-}" ]; then
  npm run --silent prepare:launcher -w @mesh/embedded-mongo
fi

# kubeconform and the Kubernetes schemas that check deploy/k8s (gateway/tests/k8s-manifests.test.ts).
if $for_tests; then bash scripts/setup-kubeconform.sh; fi
npx turbo run build --output-logs=errors-only
