// The command line: parses argv, runs one command, maps every failure to DESIGN §7's exit codes.
// A DrError is the user's to act on (message + hint); anything else is a bug and says so, without
// a stack trace unless DRCTL_DEBUG is set. Commands are imported when run, so `validate` does not
// pay for loading mysql2 and friends.

import { Command, CommanderError, Option } from "commander";
import { type Diagnostic, DrError, formatDiagnostic } from "../errors.js";
import { storageCause } from "../adapters/fs/space.js";
import { parseInstant } from "../core/instant.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { processIo, type Io } from "./io.js";
import { VERSION } from "./version.js";
import { COMMAND_DOCS } from "./command-docs.js";
import type { PlanFlags } from "./commands/plan.js";
import type { SandboxUpFlags } from "./commands/sandbox.js";

const DEFAULT_SPEC = "./drctl.yaml";

function specOption(): Option {
  return new Option("-f, --file <FILE>", "the DR spec").default(DEFAULT_SPEC);
}

/** "a,b\\,c" → ["a", "b,c"]: a list flag whose items may hold a comma. */
export function splitList(v: string): string[] {
  return v.split(/(?<!\\),/).map((x) => x.replaceAll("\\,", ","));
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > 65535)
    throw new DrError("invalid", `--port ${v}: expected a TCP port (1-65535)`);
  return n;
}

