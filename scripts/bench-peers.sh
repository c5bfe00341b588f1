#!/usr/bin/env bash
# npm run bench:peers: builds the peers that do not come from npm into bench/.peers (git-ignored).
# Apollo Router comes from crates.io (about an hour of compiling on 2 cores). Cosmo Router cannot be
# built here (the Go module proxy refuses its module): put a binary at bench/.peers/cosmo/bin/router
# or point COSMO_ROUTER_BIN at one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x bench/.peers/apollo-router/bin/router ]; then
  command -v cargo >/dev/null || { echo "bench:peers: cargo is needed to build Apollo Router" >&2; exit 1; }
  # Its build script compiles protobuf definitions.
  if ! command -v protoc >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
    else
      echo "bench:peers: Apollo Router's build needs protoc (Debian: protobuf-compiler)" >&2; exit 1
    fi
  fi
  cargo install apollo-router --version 2.17.0 --locked --root bench/.peers/apollo-router
fi
bench/.peers/apollo-router/bin/router --version
