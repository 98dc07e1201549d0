#!/usr/bin/env bash
# `npm run bench`: every benchmark under bench/, results in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run --silent build
for b in bench/*.mjs; do
  echo "== $b"
  node "$b"
done
