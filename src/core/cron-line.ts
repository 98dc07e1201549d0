// One crontab line for a drctl job, and the managed block that holds them. Lines are built from
// argv with every word single-quoted for /bin/sh and every % escaped for cron (DESIGN §8 rule 6),
// so no project, dataset or path can break out of its word.

import { must } from "../errors.js";

export interface CronLineParts {
  schedule: string;
  /** cron.d files name the user; a user's crontab does not. */
  user?: string | undefined;
  flock: string;
  lockFile: string;
  argv: string[];
  logFile: string;
}

/**
 * Quote one word for /bin/sh, then for cron: Debian's cron turns an unescaped % into a newline
 * and reads `\%` as % and `\\` as \ (checked against the real daemon), so both are escaped.
 */
export function shellWord(word: string): string {
  // a word of these characters needs no quoting, and holds no \ or % to escape for cron
  if (/^[A-Za-z0-9_./:=@+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`.replace(/[\\%]/g, (c) => `\\${c}`);
}

/**
 * What cron hands to /bin/sh for a line's command: `\%` → %, `\\` → \, and an unescaped %
 * ends the command (what follows is the job's stdin, % read as newlines). Used to run lines the
 * way cron does.
 */
export function cronUnescape(field: string): { command: string; stdin?: string } {
  let out = "";
  for (let i = 0; i < field.length; i++) {
    const c = must(field[i]);
    if (c === "\\" && (field[i + 1] === "%" || field[i + 1] === "\\")) {
      out += field[++i];
    } else if (c === "%") {
      return { command: out, stdin: field.slice(i + 1).replace(/%/g, "\n") };
    } else {
      out += c;
    }
  }
  return { command: out };
}

export function renderCronLine(p: CronLineParts): string {
  if (/[\r\n]/.test(p.argv.join("") + p.lockFile + p.logFile)) throw new Error("a cron job word holds a newline");
  // -n: a run still going when the next is due makes the next one skip, never overlap (exit 75 in the log)
  const words = [p.flock, "-n", "-E", "75", p.lockFile, ...p.argv].map(shellWord);
  return [p.schedule, ...(p.user ? [p.user] : []), ...words, ">>", shellWord(p.logFile), "2>&1"].join(" ");
}

export const blockBegin = (project: string) => `# BEGIN drctl ${project}`;
export const blockEnd = (project: string) => `# END drctl ${project}`;
export const MARKER = "# drctl:";

/** The managed block's inner lines: a marker comment naming each job's address, then its line. */
export function renderBlock(jobs: { address: string; line: string }[]): string[] {
  const lines = ["# Managed by drctl: `drctl apply` rewrites everything between BEGIN and END."];
  for (const j of [...jobs].sort((a, b) => a.address.localeCompare(b.address)))
    lines.push(`${MARKER}${j.address}`, j.line);
  return lines;
}

/** Read a managed block back: address → line, plus lines drctl did not write. */
export function parseBlock(lines: string[]): { jobs: Map<string, string>; foreign: string[] } {
  const jobs = new Map<string, string>();
  const foreign: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = must(lines[i]);
    if (l.startsWith(MARKER) && i + 1 < lines.length) {
      jobs.set(l.slice(MARKER.length).trim(), must(lines[++i]));
    } else if (l.trim() !== "" && !l.startsWith("# Managed by drctl")) {
      foreign.push(l);
    }
  }
  return { jobs, foreign };
}

/** Split a crontab text into what is before, inside and after the project's block. */
export function splitCrontab(
  text: string,
  project: string,
): { before: string[]; block: string[] | null; after: string[] } {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const b = lines.indexOf(blockBegin(project));
  const e = b < 0 ? -1 : lines.indexOf(blockEnd(project), b + 1);
  if (b < 0 || e < 0) return { before: lines, block: null, after: [] };
  return { before: lines.slice(0, b), block: lines.slice(b + 1, e), after: lines.slice(e + 1) };
}

/**
 * The crontab text with the project's block replaced by `inner` (appended when there is none,
 * removed when `inner` is empty). Every byte outside the block stays as it was.
 */
export function replaceBlock(text: string, project: string, inner: string[]): string {
  const begin = blockBegin(project);
  const end = blockEnd(project);
  const block = inner.length ? `${[begin, ...inner, end].join("\n")}\n` : "";
  let offset = 0;
  let blockStart = -1;
  while (offset <= text.length) {
    const nl = text.indexOf("\n", offset);
    const lineEnd = nl < 0 ? text.length : nl + 1;
    const line = text.slice(offset, nl < 0 ? text.length : nl);
    if (blockStart < 0 && line === begin) blockStart = offset;
    else if (blockStart >= 0 && line === end) return text.slice(0, blockStart) + block + text.slice(lineEnd);
    if (nl < 0) break;
    offset = lineEnd;
  }
  if (!block) return text;
  return (text === "" || text.endsWith("\n") ? text : `${text}\n`) + block;
}
