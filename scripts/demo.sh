#!/usr/bin/env bash
# `npm run demo`: drctl on a sandbox MariaDB that it starts itself, then tears down.
# (Later stages extend this tour: plan → apply → backup → drill → evidence.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run --silent build

drctl() { node dist/cli.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

export DRCTL_SANDBOX_HOME
DRCTL_SANDBOX_HOME="$(mktemp -d -t drctl-demo-XXXXXX)"
cleanup() {
  step "tear down"
  drctl sandbox down --all || true
  rm -rf "$DRCTL_SANDBOX_HOME"
}
trap cleanup EXIT

step "1. start a throwaway MariaDB with binary logging (its own datadir, socket and loopback port)"
drctl sandbox up --binlog --name demo
info="$(drctl sandbox list --json)"
cnf="$(node -e 'console.log(JSON.parse(process.argv[1])[0].optionFile)' "$info")"

step "2. validate the example DR specs"
for f in examples/*.yaml; do drctl validate "$f" 2>/dev/null; done
echo "(warnings about /etc/drctl/*.cnf are expected here: those credential files live on the real hosts)"

step "3. a broken spec: every problem at once, FILE:LINE:COL, exit code 3"
set +e
drctl validate test/fixtures/invalid/dangling-server-and-copy.yaml 2>&1 | grep -v "warning:"
echo "exit code: ${PIPESTATUS[0]}"
set -e

step "4. the sandbox's live binary-log state (what drctl plan will read)"
mariadb --defaults-file="$cnf" --table -e "
  SELECT @@version AS version, @@server_id AS server_id, @@log_bin AS log_bin, @@binlog_format AS binlog_format,
         @@sync_binlog AS sync_binlog, @@binlog_expire_logs_seconds AS expire_seconds, @@gtid_binlog_pos AS gtid_binlog_pos;
  CREATE DATABASE \`dr_ünïcode\`;
  CREATE TABLE \`dr_ünïcode\`.\`tbl with space\` (id INT PRIMARY KEY, v VARCHAR(20));
  INSERT INTO \`dr_ünïcode\`.\`tbl with space\` VALUES (1, 'hello'), (2, '世界');
  SELECT @@gtid_binlog_pos AS gtid_after_writes;
  SHOW BINARY LOGS;"
