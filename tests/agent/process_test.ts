import assert from "node:assert/strict";
import { findProgram, signalGroup, spawnProcess } from "../../lib/agent/process.ts";

Deno.test("findProgram looks a command up like execvp", () => {
  const path = Deno.env.get("PATH") ?? "/usr/bin:/bin";
  assert.match(findProgram("sh", path) ?? "", /\/sh$/);
  assert.equal(findProgram("no-such-program-xyz", path), null);
  assert.equal(findProgram("/bin/sh", ""), "/bin/sh");
  assert.equal(findProgram("/no/such/file", path), null);
});

Deno.test("spawnProcess: own process group at once; missing program throws NotFound", async () => {
  const p = spawnProcess({ command: "sleep", args: ["30"], env: {}, cwd: null }, { pipe: false });
  let reaped = false;
  p.exited.then(() => (reaped = true));
  try {
    // Signalled right after the spawn, before setsid(1) may have run: the leader fallback hits it.
    assert.equal(signalGroup(p.pid, "SIGKILL", { leader: true }), true);
    assert.deepEqual(await p.exited, { code: null, signal: "SIGKILL" });
  } finally {
    // Never signal a reaped pid: it may belong to someone else by now.
    if (!reaped) signalGroup(p.pid, "SIGKILL", { leader: true });
  }
  const q = spawnProcess({ command: "sleep", args: ["30"], env: {}, cwd: null }, { pipe: false });
  await new Promise((r) => setTimeout(r, 100));
  const stat = Deno.readTextFileSync(`/proc/${q.pid}/stat`);
  const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  assert.equal(pgid, q.pid, "the agent leads its own process group");
  assert.equal(signalGroup(q.pid, "SIGTERM"), true);
  assert.equal((await q.exited).signal, "SIGTERM");
  assert.throws(
    () => spawnProcess({ command: "no-such-xyz", args: [], env: {}, cwd: null }, { pipe: false }),
    Deno.errors.NotFound,
  );
});
