// After tsc: make the bin executable (npm link/npx do this on install; a plain build must too).
import { chmodSync } from "node:fs";
chmodSync(new URL("../dist/cli.js", import.meta.url), 0o755);
