// MySQL/MariaDB option files: the only place drctl keeps passwords (0600). Rendering quotes values
// the way the server's own parser (mysys my_default.c) unquotes them; parsing lets mysql2, which
// cannot read option files, connect with exactly what the mariadb client would use.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { DrError, must } from "../../errors.js";

/** Quote an option value so the server's parser reads back exactly `value`. */
export function quoteOptionValue(value: string): string {
  if (/^[A-Za-z0-9_./:@+,=-]+$/.test(value)) return value;
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t");
  return `"${escaped}"`;
}

export type OptionGroups = Map<string, Map<string, string>>;

export function renderOptionFile(
  groups: Record<string, Record<string, string | number | true>>,
  header?: string,
): string {
  const lines: string[] = [];
  if (header) lines.push(...header.split("\n").map((l) => `# ${l}`));
  for (const [group, opts] of Object.entries(groups)) {
    lines.push(`[${group}]`);
    for (const [k, v] of Object.entries(opts)) lines.push(v === true ? k : `${k}=${quoteOptionValue(String(v))}`);
  }
  return `${lines.join("\n")}\n`;
}

function unquote(raw: string): string {
  let v = raw.trim();
  let quoted = false;
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    v = v.slice(1, -1);
    quoted = true;
  }
  let out = "";
  for (let i = 0; i < v.length; i++) {
    const c = must(v[i]);
    if (c === "\\" && i < v.length - 1) {
      const n = must(v[++i]);
      const map: Record<string, string> = {
        n: "\n",
        t: "\t",
        r: "\r",
        b: "\b",
        s: " ",
        '"': '"',
        "'": "'",
        "\\": "\\",
      };
      out += map[n] ?? `\\${n}`;
    } else {
      out += c;
    }
  }
  return quoted ? out : out.trimEnd();
}

/** Drop a trailing `# comment` that is not inside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = must(line[i]);
    if (c === "\\") {
      i++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "#") {
      return line.slice(0, i);
    }
  }
  return line;
}

export function parseOptionFile(path: string, into: OptionGroups = new Map(), depth = 0): OptionGroups {
  if (depth > 10) throw new DrError("invalid", `option file ${path}: !include nests too deep`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DrError(
      "invalid",
      `cannot read option file ${path}: ` +
        `${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(code)}`,
    );
  }
  let group: Map<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    if (line.startsWith("!include ") || line.startsWith("!includedir ")) {
      const [directive, ...rest] = line.split(/\s+/);
      const target = rest.join(" ");
      const abs = isAbsolute(target) ? target : resolve(dirname(path), target);
      if (directive === "!include") parseOptionFile(abs, into, depth + 1);
      else {
        for (const f of readdirSync(abs)
          .filter((n) => n.endsWith(".cnf"))
          .sort()) {
          if (statSync(join(abs, f)).isFile()) parseOptionFile(join(abs, f), into, depth + 1);
        }
      }
      continue;
    }
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      const name = must(header[1]).trim().toLowerCase();
      group = into.get(name) ?? new Map();
      into.set(name, group);
      continue;
    }
    if (!group) continue;
    const body = stripComment(line);
    const eq = body.indexOf("=");
    const key = (eq < 0 ? body : body.slice(0, eq)).trim().replace(/_/g, "-").toLowerCase();
    group.set(key, eq < 0 ? "" : unquote(body.slice(eq + 1)));
  }
  return into;
}

export interface ClientOptions {
  user?: string;
  password?: string;
  host?: string;
  port?: number;
  socket?: string;
}

/** What a client reads from [client] then [client-server]/[client-mariadb] (later groups win). */
export function clientOptions(path: string): ClientOptions {
  const groups = parseOptionFile(path);
  const merged = new Map<string, string>();
  for (const g of ["client", "client-server", "client-mariadb"])
    for (const [k, v] of groups.get(g) ?? []) merged.set(k, v);
  const out: ClientOptions = {};
  if (merged.has("user")) out.user = must(merged.get("user"));
  if (merged.has("password")) out.password = must(merged.get("password"));
  if (merged.has("host")) out.host = must(merged.get("host"));
  if (merged.has("socket")) out.socket = must(merged.get("socket"));
  if (merged.has("port")) {
    const port = Number(merged.get("port"));
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new DrError("invalid", `option file ${path}: port ${merged.get("port")} is not a TCP port`);
    out.port = port;
  }
  return out;
}
