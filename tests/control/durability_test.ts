/**
 * The durability contract against a real `orchestrator run` (docs/events.md,
 * "Durability"): `kill -9` right after an answer loses neither the answered
 * state-changing commands' events nor any answered request's audit line,
 * and a state-changing command whose events cannot be committed says so.
 */

import assert from "node:assert/strict";
import { ControlClient } from "../../lib/control/client.ts";
import { EventStore } from "../../lib/events/store.ts";
import { baseConfig, spawnRun, waitUntilServing, writeConfig } from "../cli/_orchestrator.ts";
import { auditLines } from "./_helpers.ts";
import { CAN_MOUNT, fill, mountTmpfs } from "../_tmpfs.ts";

/** Starts `run` with a file store (at `store`), calls `body` with a client, SIGKILLs it right after. */
async function killedAfter(
  dir: string,
  body: (client: ControlClient) => Promise<void>,
  store = `${dir}/events.db`,
): Promise<void> {
  const config = await writeConfig(dir, baseConfig(dir, { event_store_path: store }));
  const socket = `${dir}/o.sock`;
  const { child, done } = spawnRun(config);
  try {
    await waitUntilServing(socket, done);
    const client = await ControlClient.connect(socket);
    try {
      await body(client);
      child.kill("SIGKILL"); // at once after the last answer
    } finally {
      client.close();
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await done;
  }
}

async function waitRunning(client: ControlClient): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    const res = await client.request("status", ["web"]);
    if ((res as { data?: { state?: string } }).data?.state === "running") return;
    assert.ok(Date.now() < end, "web is running within 10 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("durability: kill -9 right after 600 answered pause/resume: every one's events and audit line are there", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "du" });
  try {
    const sent: string[] = [];
    let statuses = 0;
    await killedAfter(dir, async (client) => {
      await waitRunning(client);
      for (let i = 0; i < 600; i++) {
        if (i % 3 === 1) {
          assert.equal((await client.request("status")).status, "success");
          statuses++;
        }
        const command = i % 2 === 0 ? "pause" : "resume";
        const res = await client.request(command, ["web"]);
        assert.equal(res.status, "success", JSON.stringify(res));
        sent.push(command);
      }
    });
    using store = EventStore.open({ path: `${dir}/events.db`, retention: 100_000 });
    const executed = store.query({ event: "COMMAND_EXECUTED", limit: 10_000 }).reverse()
      .filter((e) => e.data.command === "pause" || e.data.command === "resume");
    assert.deepEqual(executed.map((e) => e.data.command), sent, "every answered command");
    assert.ok(executed.every((e) => e.data.result === "success" && e.agent_name === "web"));
    assert.equal(store.count({ event: "AGENT_PAUSED" }), 300);
    assert.equal(store.count({ event: "AGENT_RESUMED" }), 300);
    const lines = await auditLines(`${dir}/audit.log`);
    const commands = lines.map((l) => /command=(\S+)/.exec(l)?.[1]);
    assert.deepEqual(
      commands.filter((c) => c === "pause" || c === "resume"),
      sent,
      "an audit line per answered command",
    );
    assert.equal(commands.filter((c) => c === "status").length, statuses + 1 /* waitRunning */);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("durability: kill -9 right after a read-only answer: its audit line is there (5 runs)", async () => {
  for (let run = 0; run < 5; run++) {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "du" });
    try {
      let answered = 0;
      await killedAfter(dir, async (client) => {
        for (let i = 0; i < 20; i++) {
          assert.equal((await client.request("stats")).status, "success");
          answered++;
        }
      });
      const lines = (await auditLines(`${dir}/audit.log`)).filter((l) => / command=stats /.test(l));
      assert.equal(lines.length, answered, `run ${run}: an audit line per answered request`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test({
  name:
    "durability: a state-changing command whose events cannot be committed (full filesystem) answers 500 saying so",
  ignore: !CAN_MOUNT,
  async fn() {
    await using fs = await mountTmpfs(1024);
    if (fs === null) return;
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "du" });
    const path = `${fs.path}/events.db`;
    try {
      await killedAfter(dir, async (client) => {
        await waitRunning(client);
        const filler = fill(fs.path);
        const paused = await client.request("pause", ["web"]);
        assert.equal(paused.status, "error");
        const error = paused as { code: number; error: string };
        assert.equal(error.code, 500);
        assert.match(
          error.error,
          /^Command 'pause' was carried out, but its events could not be committed: Cannot write event store ".*events\.db": .*\(\d+ events waiting\)$/,
        );
        const status = await client.request("status", ["web"]);
        assert.equal((status as { data: { state: string } }).data.state, "paused");
        Deno.removeSync(filler);
        assert.equal((await client.request("resume", ["web"])).status, "success");
      }, path);
      using store = EventStore.open({ path, retention: 100_000 });
      const names = store.query({ agent: "web", limit: 100 }).reverse()
        .map((e) => `${e.event_name}${e.data.command === undefined ? "" : ` ${e.data.command}`}`)
        .filter((name) => name !== "COMMAND_EXECUTED status");
      assert.deepEqual(names.slice(-4), [
        "AGENT_PAUSED",
        "COMMAND_EXECUTED pause",
        "AGENT_RESUMED",
        "COMMAND_EXECUTED resume",
      ]);
      const audit = await auditLines(`${dir}/audit.log`);
      assert.ok(audit.some((l) => / command=pause agent=web result=error code=500 /.test(l)));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
