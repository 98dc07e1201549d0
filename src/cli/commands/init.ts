// drctl init --server OPTIONFILE [--out FILE]: a first spec from a live server.

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { writeFileAtomic } from "../../adapters/fs/atomic-write.js";
import { DrError } from "../../errors.js";
import { readInitFacts, writeInitSpec } from "../../init/init.js";
import { EXIT } from "../exit-codes.js";
import type { Io } from "../io.js";

export interface InitFlags {
  server: string;
  out?: string;
  project: string;
  name: string;
  repository?: string;
  state?: string;
  cronFile?: string;
  force: boolean;
}

export async function initCommand(flags: InitFlags, io: Io): Promise<number> {
  for (const [flag, v] of [
    ["--project", flags.project],
    ["--name", flags.name],
  ] as const)
    if (!/^[a-z0-9][a-z0-9_-]{0,47}$/.test(v))
      throw new DrError("invalid", `${flag} ${JSON.stringify(v)}: lowercase letters, digits, '_' and '-' only`);
  const out = flags.out === undefined ? undefined : resolve(flags.out);
  if (out && existsSync(out) && !flags.force)
    throw new DrError("invalid", `${out} exists: init never overwrites a spec`, { hint: "--force to replace it" });
  const facts = await readInitFacts(resolve(flags.server));
  const text = writeInitSpec(
    facts,
    {
      project: flags.project,
      server: flags.name,
      repository: resolve(flags.repository ?? `/var/backups/drctl/${flags.project}`),
      state: resolve(flags.state ?? `/var/lib/drctl/${flags.project}`),
      cronFile: resolve(flags.cronFile ?? `/etc/cron.d/drctl-${flags.project}`),
      generatedAt: new Date(),
    },
    out ?? "drctl.yaml",
  );
  if (!out) {
    io.out(text.trimEnd());
    return EXIT.ok;
  }
  await writeFileAtomic(out, text, { mode: 0o644 });
  io.err(
    `wrote ${out}: ${facts.databases.length} database(s) in dataset ${flags.name}; read its TODO comments, then ` +
      `drctl plan -f ${out}`,
  );
  return EXIT.ok;
}
