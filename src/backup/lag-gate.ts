// The lag gate of `backupFrom: { server, maxLag, fallback }` (issue 16 §3): before a backup is taken
// on a replica, how far it is behind its source — Seconds_Behind_Master while both threads run;
// with replication stopped the lag is unknown (a stopped replica's data only grows older), and the
// transactions it has not applied are counted from the GTID positions.

import type { RowDataPacket } from "mysql2/promise";
import { connectServer } from "../adapters/mysql/connect.js";
import { transactionsBehind } from "../core/topology.js";
import { messageOf } from "../errors.js";
import type { Server } from "../spec/types.generated.js";

export interface ReplicaLag {
  /** Seconds behind its source, when replication runs and says; undefined: unknown. */
  seconds?: number;
  /** Why the lag is unknown, or what else a person should know ("12 transaction(s) behind db1"). */
  detail: string;
}

async function binlogPos(server: Server): Promise<string | undefined> {
  const conn = await connectServer(server);
  try {
    const [rows] = await conn.query<RowDataPacket[]>("SELECT @@GLOBAL.gtid_binlog_pos AS v");
    return rows[0]?.v === null || rows[0]?.v === undefined ? undefined : String(rows[0].v);
  } finally {
    await conn.end().catch(() => {});
  }
}

export async function replicaLag(
  replica: Server,
  replicaName: string,
  source: Server,
  sourceName: string,
): Promise<ReplicaLag> {
  const conn = await connectServer(replica);
  let status: RowDataPacket | undefined;
  let appliedPos: string | undefined;
  try {
    status = (await conn.query<RowDataPacket[]>("SHOW SLAVE STATUS"))[0][0];
    appliedPos = (await conn.query<RowDataPacket[]>("SELECT @@GLOBAL.gtid_slave_pos AS p"))[0][0]?.p as string;
  } finally {
    await conn.end().catch(() => {});
  }
  if (!status) return { detail: `${replicaName} is not a replica` };
  const sourcePos = await binlogPos(source).catch((e) => {
    throw new Error(`cannot ask ${sourceName} how far ${replicaName} is behind: ${messageOf(e)}`);
  });
  const count =
    sourcePos !== undefined && appliedPos !== undefined ? transactionsBehind(sourcePos, appliedPos) : undefined;
  const txns = count === undefined ? "" : `${count} transaction(s) behind ${sourceName}`;
  const io = status.Slave_IO_Running === "Yes";
  const sql = status.Slave_SQL_Running === "Yes";
  if (!io || !sql) {
    const err = [status.Last_IO_Error, status.Last_SQL_Error].filter(Boolean).join("; ");
    return {
      detail:
        `replication stopped (IO ${io ? "running" : "stopped"}, SQL ${sql ? "running" : "stopped"})` +
        `${err ? `: ${String(err)}` : ""}${txns ? `; ${txns}` : ""}`,
    };
  }
  const seconds = status.Seconds_Behind_Master;
  if (seconds === null || seconds === undefined)
    return { detail: `Seconds_Behind_Master unknown${txns ? `; ${txns}` : ""}` };
  return { seconds: Number(seconds), detail: txns };
}
