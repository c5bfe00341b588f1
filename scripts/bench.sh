#!/usr/bin/env bash
# npm run bench [-- --size full|tiny --scenarios 1,2]: set-up, build, then the benchmark runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx turbo run build --output-logs=errors-only
exec npx tsx bench/src/run.ts "$@"
