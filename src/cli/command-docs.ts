// What `drctl <command> --help` shows after the options (examples), and what docs/commands.md adds
// to the definitions in main.ts (the details). Kept beside the commands so the reference cannot drift
// from them: a test fails when a command has no entry or an entry names no command.

export interface CommandDoc {
  /** Command lines a DBA can copy, each optionally followed by a `# comment`. */
  examples: string[];
  /** Markdown for docs/commands.md: what the command does in depth, its exit codes. */
  details?: string;
}

export const COMMAND_DOCS: Record<string, CommandDoc> = {
  validate: {
    examples: ["drctl validate drctl.yaml", "drctl validate -f /etc/drctl/university.yaml"],
    details: [
      "YAML syntax, the schema and the semantic rules; every problem at once as `FILE:LINE:COL: <spec",
      "path>: <what is wrong>; <hint>`",
    ].join(" "),
  },
  plan: {
    examples: [
      "drctl plan",
      "drctl plan -out plan.json          # save it for review, then: drctl apply plan.json",
      "drctl plan --json --detailed-exitcode  # in CI: exit 2 when there are changes",
    ],
    details: [
      "discovers the live state (server variables, replica status, privileges and dataset sizes over",
      "mysql2; the cron block; filesystem repositories), diffs it against the spec Terraform-style, and",
      "proves or refutes each dataset's RPO/RTO (see `docs/rpo-rto.md`). `--json` follows",
      "`schemas/plan.schema.json`; `-out` saves the plan with the spec digest and a fingerprint of the live",
      "state. Exit 0 no changes, 2 changes (with `--detailed-exitcode`), 1 when a finding is an error (an",
      "unreachable server, a tier that cannot be met, missing privileges…). On a terminal (stdin and stdout",
      "TTYs, not CI) it opens a TUI: resources grouped by action (`-` destroy, `±` change taking effect on",
      "restart, `~` change in place, `+` create, `?` unknown), ↑↓/jk to move, ⏎/space to expand a resource",
      "into its attributes and the cron-line or option-file diff, `a` expand all, `u` show unchanged, tab",
      "to the RPO/RTO and findings panes, q to quit (the exit code is the plan's). `--no-tui`, a pipe or CI",
      "give the plain text",
    ].join(" "),
  },
  apply: {
    examples: [
      "drctl apply                        # shows the plan, asks for yes",
      "drctl apply plan.json --auto-approve  # a reviewed plan, as it was saved",
    ],
    details: [
      "takes the project's apply lock (exit 4 naming the holder; `--lock-timeout` waits), re-discovers,",
      "shows the plan and asks for `yes` on a terminal (off a terminal it needs `--auto-approve`). A saved",
      "plan (`plan -out`) is applied as reviewed, without a prompt, and refused (exit 3, nothing written)",
      "if the spec or the live state changed since. Executors, in this order: **binlog** — dynamic",
      "variables with `SET GLOBAL` (MySQL: `SET PERSIST`) and read back, every setting written to the",
      "server's `configDropIn` (a file drctl owns whole: it adopts an empty one and refuses one it did not",
      "write); non-dynamic ones (log_bin, log_slave_updates) only there — drctl never restarts a server,",
      "and plan reports a pending restart as a warning, not a change; **repository** — the directory 0700",
      "with drctl's marker, an existing one adopted only when empty; **cron** — the managed block `# BEGIN",
      "drctl <project>` … `# END drctl <project>` rewritten in place, every byte outside it kept, through a",
      "temp file + fsync + rename for a cron.d file or a complete file handed to `crontab -u USER FILE`",
      "(never a pipe: a killed apply cannot install half a crontab). **verification** (last) — a dataset is",
      "not applied until a restore of it was proven: `drctl backup DATASET` then `drctl drill verify",
      "DATASET` (its newest full set restored into a sandbox to its own point and checked like its drills",
      "check — tables, CHECK TABLE, objects, reference figures, views), run as the cron account so what",
      "they write is that account's and a credentials file it cannot read fails now, not at 2 a.m.; plan",
      "shows `verification.<dataset>` created until a drill of the dataset verified, replaced when its",
      "method changed, unknown while its server is unreachable; where the backups are encrypted and the age",
      "identity is not on this host it is skipped (exit 6) — run `drctl drill verify` where the identity",
      "is. Every resource is journaled as it lands; the first failure stops the run naming the resource,",
      "what was done stays done, and the next apply finishes the rest. Exit 0 done, 1 failed, 6 when",
      "something was skipped (an unreachable server, an SFTP/S3 repository)",
    ].join(" "),
  },
  backup: {
    examples: ["drctl backup wiki", "drctl backup wiki --kind incremental"],
    details: [
      "what the full/incremental cron lines run: one backup set with the dataset's method (see [concepts:",
      "backups](concepts.md#backups)). Exit 0 published, 1 failed (nothing published), 3 refused (e.g.",
      "mydumper and a table name it would break), 4 another backup of the dataset still runs after",
      "`--lock-timeout`",
    ].join(" "),
  },
  backups: {
    examples: ["drctl backups", "drctl backups wiki --json", "drctl backups wiki --repository vault"],
    details: [
      "the catalog: every published set (a directory with its manifest) in the spec's filesystem",
      "repositories — id, kind, method, the server it was taken on (a gated replica's lag then), start,",
      "duration, stored size, consistent point, whether a drill verified it, parent. `--repository NAME`",
      "lists what that repository holds instead (an offsite copy, read from it): a set counts there once its",
      "manifest is; objects without one are an interrupted copy (listed as a warning, exit 6)",
    ].join(" "),
  },
  verify: {
    examples: [
      "drctl verify",
      "drctl verify --deep 20261125T182601Z-full-3f9a1c",
      "drctl verify --repository vault  # the offsite copy, read back",
    ],
    details: [
      "re-reads every file of the sets (default: all, binlog archives included) and checks size and sha256",
      "against the manifest; `--deep` also decrypts (with `encryption.identityFile`) and decompresses to",
      "nowhere. `--repository NAME` checks the sets that repository holds (an offsite copy), each object",
      "read back from it (with `--deep`, fetched into a private temp dir and decoded). Exit 0 all good, 5",
      'naming set and file otherwise ("cannot decrypt" for a wrong identity)',
    ].join(" "),
  },
  restore: {
    examples: [
      "drctl restore wiki --to latest --keep",
      "drctl restore uni --to '2026-11-25 14:03' --before 'DROP TABLE grades'",
      "drctl restore uni --to latest --tables uni.grades --rename grades=grades_restored --target db1",
      "drctl restore uni --from vault --to latest --target db2 --yes  # the site is lost",
      "drctl restore uni --to latest --before 'DROP TABLE exams' --target db1 --reseed-replicas  # it replicated",
    ],
    details: [
      "`--from REPO` restores from one of the dataset's copies when its primary repository is gone: the",
      "dataset's sets and its server's archived binlogs are fetched into a private directory under the",
      "state dir (each object checked against its manifest, a damaged one named), restored from exactly as",
      "from the primary, and removed afterwards. Otherwise it",
      "checks every file it will read against its manifest — before it is read, or for a physical image",
      "while it is extracted and prepared, the server starting on it only once it passed — and falls back",
      "to the newest older image that reaches the target when one is damaged (exit 5 only when nothing",
      "good does); holds the",
      "dataset's sets with a shared lock, so prune never deletes one under it (exit 4 after",
      "`--lock-timeout`); `--to` is UTC unless a zone is given; restores into a throwaway harmless sandbox",
      "(by default): picks the recovery image, restores the full (mariadb client / myloader / prepare +",
      "move-back with the incrementals in order), then replays the archived binlogs from the last set's",
      "exact position up to the last transaction written at or before TIME — a GTID-group boundary read",
      "from the binlog's own events, never `--stop-datetime` — and says what was replayed (from/to position",
      "and GTID, transactions). `--before 'DROP TABLE grades'` stops just before the first transaction",
      "after the set whose statement matches — compared without backticks, the server's comments and",
      "database qualifiers, and including the original SQL that row events carry in Annotate_rows (so",
      "`--before 'UPDATE students SET gpa = 0'` finds a row-based update); no match is refused. `--skip",
      "'UPDATE marks SET mark = 0'` leaves out that one whole transaction and replays the rest to TIME —",
      "unless a later transaction changes a row the skipped one touched (rows named by primary key, read",
      "from `mysqlbinlog --base64-output=decode-rows`): its full row image would carry the bad values back,",
      "so drctl refuses and lists those transactions (`--force` goes on with a warning). A target beyond",
      "what the archive covers (its newest event, or the last archive run that left nothing behind — an",
      "idle server's quiet time counts) or behind a missing binlog is refused (exit 3) with the newest",
      "reachable time. `--keep` leaves the sandbox running (`drctl sandbox down --name restore-DATASET`). A",
      "dataset that archives no binlogs restores to its sets' own points. Only the dataset's databases are",
      "replayed — `mysqlbinlog --database` takes one name, so a dataset of several databases is replayed",
      "one database per pass (each database's transactions in order; only statements that span databases",
      "could tell the difference); images of a whole instance (mariadb-backup) replay everything. `--tables",
      "uni.grades --rename grades=grades_restored --target db1` restores into the sandbox to the point,",
      "renames there, and copies each table into the live server's database beside the live tables — an",
      "existing name is refused, nothing is overwritten; writing to a live server needs `--yes` (or `yes`",
      "typed on a terminal), and a server others replicate from (the spec's `replicaOf`, or `SHOW SLAVE",
      "HOSTS`) is refused without `--force`. Into the sandbox, `--tables` leaves only those tables there",
      "(renamed as asked). Without `--tables`, `--target SERVER` puts the dataset's databases as of the",
      "point onto that server (dumped from the sandbox with routines, triggers and events, replacing the",
      "tables of the same names — the confirmation says so): the lost-server scenario.",
      "`--reseed-replicas` (with `--target SOURCE`, when an error has replicated): after the source is",
      "restored, each of its replicas (the spec's `replicaOf`) is rebuilt from a fresh dump of the",
      "restored databases — it first applies everything up to the dump's GTID (`START SLAVE UNTIL",
      "master_gtid_pos`), so nothing of its other databases is skipped; the dataset's databases are",
      "replaced outside its binlog (no errant GTIDs); replication restarts there, and every table is",
      "compared with the source's (`CHECKSUM TABLE`). The confirmation lists the servers it rewrites; a",
      "replica that is not reachable, replicates by file and position, or whose replication stopped on an",
      "error is refused before anything is written; a failure later stops with what was done and what is",
      "left (exit 1, journaled, like each step)",
    ].join(" "),
  },
  binlog: {
    examples: ["drctl binlog archive db1"],
  },
  "binlog archive": {
    examples: ["drctl binlog archive db1 -f /etc/drctl/university.yaml"],
    details: [
      "what the binlog cron line runs: every closed binlog of the server, once, into the repositories of",
      "the datasets that archive it (see [concepts: binlog archiving](concepts.md#binlog-archiving)). Exit",
      "0, 6 when there is a gap (named and journaled)",
    ].join(" "),
  },
  copy: {
    examples: ["drctl copy wiki", "drctl copy wiki --to vault", "drctl copy  # every dataset with copies"],
    details: [
      "what the copy cron line runs (every `copyInterval`, 15 minutes by default): every complete set of the",
      "dataset and the archived binlogs of its server, oldest first, to each repository under its `copies:`",
      "(filesystem, sftp, s3) — only what the copy's own `retention` keeps, when it has one.",
      "Each object is written once (a temporary name renamed into place; on S3 an upload that appears only",
      "when complete), then checked against the manifest — by the target itself where it can prove what it",
      "stored (S3's MD5 ETag, sha256 run on the SSH server), else read back and hashed; the set's",
      "manifest goes up last,",
      "so a set whose copy was interrupted does not exist at the target and the next run completes it,",
      "sending only what is missing. Stored bytes leave as they are stored (an encrypted set leaves as",
      "ciphertext). SFTP: key authentication from `identityFile`, the host key checked against",
      "`knownHosts` (an unknown or changed key is refused with its fingerprint, nothing sent). Holds the",
      "dataset's sets with a shared lock (prune waits) and a copy lock of its own (a second copy of the",
      "dataset: exit 4). Exit 0 every target up to date; 6 a target unreachable or failing mid-way",
      "(offsite pending, everything stays local); 5 an object at a target that is not what the manifest",
      "says (never overwritten, named) or a local file that no longer matches its manifest (not sent).",
      "Only into a repository whose marker names this project (apply writes it). A target failing",
      "mid-way is tried twice more (after 1 s, then 4 s, reconnecting); objects already there with the",
      "right digest are not sent again. `bandwidth:` limits all transfers to a repository together,",
      "`parallelism:` the objects of a set sent at once (default 4); progress goes to stderr",
    ].join(" "),
  },
  prune: {
    examples: ["drctl prune wiki --dry-run", "drctl prune wiki", "drctl prune wiki --repository vault --dry-run"],
    details: [
      "retention (see [concepts: retention](concepts.md#retention)): the dry run lists every set that would",
      "go and why each kept one stays — the same code as the real run, which deletes each set manifest",
      "first. Then the same at each of the dataset's copies with a retention (the repository's own",
      "`retention`, else the dataset's): only where the marker names this project, never after a copy",
      "run to it that did not complete; a delete an S3 Object Lock refuses keeps the set, reported with",
      "the date its lock ends. Exit 0; 1 after a failed backup of the dataset (retention does not run",
      "then); 3 when the policy would keep no full; 4 while a backup, copy or drill of the dataset, or",
      "the server's binlog archiver, runs; 6 when a copy could not be pruned now (named; the rest done)",
    ].join(" "),
  },
  drill: {
    examples: ["drctl drill list", "drctl drill run monthly"],
  },
  "drill run": {
    examples: ["drctl drill run monthly", "drctl drill run monthly --seed 7f3a  # repeat a random restore point"],
    details: [
      "what the drill cron line runs (see [concepts: drills](concepts.md#drills)): restores the drill's",
      "dataset into a harmless sandbox, verifies it at the set's point and at the drill's point, measures",
      "RTO and RPO against the tier, tears the sandbox down, journals the result (a passed drill marks its",
      "image verified: `backups` shows it, retention keeps it). Exit 0 every check passed and both targets",
      "met; 5 a check failed (the failing checks listed); 7 the data verified but RTO or RPO missed the",
      "tier (both figures shown); 4 another drill or prune of the dataset runs. A drill with `from: COPY`",
      "drills the lost site: it fetches the dataset's sets from that copy (checked object by object) and",
      "restores from them, so its RTO includes the fetch; its record names the copy",
    ].join(" "),
  },
  "drill verify": {
    examples: ["drctl drill verify wiki"],
    details: [
      "what apply's `verification.<dataset>` runs: the dataset's newest full set restored to its own point",
      "and verified (the drill's own queries are left to the scheduled drills: they are written against",
      "current data); journaled as a drill named `verification.<dataset>`. Exit codes as `drill run`",
    ].join(" "),
  },
  "drill list": {
    examples: ["drctl drill list --json"],
    details: ["the spec's drills with their last run: when, result, measured/target RTO and RPO"].join(" "),
  },
  status: {
    examples: ["drctl status", "drctl status wiki --json", "drctl status --prometheus"],
    details: [
      "per dataset: newest full, how far the data is recoverable (the last binlog archive run that reached",
      'the server\'s position — an idle server is not "behind" — or the newest set without archiving), the',
      "exposure (now − that) against the tier's RPO, and the last drill. **OK**; **AT RISK** when the",
      "exposure passes 80 % of the RPO, a drill is overdue by its schedule (an hour's grace), the dataset",
      "was never drilled or has no drill, or no archive run completed cleanly; **BREACHED** when the",
      "exposure passes the RPO, there is no full set, or the last drill failed or missed its tier. Exit 0 /",
      "6 / 7, for monitoring. Ink table on a terminal. `--prometheus`: the same in the Prometheus text",
      "format, as the `metrics: { textfile: DIR }` file holds it after every job (docs/metrics.md)",
    ].join(" "),
  },
  init: {
    examples: [
      "drctl init --server /etc/drctl/db1.cnf --out drctl.yaml",
      "drctl init --server ~/.my.cnf --project shop --name db1",
    ],
    details: [
      "connects with the option file, reads the server's user databases with their sizes and engines, its",
      "binlog settings, its replication (source, registered replicas) and the account's privileges, and",
      "writes a commented spec that validates: one dataset with the server's databases, a dump below 5 GiB",
      "and a physical copy (mariadb-backup, xtrabackup) above, binlog archiving and tier gold when the",
      "server logs ROW binlogs, a weekly drill. Comments name what to review: TODO placeholders (project,",
      "repository path), tables that are not transactional (MyISAM, Aria: a dump copies them without a",
      "consistent snapshot), missing privileges with the GRANT to run, replicas to back up from",
    ].join(" "),
  },
  notify: {
    examples: ["drctl notify test"],
  },
  report: {
    examples: ["drctl report --out report.html", "drctl report --since 30d --controls soc2,nist --out q4.html"],
    details: [
      "the evidence report for the period, on its own: the verdict per dataset and for the project, each",
      "drill's measured RTO and RPO against the target over time and a calendar of backups, copies, drills",
      "and gaps (inline SVG, printable, no network), the controls with --controls. For a look between",
      "audits: no bundle, nothing journaled — `drctl evidence export` makes the tamper-evident bundle",
    ].join(" "),
  },
  "notify test": {
    examples: ["drctl notify test -f drctl.yaml"],
    details: [
      "sends one test message to each `notify:` target (a webhook's JSON with a Slack-compatible `text`, or",
      "an email through the SMTP server its settings file names), three attempts each; every delivery is",
      "journaled. Exit 0 when all were delivered, 1 otherwise. After every job drctl sends what changed:",
      "a job that failed or succeeded again, a dataset turned AT RISK or BREACHED or OK again, a binlog gap —",
      "one message per job run and target, again after the target's reminder interval (24h) while it stays",
      "bad; a delivery that fails is kept for the next message and never changes the job's exit code",
    ].join(" "),
  },
  evidence: {
    examples: ["drctl evidence export --out evidence-2026q4"],
  },
  "evidence export": {
    examples: ["drctl evidence export --since 90d --out evidence-2026q4"],
    details: [
      "the auditor's bundle (see [concepts: evidence](concepts.md#evidence)): `evidence.json`",
      "(`schemas/evidence.schema.json`), `report.md` and `report.html`, `runbook/`, `spec.yaml`,",
      "`journal.jsonl` (the period's records) — written beside DIR and renamed into place; refused (exit 5)",
      "when the live journal fails its chain check. Prints the chain head to keep",
    ].join(" "),
  },
  "evidence verify": {
    examples: [
      "drctl evidence verify evidence-2026q4",
      "drctl evidence verify evidence-2027q1 --expect-head 412:9f86d081884c7d65…",
    ],
    details: [
      "recomputes the copy's chain, every file's sha256 and the report from the journal copy; with a head",
      "kept from an earlier export, also a journal rewritten and fully re-hashed since. Exit 0, or 5 naming",
      "each problem (the record, the file)",
    ].join(" "),
  },
  runbook: {
    examples: ["drctl runbook --out runbooks/", "drctl runbook wiki --out /srv/dr/runbooks"],
    details: [
      "the DR runbook per dataset (Markdown + HTML): where the data, backups and copies are, the exact",
      "commands for a dropped table, a bad UPDATE, a lost server, a lost site (names quoted for the shell),",
      "the targets and the last drill's figures. Also in every evidence bundle",
    ].join(" "),
  },
  sandbox: {
    examples: ["drctl sandbox up --binlog --name demo"],
  },
  "sandbox up": {
    examples: [
      "drctl sandbox up --binlog --name demo",
      "drctl sandbox up --replica-of demo --name demo-replica",
      "drctl sandbox up --json",
    ],
    details: [
      "a throwaway MariaDB on a fresh datadir, a free loopback port and its own socket; prints a ready-made",
      "0600 option file. `--replica-of NAME` starts a replica of that sandbox (which needs `--binlog`):",
      "GTID replication from the start of its binlogs, read_only, log_slave_updates and gtid_strict_mode",
      "on, a server_id of its own; `drctl sandbox down` of the source leaves the replica to be stopped too",
    ].join(" "),
  },
  "sandbox down": {
    examples: ["drctl sandbox down --name demo", "drctl sandbox down --all"],
    details: ["stop a sandbox and remove its files"].join(" "),
  },
  "sandbox list": {
    examples: ["drctl sandbox list --json"],
    details: ["the sandboxes this account started, with their ports and sockets"].join(" "),
  },
};
