// Where commands print. Only src/cli writes to the terminal; commands get this passed in.

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** stdout text exactly as given, newlines included (a big answer printed in pieces). */
  outText?(text: string): void;
  /** A person at a terminal: stdout and stdin are TTYs and not CI. Only then is a TUI drawn. */
  interactive: boolean;
  /** Ask the person at the terminal; only called when interactive. */
  ask?(question: string): Promise<string>;
}

/** CI as Ink (is-in-ci) sees it: CI or CONTINUOUS_INTEGRATION set to anything but 0 or false. */
function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const set = (k: string) => k in env && env[k] !== "0" && env[k] !== "false";
  return set("CI") || set("CONTINUOUS_INTEGRATION");
}

/**
 * A reader that went away (`drctl backup … | head -1`, a closed cron mail pipe) must never change
 * what drctl does or its outcome: EPIPE on stdout/stderr is remembered and later lines to that
 * stream are dropped, instead of an uncaught 'error' event killing the run half-way.
 */
const closed = { out: false, err: false };
export function tolerateClosedOutput(): void {
  const watch = (stream: NodeJS.WriteStream, which: "out" | "err") =>
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") closed[which] = true;
      else throw e;
    });
  watch(process.stdout, "out");
  watch(process.stderr, "err");
}

/**
 * stdout on a pipe is written synchronously, as it already is on a terminal or to a file. libuv queues
 * a pipe's writes and hands them over one 64 KB pipe-full per event-loop turn: a fleet's `plan --json`
 * (6 MB) took 70-100 ms more to leave than to write, and would be cut short by anything that ended the
 * process early. stderr stays asynchronous: a long job's progress lines must never stall the job.
 */
export function writeStdoutThrough(): void {
  const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (on: boolean) => unknown } })._handle;
  if (process.stdout.isTTY !== true) handle?.setBlocking?.(true);
}

const utf8 = new TextEncoder();

function writeLine(stream: NodeJS.WriteStream, which: "out" | "err", line: string): void {
  writeText(stream, which, `${line}\n`);
}

function writeText(stream: NodeJS.WriteStream, which: "out" | "err", text: string): void {
  if (closed[which] || stream.destroyed) return;
  try {
    // a big answer (plan --json of a fleet: 6 MB) encodes 3x faster with TextEncoder than with the
    // Buffer.from that write() would use
    stream.write(text.length > 65536 ? utf8.encode(text) : text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EPIPE") closed[which] = true;
    else throw e;
  }
}

/** Pieces of stdout text, each carrying its own newlines, without joining them (or one line where an Io cannot). */
export function printPieces(io: Io, pieces: Iterable<string>): void {
  if (io.outText) for (const p of pieces) io.outText(p);
  else io.out([...pieces].join("").replace(/\n$/, ""));
}

export const processIo: Io = {
  out: (line) => writeLine(process.stdout, "out", line),
  outText: (text) => writeText(process.stdout, "out", text),
  err: (line) => writeLine(process.stderr, "err", line),
  interactive: process.stdout.isTTY === true && process.stdin.isTTY === true && !inCi(),
  async ask(question) {
    const { createInterface } = await import("node:readline/promises");
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
};
