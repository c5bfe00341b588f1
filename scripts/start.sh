#!/usr/bin/env bash
# `npm start`: set up, build, then run the whole mesh on the embedded default (or MONGODB_URI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx tsx scripts/run-mesh.ts "$@"