function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("drctl")
    .description("Declarative disaster recovery for MySQL and MariaDB")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showSuggestionAfterError(true)
    // one width everywhere: the help the build renders ahead (cli.ts answers --help from it) is the same
    .configureHelp({ helpWidth: 80 });

  program
    .command("validate")
    .description("check a spec: YAML, schema and semantic rules, all problems at once")
    .argument("[FILE]", "the DR spec (same as -f)")
    .addOption(specOption())
    .action(async (file: string | undefined, opts: { file: string }) => {
      const { validateCommand } = await import("./commands/validate.js");
      setCode(await validateCommand(file ?? opts.file, io));
    });

  program
    .command("plan")
    .description("discover the live state, diff it against the spec, prove RPO/RTO")
    .addOption(specOption())
    .option("-o, --out <FILE>", "save the plan for `drctl apply FILE` (Terraform's -out=FILE works too)")
    .option("--json", "print the plan as JSON (schemas/plan.schema.json)", false)
    .option("--detailed-exitcode", "exit 2 when the plan has changes, 0 when none", false)
    .option("--no-tui", "plain text even on a terminal")
    .addOption(new Option("--observed <FILE>", "use a recorded observed state instead of live discovery").hideHelp())
    .action(async (opts: PlanFlags) => {
      const { planCommand } = await import("./commands/plan.js");
      setCode(await planCommand(opts, io));
    });

  program
    .command("apply")
    .description("make the live world match the spec (or carry out a saved plan)")
    .argument("[PLANFILE]", "a plan saved by `drctl plan -out`")
    .addOption(specOption())
    .option("--auto-approve", "do not ask for confirmation (required when not on a terminal)", false)
    .option("--lock-timeout <DURATION>", "wait this long for another apply to finish", "0s")
    .option("--allow-errors", "apply although the plan has error findings (refused by default)", false)
    .action(
      async (
        planFile: string | undefined,
        opts: { file: string; autoApprove: boolean; lockTimeout: string; allowErrors: boolean },
        cmd: Command,
      ) => {
        const { applyCommand } = await import("./commands/apply.js");
        setCode(
          await applyCommand(
            { ...opts, fileGiven: cmd.getOptionValueSource("file") === "cli", ...(planFile ? { planFile } : {}) },
            io,
          ),
        );
      },
    );

  // the commands the cron jobs run; each journals its run (see commands/job.ts)
  program
    .command("backup")
    .description("take a backup of a dataset (what the cron jobs run)")
    .argument("<DATASET>")
    .addOption(specOption())
    .addOption(new Option("--kind <KIND>", "full or incremental").choices(["full", "incremental"]).default("full"))
    .option("--lock-timeout <DURATION>", "wait this long for another backup of the dataset", "1h")
    .action(async (ds: string, opts: { file: string; kind: "full" | "incremental"; lockTimeout: string }) => {
      const [{ runJob }, { backupWork }] = await Promise.all([
        import("./commands/job.js"),
        import("./commands/backup.js"),
      ]);
      const words = ["backup", "-f", opts.file, ds, "--kind", opts.kind];
      setCode(
        await runJob({ specFile: opts.file, command: "backup", subject: ds, argv: words }, io, (spec) =>
          backupWork(spec, { dataset: ds, kind: opts.kind, lockTimeout: opts.lockTimeout }, io),
        ),
      );
    });
  program
    .command("backups")
    .description("list the backup sets in the catalog")
    .argument("[DATASET]")
    .addOption(specOption())
    .option("--json", "as JSON", false)
    .option("--repository <NAME>", "list what this repository holds (an offsite copy), read from it")
    .action(async (ds: string | undefined, opts: { file: string; json: boolean; repository?: string }) => {
      const { backupsCommand } = await import("./commands/backup.js");
      setCode(await backupsCommand({ ...opts, ...(ds ? { dataset: ds } : {}) }, io));
    });
  program
    .command("verify")
    .description("check stored sets against their manifests (sizes, sha256) without restoring")
    .argument("[SET...]", "set ids (default: every set)")
    .addOption(specOption())
    .option("--deep", "also decrypt and decompress every file", false)
    .option("--repository <NAME>", "check the sets this repository holds (an offsite copy), read back from it")
    .action(async (ids: string[], opts: { file: string; deep: boolean; repository?: string }) => {
      const [{ runJob }, { verifyWork }] = await Promise.all([
        import("./commands/job.js"),
        import("./commands/backup.js"),
      ]);
      const words = [
        "verify",
        "-f",
        opts.file,
        ...(opts.deep ? ["--deep"] : []),
        ...(opts.repository !== undefined ? ["--repository", opts.repository] : []),
        ...ids,
      ];
      const subject = [opts.repository !== undefined ? `repository ${opts.repository}` : "", ids.join(" ") || "all"];
      setCode(
        await runJob(
          { specFile: opts.file, command: "verify", subject: subject.filter(Boolean).join(": "), argv: words },
          io,
          (spec) =>
            verifyWork(spec, { ids, deep: opts.deep, ...(opts.repository ? { repository: opts.repository } : {}) }, io),
        ),
      );
    });
  program
    .command("restore")
    .description("restore a dataset into a throwaway sandbox, to a time or the newest archived point")
    .argument("<DATASET>")
    .addOption(specOption())
    .requiredOption(
      "--to <TIME>",
      "ISO time, UTC unless a zone is given (2026-11-25T14:03:00Z, 2026-11-25 15:03+01:00), or latest",
    )
    .option(
      "--before <REGEX>",
      "stop just before the first transaction after the backup whose statement matches (e.g. 'DROP TABLE grades')",
    )
    .option(
      "--skip <REGEX>",
      "leave out the first transaction after the backup whose statement matches, replay the rest to --to",
    )
    .option("--force", "with --skip: go on although later transactions change rows the skipped one touched", false)
    .option("--target <SERVER>", "sandbox (default), or a server of the spec to copy --tables into", "sandbox")
    .option(
      "--tables <LIST>",
      "db.table[,db.table…] (a comma in a name: \\,): bring these back into --target",
      (v: string, prev: string[] = []) => [...prev, ...splitList(v)],
    )
    .option("--rename <OLD=NEW...>", "give a restored table a new name on the target (nothing there is overwritten)")
    .option(
      "--reseed-replicas",
      "with --target SOURCE: then rebuild each of its replicas from a fresh dump and restart replication at its GTID",
      false,
    )
    .option("--yes", "confirm writing to a live server (off a terminal it is required)", false)
    .option("--from <REPO>", "restore from this copy of the dataset (when its primary repository is gone)")
    .option("--keep", "leave the sandbox running and print how to connect", false)
    .option(
      "--lock-timeout <DURATION>",
      "wait this long for a prune or drill of the dataset (they hold its sets)",
      "1h",
    )
    .action(
      async (
        ds: string,
        opts: {
          file: string;
          to: string;
          keep: boolean;
          before?: string;
          skip?: string;
          force: boolean;
          target: string;
          tables?: string[];
          rename?: string[];
          reseedReplicas: boolean;
          yes: boolean;
          lockTimeout: string;
          from?: string;
        },
      ) => {
        const [{ runJob }, { restoreWork }] = await Promise.all([
          import("./commands/job.js"),
          import("./commands/restore.js"),
        ]);
        const words = [
          "restore",
          "-f",
          opts.file,
          ds,
          "--to",
          opts.to,
          ...(opts.before !== undefined ? ["--before", opts.before] : []),
          ...(opts.skip !== undefined ? ["--skip", opts.skip] : []),
          ...(opts.force ? ["--force"] : []),
          ...(opts.target !== "sandbox" ? ["--target", opts.target] : []),
          ...(opts.tables ? ["--tables", opts.tables.join(",")] : []),
          ...(opts.rename ?? []).flatMap((r) => ["--rename", r]),
          ...(opts.reseedReplicas ? ["--reseed-replicas"] : []),
          ...(opts.keep ? ["--keep"] : []),
          ...(opts.from !== undefined ? ["--from", opts.from] : []),
        ];
        setCode(
          await runJob({ specFile: opts.file, command: "restore", subject: ds, argv: words }, io, (spec) =>
            restoreWork(spec, ds, opts, io),
          ),
        );
      },
    );
  program
    .command("binlog")
    .description("binary log archiving")
    .command("archive")
    .description("copy a server's closed binlogs into the repository (what the cron jobs run)")
    .argument("<SERVER>")
    .addOption(specOption())
    .action(async (server: string, opts: { file: string }) => {
      const [{ runJob }, { binlogArchiveWork }] = await Promise.all([
        import("./commands/job.js"),
        import("./commands/binlog.js"),
      ]);
      const words = ["binlog", "archive", "-f", opts.file, server];
      setCode(
        await runJob({ specFile: opts.file, command: "binlog archive", subject: server, argv: words }, io, (spec) =>
          binlogArchiveWork(spec, server, io),
        ),
      );
    });
  program
    .command("copy")
    .description("copy datasets' sets and archived binlogs to their offsite repositories (what the cron jobs run)")
    .argument("[DATASET]", "one dataset (default: every dataset with copies)")
    .addOption(specOption())
    .option("--to <REPO>", "only this one of the dataset's copies")
    .option("--lock-timeout <DURATION>", "wait this long for a prune or drill of the dataset", "1h")
    .action(async (ds: string | undefined, opts: { file: string; to?: string; lockTimeout: string }) => {
      const [{ runJob }, { copyWork }] = await Promise.all([import("./commands/job.js"), import("./commands/copy.js")]);
      const words = [
        "copy",
        "-f",
        opts.file,
        ...(ds !== undefined ? [ds] : []),
        ...(opts.to !== undefined ? ["--to", opts.to] : []),
      ];
      setCode(
        await runJob({ specFile: opts.file, command: "copy", subject: ds ?? "all", argv: words }, io, (spec) =>
          copyWork(spec, { ...(ds !== undefined ? { dataset: ds } : {}), ...opts }, io),
        ),
      );
    });
  program
    .command("prune")
    .description("apply a dataset's retention policy: in its repository, then at each of its copies")
    .argument("<DATASET>")
    .addOption(specOption())
    .option("--dry-run", "show what would be removed", false)
    .option("--repository <NAME>", "only this repository (one of the dataset's copies, by its own retention)")
    .addOption(new Option("--now <ISO>", "evaluate the policy as of this time (tests, what-if)").hideHelp())
    .action(async (ds: string, opts: { file: string; dryRun: boolean; now?: string; repository?: string }) => {
      const [{ runJob }, { pruneWork }] = await Promise.all([
        import("./commands/job.js"),
        import("./commands/prune.js"),
      ]);
      const now = opts.now === undefined ? undefined : parseInstant(opts.now);
      if (opts.now !== undefined && !now)
        throw new DrError("invalid", `--now ${opts.now}: expected an ISO time such as 2026-11-25T04:00:00Z`);
      const words = [
        "prune",
        "-f",
        opts.file,
        ds,
        ...(opts.dryRun ? ["--dry-run"] : []),
        ...(opts.repository !== undefined ? ["--repository", opts.repository] : []),
      ];
      setCode(
        await runJob({ specFile: opts.file, command: "prune", subject: ds, argv: words }, io, (spec) =>
          pruneWork(
            spec,
            ds,
            {
              dryRun: opts.dryRun,
              ...(now ? { now } : {}),
              ...(opts.repository !== undefined ? { repository: opts.repository } : {}),
            },
            io,
          ),
        ),
      );
    });
  const drill = program.command("drill").description("restore drills: prove recoverability, measure RTO/RPO");
  drill
    .command("run")
    .description("run a drill: restore into a sandbox, verify, measure RTO/RPO")
    .argument("<DRILL>")
    .addOption(specOption())
    .option("--seed <TEXT>", "seed of a random restore point (a drill's record names the one it used, to re-run it)")
    .option("--lock-timeout <DURATION>", "wait this long for another drill or prune of the dataset", "1h")
    .action(async (name: string, opts: { file: string; seed?: string; lockTimeout: string }) => {
      const [{ runJob }, { drillWork }] = await Promise.all([
        import("./commands/job.js"),
        import("./commands/drill.js"),
      ]);
      const words = ["drill", "run", "-f", opts.file, name, ...(opts.seed !== undefined ? ["--seed", opts.seed] : [])];
      setCode(
        await runJob({ specFile: opts.file, command: "drill run", subject: name, argv: words }, io, (spec) =>
          drillWork(spec, name, opts, io),
        ),
      );
    });
  drill
    .command("verify")
    .description(
      "restore a dataset's newest full set to its own point and verify it (what apply's verification.<dataset> runs)",
    )
    .argument("<DATASET>")
    .addOption(specOption())
    .option("--lock-timeout <DURATION>", "wait this long for another drill or prune of the dataset", "1h")
    .action(async (ds: string, opts: { file: string; lockTimeout: string }) => {
      const [{ runJob }, { drillWork, verificationDrill }] = await Promise.all([
        import("./commands/job.js"),
        import("./commands/drill.js"),
      ]);
      const words = ["drill", "verify", "-f", opts.file, ds];
      setCode(
        await runJob({ specFile: opts.file, command: "drill verify", subject: ds, argv: words }, io, async (spec) =>
          drillWork(
            spec,
            `verification.${ds}`,
            { lockTimeout: opts.lockTimeout, definition: await verificationDrill(spec, ds) },
            io,
          ),
        ),
      );
    });
  drill
    .command("list")
    .description("list the spec's drills and their last result")
    .addOption(specOption())
    .option("--json", "as JSON", false)
    .action(async (opts: { file: string; json: boolean }) => {
      const { drillListCommand } = await import("./commands/drill.js");
      setCode(await drillListCommand(opts, io));
    });

  program
    .command("status")
    .description("per dataset: exposure, archive and drill state — OK, AT RISK or BREACHED (exit 0/6/7)")
    .argument("[DATASET]")
    .addOption(specOption())
    .option("--json", "as JSON", false)
    .option("--prometheus", "in the Prometheus text format (what the metrics file holds)", false)
    .option("--no-tui", "plain text even on a terminal")
    .addOption(new Option("--now <ISO>", "evaluate as of this time (tests, what-if)").hideHelp())
    .action(
      async (
        ds: string | undefined,
        opts: { file: string; json: boolean; prometheus: boolean; tui: boolean; now?: string },
      ) => {
        const { statusCommand } = await import("./commands/status.js");
        setCode(await statusCommand({ ...opts, ...(ds ? { dataset: ds } : {}) }, io));
      },
    );

  program
    .command("init")
    .description("write a first spec from a live server: its databases, sizes, engines, binlogs, replicas")
    .requiredOption("--server <OPTIONFILE>", "a client option file ([client] user, password, host/port or socket)")
    .option("--out <FILE>", "write the spec here (never over an existing file without --force); default stdout")
    .option("--project <NAME>", "the spec's project name", "main")
    .option("--name <NAME>", "the server's (and its dataset's) name in the spec", "db1")
    .option("--repository <DIR>", "the backup repository's path (default /var/backups/drctl/PROJECT)")
    .option("--state <DIR>", "drctl's state directory (default /var/lib/drctl/PROJECT)")
    .option("--cron-file <FILE>", "the cron.d file for the jobs (default /etc/cron.d/drctl-PROJECT)")
    .option("--force", "replace --out if it exists", false)
    .action(async (opts: import("./commands/init.js").InitFlags) => {
      const { initCommand } = await import("./commands/init.js");
      setCode(await initCommand(opts, io));
    });

  const notify = program.command("notify").description("the spec's notification targets (webhooks, email)");
  notify
    .command("test")
    .description("send a test message to each notify: target (exit 1 if one could not be reached)")
    .addOption(specOption())
    .action(async (opts: { file: string }) => {
      const { notifyTestCommand } = await import("./commands/notify.js");
      setCode(await notifyTestCommand(opts, io));
    });

  program
    .command("report")
    .description("write the evidence report alone (HTML, or Markdown for a .md name): verdicts, charts, controls")
    .addOption(specOption())
    .requiredOption("--out <FILE>", "where to write it (report.html, or report.md)")
    .option("--since <WHEN>", "the period: a duration back from now (90d) or an ISO time", "90d")
    .option("--controls <LIST>", "add the controls of these frameworks: soc2,iso27001,nist,dora")
    .addOption(new Option("--now <ISO>", "as of this time (tests)").hideHelp())
    .action(async (opts: { file: string; out: string; since: string; now?: string; controls?: string }) => {
      const { reportCommand } = await import("./commands/evidence.js");
      setCode(await reportCommand(opts, io));
    });

  const evidence = program
    .command("evidence")
    .description("audit evidence: export a tamper-evident bundle, verify one");
  evidence
    .command("export")
    .description("write the evidence bundle (evidence.json, report.md/.html, runbooks, the journal for the period)")
    .addOption(specOption())
    .requiredOption("--out <DIR>", "a new directory for the bundle")
    .option("--since <WHEN>", "the period: a duration back from now (90d) or an ISO time", "90d")
    .option(
      "--controls <LIST>",
      "add a section per control of these frameworks, met or not, from the evidence: soc2,iso27001,nist,dora",
    )
    .addOption(new Option("--now <ISO>", "as of this time (tests)").hideHelp())
    .action(async (opts: { file: string; out: string; since: string; now?: string; controls?: string }) => {
      const { evidenceExportCommand } = await import("./commands/evidence.js");
      setCode(await evidenceExportCommand(opts, io));
    });
  evidence
    .command("verify")
    .description("recompute a bundle's journal chain and file digests (exit 5 when anything was altered)")
    .argument("<DIR>")
    .option(
      "--expect-head <SEQ:SHA256>",
      "a chain head kept from an earlier export: detects a journal rewritten and re-hashed since",
    )
    .action(async (dir: string, opts: { expectHead?: string }) => {
      const { evidenceVerifyCommand } = await import("./commands/evidence.js");
      setCode(await evidenceVerifyCommand(dir, opts, io));
    });
  program
    .command("runbook")
    .description("write the disaster-recovery runbook of each dataset (Markdown and HTML)")
    .argument("[DATASET]")
    .addOption(specOption())
    .requiredOption("--out <DIR>", "where to write <dataset>.md and <dataset>.html")
    .action(async (ds: string | undefined, opts: { file: string; out: string }) => {
      const { runbookCommand } = await import("./commands/evidence.js");
      setCode(await runbookCommand({ ...opts, ...(ds ? { dataset: ds } : {}) }, io));
    });

  const sandbox = program
    .command("sandbox")
    .description("a throwaway MariaDB server on a temp datadir and a free loopback port");
  sandbox
    .command("up")
    .description("start a sandbox server and print how to connect")
    .option("--name <NAME>", "sandbox name", "default")
    .option("--binlog", "turn binary logging on (ROW)", false)
    .option("--port <N>", "TCP port (default: a free one)", parsePort)
    .option("--extra-config <FILE...>", "option files the server reads after drctl's settings")
    .option("--replica-of <NAME>", "a replica of that sandbox (GTID, read-only; its binlog must be on)")
    .option("--json", "print the connection details as JSON", false)
    .action(async (opts: SandboxUpFlags) => {
      const { sandboxUpCommand } = await import("./commands/sandbox.js");
      setCode(await sandboxUpCommand(opts, io));
    });
  sandbox
    .command("down")
    .description("stop a sandbox server and remove its files")
    .option("--name <NAME>", "sandbox name", "default")
    .option("--all", "every sandbox", false)
    .action(async (opts: { name: string; all: boolean }) => {
      const { sandboxDownCommand } = await import("./commands/sandbox.js");
      setCode(await sandboxDownCommand(opts, io));
    });
  sandbox
    .command("list")
    .description("list sandboxes")
    .option("--json", "as JSON", false)
    .action(async (opts: { json: boolean }) => {
      const { sandboxListCommand } = await import("./commands/sandbox.js");
      setCode(await sandboxListCommand(opts, io));
    });
  for (const [path, cmd] of commandsOf(program)) {
    const doc = COMMAND_DOCS[path.join(" ")];
    if (doc) cmd.addHelpText("after", `\nExamples:\n${doc.examples.map((e) => `  $ ${e}`).join("\n")}`);
  }
  return program;
}

