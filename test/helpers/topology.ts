// Helpers for tests on a replication topology (src/adapters/sandbox/replication.ts).
import type { Sandbox } from "../../src/adapters/sandbox/mariadb-sandbox.js";

/** The spec's `db2` server, a replica of `db1`, for writeSpecFile's extraServers. */
export function replicaServerYaml(replica: Sandbox): string {
  return [
    "  db2:",
    "    host: 127.0.0.1",
    `    port: ${replica.port}`,
    `    credentials: ${JSON.stringify(replica.clientOptionFile)}`,
    "    replicaOf: db1",
    "",
  ].join("\n");
}

/** Runs SQL (several statements allowed) as root on a member of the topology. */
export async function runAs(member: Sandbox, sql: string): Promise<void> {
  const c = await member.connectRoot();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
