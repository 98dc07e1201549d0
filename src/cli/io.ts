// Where commands print. Only src/cli writes to the terminal; commands get this passed in.

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** A person at a terminal: stdout and stdin are TTYs and not CI. Only then is a TUI drawn. */
  interactive: boolean;
  /** Ask the person at the terminal; only called when interactive. */
  ask?(question: string): Promise<string>;
}

/** CI as Ink (is-in-ci) sees it: CI or CONTINUOUS_INTEGRATION set to anything but 0 or false. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const set = (k: string) => k in env && env[k] !== "0" && env[k] !== "false";
  return set("CI") || set("CONTINUOUS_INTEGRATION");
}

export const processIo: Io = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
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
