#!/usr/bin/env bash
# The event broker for `npm start` and the tests: nats-server 2.14, built from its Go module into
# .tools/bin with the machine's Go. Debian ships 2.9, which takes no consumer filter lists
# (`filter_subjects`, 2.10 on), so there every durable receives its whole domain stream; production
# runs 2.10+ too (deploy/k8s, docker-compose). Falls back to Debian's package when Go cannot build
# it. Skipped when NATS_SERVER_BIN names a binary. Fast when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
NATS_SERVER_VERSION=v2.14.10
tools="$PWD/.tools"

source scripts/apt-install.sh

[ -n "${NATS_SERVER_BIN:-}" ] && exit 0
[ -x "$tools/bin/nats-server" ] && exit 0

command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || (apt_install "the event broker" 'Debian package names' golang-go) || true
go_bin=$(command -v go || echo /usr/local/go/bin/go)
echo "setup: building nats-server $NATS_SERVER_VERSION"
if [ -x "$go_bin" ] && GOBIN="$tools/bin" "$go_bin" install "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION"; then
  exit 0
fi
echo "setup: could not build nats-server $NATS_SERVER_VERSION; using Debian's (no consumer filter lists before 2.10)" >&2
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  apt_install "the event bus" "Debian: apt-get install nats-server, or set NATS_SERVER_BIN to one" nats-server
fi
