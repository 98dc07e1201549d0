// After tsc: the executable, dist/cli.js, becomes one esbuild bundle (its commands split into lazily
// loaded chunks under dist/chunks/). Node 20 pays ~2 ms for each ES module it resolves and links and
// `yaml` alone is ~70 files, so an unbundled `drctl validate` cost 2.15× a bare node start; bundled,
// start-up is what the command's own code costs (bench/startup.mjs). The modules tsc emitted stay
// beside it for the tests and benches that import them. The heavy packages only some commands need
// (mysql2, ink/react, ajv for evidence, ssh2 with its optional native parts, the AWS SDK) stay external: loaded from
// node_modules when those run.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${root}/dist/chunks`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: "src/cli.ts" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  external: ["mysql2", "ink", "react", "ajv", "ajv-formats", "ssh2", "@aws-sdk/*"],
  // bundled CommonJS (yaml, commander) calls require() for node's built-in modules
  banner: {
    js:
      'import { createRequire as __drctlRequire } from "node:module"; const require = ' +
      "__drctlRequire(import.meta.url);",
  },
});
