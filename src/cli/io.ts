// Where commands print. Only src/cli writes to the terminal; commands get this passed in.

export interface Io {
  out(line: string): void;
  err(line: string): void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
  isTTY: process.stdout.isTTY === true && !process.env.CI,
};