/** Every command under `cmd` with its path (["drill", "run"]), depth first, in definition order. */
function* commandsOf(cmd: Command, path: string[] = []): Generator<[string[], Command]> {
  for (const sub of cmd.commands) {
    const p = [...path, sub.name()];
    yield [p, sub];
    yield* commandsOf(sub, p);
  }
}

/**
 * The command tree as defined, for the generated reference (scripts/docs.mjs, through dist/).
 * @public
 */
export function commandTree(): [string[], Command][] {
  const noIo: Io = { out: () => {}, err: () => {}, interactive: false };
  const program = buildProgram(noIo, () => {});
  return [[[], program], ...commandsOf(program)];
}

/**
 * What `drctl [COMMAND…] --help` writes to stdout, for the top level and every command: the build
 * stores it (dist/cli/help.json) so cli.ts can answer a help request without loading the parser.
 * @public (used by scripts/gen-help.mjs, through dist/)
 */
export async function helpPages(): Promise<Record<string, string[]>> {
  const pages: Record<string, string[]> = {};
  for (const [path] of commandTree()) {
    const lines: string[] = [];
    const code = await runCli([...path, "--help"], { out: (l) => lines.push(l), err: () => {}, interactive: false });
    if (code !== EXIT.ok) throw new Error(`drctl ${path.join(" ")} --help exited ${code}`);
    pages[path.join(" ")] = lines;
  }
  return pages;
}

