// Errant transactions from GTID positions alone (core/topology.ts).
import { describe, expect, it } from "vitest";
import { errantTransactions, transactionsBehind } from "../../src/core/topology.js";

const at = (binlogPos: string, slavePos: string, sourceBinlogPos: string, serverId = 2) =>
  errantTransactions({ binlogPos, slavePos, sourceBinlogPos, serverId });

describe("errantTransactions", () => {
  it("a replica that only applied the source's changes has none, caught up or behind", () => {
    expect(at("0-1-10", "0-1-10", "0-1-10")).toEqual([]);
    expect(at("0-1-7", "0-1-7", "0-1-10")).toEqual([]);
    expect(at("", "", "0-1-10")).toEqual([]); // nothing replicated yet
  });
  it("a write on the replica is named: its own GTID past what it applied", () => {
    expect(at("0-2-11", "0-1-10", "0-1-10")).toEqual(["0-2-11"]);
    // behind the source and still errant: the source's later events do not hide it
    expect(at("0-2-8", "0-1-7", "0-1-12")).toEqual(["0-2-8"]);
  });
  it("a domain the source never had, or the source's number from another server", () => {
    expect(at("0-1-10,5-2-1", "0-1-10", "0-1-10")).toEqual(["5-2-1"]);
    expect(at("0-3-10", "0-3-10", "0-1-10")).toEqual(["0-3-10"]);
  });
  it("a demoted source replicating from the new one: its own history is not errant", () => {
    // it wrote 0-2-10 as the source; CHANGE MASTER … current_pos made that its slave position
    expect(at("0-2-10", "0-2-10", "0-1-14")).toEqual([]);
  });
  it("positions it cannot read (MySQL UUID sets) are not judged", () => {
    expect(at("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5", "", "0-1-1")).toBeUndefined();
  });
});

describe("transactionsBehind", () => {
  it("counts per domain what the source has and the replica has not applied", () => {
    expect(transactionsBehind("0-1-40", "0-1-28")).toBe(12);
    expect(transactionsBehind("0-1-40,1-1-5", "0-1-40")).toBe(5);
    expect(transactionsBehind("0-1-40", "0-1-40")).toBe(0);
    expect(transactionsBehind("0-1-40", "")).toBe(40);
    expect(transactionsBehind("uuid:1-5", "0-1-1")).toBeUndefined();
  });
});
