#!/usr/bin/env bash
# `npm test`: install what is missing, build, run every test (unit, integration against real
# MariaDB servers the tests start themselves, e2e against the built CLI). Extra args go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run --silent build
exec npx vitest run "$@"
