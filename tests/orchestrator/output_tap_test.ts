import assert from "node:assert/strict";
import { OutputTap } from "../../lib/orchestrator/output_tap.ts";

Deno.test("output tap: wants an agent while an observer names it or takes all; removal undoes it", () => {
  const tap = new OutputTap();
  const got: string[] = [];
  assert.equal(tap.wants("web"), false);
  const names = new Set(["web"]);
  const stopWeb = tap.add({
    agents: names,
    onLine: (a, s, l) => got.push(`web-obs ${a} ${s} ${l}`),
  });
  names.add("db"); // read when added: later changes do not count
  assert.deepEqual([tap.wants("web"), tap.wants("db")], [true, false]);
  const stopAll = tap.add({ agents: null, onLine: (a, _s, l) => got.push(`all ${a} ${l}`) });
  tap.add({
    agents: null,
    onLine: () => {
      throw new Error("skipped");
    },
  });
  assert.equal(tap.wants("db"), true);
  tap.emit("web", "stdout", "hi");
  tap.emit("db", "stderr", "oops");
  assert.deepEqual(got, ["web-obs web stdout hi", "all web hi", "all db oops"]);
  stopAll();
  stopAll();
  stopWeb();
  assert.equal(tap.wants("web"), true, "the throwing observer of all agents is still there");
});
