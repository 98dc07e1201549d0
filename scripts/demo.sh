#!/usr/bin/env bash
# `npm run demo`: drctl on a sandbox MariaDB that it starts itself, then tears down.
# The tour: validate → plan → apply → plan again (no changes) → backups of every kind, binlog
# archiving, the catalog and verify → restore and retention → drills → status → evidence and runbook.
set -euo pipefail
cd "$(dirname "$0")/.."
# the test suite runs the demo against the build it already made (DRCTL_DEMO_PREPARED=1)
if [ "${DRCTL_DEMO_PREPARED:-}" != 1 ]; then
  bash scripts/ensure-deps.sh
  npm run --silent build
fi

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

step "4b. drctl init: a first spec read from the live sandbox (its databases, engines, binlogs, privileges)"
drctl init --server "$cnf" --project tour | sed -n '1,40p'

step "5. a second sandbox with binary logging OFF; it includes an empty option file drctl may own"
demo="$DRCTL_SANDBOX_HOME/project"
mkdir -p "$demo"
: > "$demo/90-drctl.cnf"
drctl sandbox up --name plain --extra-config "$demo/90-drctl.cnf" >/dev/null
list="$(drctl sandbox list --json)"
field() { node -e 'const s = JSON.parse(process.argv[1]).find((x) => x.name === process.argv[2]); console.log(s[process.argv[3]])' "$list" "$1" "$2"; }
cat > "$demo/drctl.yaml" <<YAML
version: 1
project: demo
state: $demo/state
tiers:
  gold: { rpo: 5m, rto: 1h }
  bronze: { rpo: 2d, rto: 4h }
servers:
  plain: { host: 127.0.0.1, port: $(field plain port), credentials: $(field plain optionFile), configDropIn: $demo/90-drctl.cnf }
  logged: { host: 127.0.0.1, port: $(field demo port), credentials: $(field demo optionFile) }
repositories:
  local: { type: filesystem, path: $demo/repo }
datasets:
  university:
    server: plain
    databases: [university]
    tier: gold
    full: { method: mariadb-backup, schedule: "0 1 * * *" }
    incremental: { method: mariadb-backup, schedule: "0 */6 * * *" }
    binlog: { archive: true, interval: 1m }
    repository: local
    retention: { full: { daily: 7 }, binlogs: 8d }
  unicode:
    server: logged
    databases: ["dr_ünïcode"]
    tier: bronze
    full: { method: mysqldump, schedule: "30 2 * * *" }
    binlog: { archive: true, interval: 1m }
    repository: local
drills:
  unicode-weekly:
    dataset: unicode
    schedule: "0 5 * * 0"
    restoreTo: latest
    verify:
      - rowCounts
      - checksums
      - { query: "SELECT COUNT(*) FROM \`dr_ünïcode\`.\`tbl with space\`", expect: { min: 3 } }
  university-nightly:
    dataset: university
    schedule: "30 4 * * *"
scheduler: { type: cron, file: $demo/cron.d/drctl-demo, timezone: UTC }
YAML
mariadb --defaults-file="$(field plain optionFile)" -e "CREATE DATABASE university; CREATE TABLE university.grades (id INT PRIMARY KEY, grade CHAR(2)); INSERT INTO university.grades VALUES (1, 'A'), (2, 'B');"
echo "spec: $demo/drctl.yaml (a cron.d-style file, state and repository under $demo: nothing of this machine's is touched)"

step "6. drctl plan: the diff and the RPO/RTO proof (exit 1: gold cannot be met while log_bin is OFF; 2 would mean changes only)"
set +e
drctl plan -f "$demo/drctl.yaml" --no-tui --detailed-exitcode
echo "exit code: $?"
set -e

step "7. drctl apply: binlog settings live + drop-in, repository, cron block; journaled"
drctl apply -f "$demo/drctl.yaml" --auto-approve

step "8. drctl plan again: nothing left to change; log_bin waits for a restart (drctl never restarts a server), and the plan says so"
set +e
drctl plan -f "$demo/drctl.yaml" --no-tui --detailed-exitcode | sed -n '/^Findings:/,$p'
echo "exit code: ${PIPESTATUS[0]}"
set -e

