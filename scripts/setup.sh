#!/usr/bin/env bash
# Everything a fresh machine needs before the mesh can run or be tested: Java and Maven for the
# embedded MongoDB, npm dependencies, the launcher's jars, and a build. Fast when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
if [ -z "${MONGODB_URI:-}" ] && ! command -v mongod >/dev/null 2>&1 && [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} for the embedded MongoDB"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: the embedded MongoDB needs Java 17+ and Maven (missing: ${need_apt[*]})." >&2
    echo "       Install them, or set MONGODB_URI to a MongoDB 7+ server, or put mongod on PATH." >&2
    exit 1
  fi
fi

# NATS JetStream: the production event transport, and what the @mesh/events tests run against.
if [ -z "${NATS_SERVER_BIN:-}" ] && ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing nats-server for the event bus"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  else
    echo "setup: the event bus needs nats-server (Debian: apt-get install nats-server), or NATS_SERVER_BIN set to one." >&2
    exit 1
  fi
fi

# Redis: gateway replicas share per-client rate limits and cost budgets through it; the gateway's
# tests start their own redis-server on a free port to prove two replicas share one count.
if [ -z "${REDIS_SERVER_BIN:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing redis-server for the gateway's shared rate limits"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "setup: the gateway's rate-limit tests need redis-server (Debian: apt-get install redis-server), or REDIS_SERVER_BIN set to one." >&2
    exit 1
  fi
fi

# Headless Chromium: the clienteling page's browser test (gateway/tests/clienteling) drives it over CDP.
if [ -z "${CHROMIUM_BIN:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing chromium for the clienteling page test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: the clienteling page test needs chromium (Debian: apt-get install chromium), or CHROMIUM_BIN set to one." >&2
    exit 1
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
bash scripts/setup-kubeconform.sh
npx turbo run build --output-logs=errors-only