export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  // Terraform spells it -out=FILE; commander only knows single-letter short flags
  const args = argv.flatMap((a) => (a === "-out" ? ["--out"] : a.startsWith("-out=") ? [`--out=${a.slice(5)}`] : [a]));
  try {
    await program.parseAsync(args, { from: "user" });
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
      return EXIT.ok;
    return EXIT.invalid; // commander already printed what was wrong
  }
  if (e instanceof DrError) {
    const diags = e.meta.diagnostics as Diagnostic[] | undefined;
    if (diags) for (const d of diags) io.err(formatDiagnostic(String(e.meta.file), d));
    io.err(`drctl: error: ${e.message}`);
    if (e.hint) io.err(`  hint: ${e.hint}`);
    return exitCodeFor(e.kind, e.meta.signal);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  // a full disk or a read-only mount met somewhere no stage expected it is still the disk, not a bug
  const storage = storageCause(e);
  if (storage) {
    io.err(`drctl: error: ${storage}: ${err.message}`);
    io.err("  hint: free space or fix the mount, then run it again; nothing half-written was kept");
    return EXIT.failed;
  }
  io.err(`drctl: internal error (this is a bug in drctl): ${err.message}`);
  if (process.env.DRCTL_DEBUG) io.err(err.stack ?? "");
  else io.err("  set DRCTL_DEBUG=1 for a stack trace, and please report it");
  return EXIT.failed;
}