step "9. what apply wrote"
echo "--- $demo/cron.d/drctl-demo"; cat "$demo/cron.d/drctl-demo"
echo "--- $demo/90-drctl.cnf"; cat "$demo/90-drctl.cnf"
echo "--- journal ($demo/state/journal.jsonl), kinds:"
node -e 'for (const l of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) { const r = JSON.parse(l); console.log(r.seq, r.kind, r.data.address ?? r.data.result ?? "", r.data.result && r.data.address ? r.data.result : ""); }' "$demo/state/journal.jsonl"

step "10. drctl backup: a logical set (mariadb-dump) of the unicode dataset, and a full + an incremental physical set (mariadb-backup) of university"
drctl backup -f "$demo/drctl.yaml" unicode
drctl backup -f "$demo/drctl.yaml" university --kind full
mariadb --defaults-file="$(field plain optionFile)" -e "INSERT INTO university.grades VALUES (3, 'C');"
drctl backup -f "$demo/drctl.yaml" university --kind incremental

step "11. drctl binlog archive: the closed binlogs of 'logged', once each (an idle server is not rotated: run it twice)"
mariadb --defaults-file="$(field demo optionFile)" -e 'INSERT INTO `dr_ünïcode`.`tbl with space` VALUES (3, "after the backup");'
drctl binlog archive -f "$demo/drctl.yaml" logged
drctl binlog archive -f "$demo/drctl.yaml" logged

step "12. drctl backups: the catalog (only sets whose manifest was written)"
drctl backups -f "$demo/drctl.yaml"

step "13. drctl verify --deep: every file's size and sha256 against its manifest, then decompressed"
drctl verify -f "$demo/drctl.yaml" --deep

step "14. one manifest, abridged"
node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(JSON.stringify({ id: m.id, method: m.method, consistentPoint: m.consistentPoint, tables: m.tables, files: m.files, reference: m.reference }, null, 2))' "$(ls -d "$demo"/repo/sets/unicode/*/ | head -1)manifest.json"

step "15. drctl restore: the unicode dataset as of now, into a throwaway sandbox (the set, then the archived binlogs from its exact position)"
drctl restore -f "$demo/drctl.yaml" unicode --to latest

step "16. drctl prune --dry-run: what retention would delete, and why each kept set stays"
drctl prune -f "$demo/drctl.yaml" university --dry-run

step "17. drctl drill run: restore into a harmless sandbox, verify at the set's point and after the binlog replay, measure RTO/RPO"
drctl drill run -f "$demo/drctl.yaml" unicode-weekly
drctl drill run -f "$demo/drctl.yaml" university-nightly

step "18. drctl drill list, and drctl backups: the drilled images are now 'verified'"
drctl drill list -f "$demo/drctl.yaml"
drctl backups -f "$demo/drctl.yaml"

step "19. drctl status: exposure per dataset against its RPO, the drills' proof (exit 0 OK, 6 AT RISK, 7 BREACHED)"
set +e
drctl status -f "$demo/drctl.yaml" --no-tui
echo "exit code: $?  (university is AT RISK: log_bin waits for a restart, so nothing of it is archived)"
set -e

step "19b. drctl status --prometheus: the same, as the metrics file node_exporter serves after every job (abridged)"
drctl status -f "$demo/drctl.yaml" --prometheus | grep -E '^drctl_(dataset_state|dataset_rpo_exposure_seconds|dataset_last_drill_rto_seconds)' || true

step "20. drctl evidence export + verify: the auditor's bundle, tamper-evident"
drctl evidence export -f "$demo/drctl.yaml" --since 1d --out "$demo/evidence" --controls soc2,iso27001,nist,dora
drctl evidence verify "$demo/evidence"
ls -l "$demo/evidence" "$demo/evidence/runbook"

step "21. drctl runbook: the DR plan document per dataset (also inside the evidence bundle)"
drctl runbook -f "$demo/drctl.yaml" unicode --out "$demo/runbook"
sed -n '1,12p' "$demo/runbook/unicode.md"

# the demo's files go with the sandboxes at exit: keep the report where it can be opened
keep="$(mktemp -d "${DRCTL_DEMO_KEEP_IN:-${TMPDIR:-/tmp}}/drctl-demo-evidence-XXXXXX")"
cp -r "$demo/evidence" "$keep/"
step "the report: $keep/evidence/report.html (and report.md, evidence.json, runbook/)"
