// After the bundle: renders `drctl [COMMAND…] --help` for every command with the parser itself and
// stores it in dist/cli/help.json, which the executable answers help requests from (src/cli.ts).
import { writeFileSync } from "node:fs";

const { helpPages } = await import("../dist/cli/main.js");
writeFileSync(new URL("../dist/cli/help.json", import.meta.url), `${JSON.stringify(await helpPages())}\n`);
