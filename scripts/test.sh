#!/usr/bin/env bash
# `npm test`: set up, check that generated code and the supergraph are current, type-check, lint,
# check the formatting (after lint: a lint finding says more than a layout one), then run every
# package's tests against real servers (one package at a time: each starts its own database and
# services, and this machine has two cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NODE_ENV=test
npm run --silent codegen:check
npm run --silent compose:check
npm run --silent check:scripts
npx turbo run check:types --output-logs=errors-only
npx turbo run check:lint check:lint:root --output-logs=errors-only
npx turbo run check:format check:format:root --output-logs=errors-only
log=$(mktemp)
status=0
npx turbo run test --concurrency=1 --continue --output-logs=full 2>&1 | tee "$log" || status=$?
passed=$(grep -E '# pass [0-9]+' "$log" | awk '{s+=$NF} END {print s+0}')
failed=$(grep -E '# fail [0-9]+' "$log" | awk '{s+=$NF} END {print s+0}')
rm -f "$log"
echo "tests: ${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
