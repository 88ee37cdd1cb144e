/**
 * The event store behind a real `orchestrator run` process (issue 5): what
 * `history` has answered survives `kill -9`; a restart keeps the previous
 * run's history with `ORCHESTRATOR_STARTED` as the boundary; a second
 * orchestrator on the same file refuses with a clear message.
 */

import assert from "node:assert/strict";
import { ControlClient } from "../../lib/control/client.ts";
import { EventStore } from "../../lib/events/store.ts";
import type { OrchestratorEvent } from "../../lib/events/event.ts";
import { baseConfig, spawnRun, waitUntilServing, writeConfig } from "../cli/_orchestrator.ts";

async function history(socket: string, limit = 10_000): Promise<OrchestratorEvent[]> {
  const client = await ControlClient.connect(socket);
  try {
    const res = await client.request("history", [], { limit });
    assert.equal(res.status, "success");
    return (res as { data: { events: OrchestratorEvent[] } }).data.events;
  } finally {
    client.close();
  }
}

async function withRun<T>(
  config: string,
  socket: string,
  body: (child: Deno.ChildProcess) => Promise<T>,
): Promise<{ value: T; code: number; stderr: string }> {
  const { child, done } = spawnRun(config);
  try {
    await waitUntilServing(socket, done);
    const value = await body(child);
    const result = await done;
    return { value, code: result.code, stderr: result.stderr };
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await done;
  }
}

function storeConfig(dir: string): Record<string, unknown> {
  // A crash-looping agent keeps appending events while the orchestrator is killed.
  return baseConfig(dir, {
    event_store_path: `${dir}/events.db`,
    agents: [{
      name: "flap",
      tool_call_template: { call_template_type: "cli", command: "sh", args: ["-c", "exit 3"] },
      restart: "always",
      max_restarts: 1_000_000,
      backoff: { initial: 0.01, max: 0.01, factor: 1, reset_after: 60 },
    }],
  });
}

Deno.test("event store: events answered by history survive kill -9 of a real orchestrator", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "od" });
  try {
    const config = await writeConfig(dir, storeConfig(dir));
    const socket = `${dir}/o.sock`;
    const { value: seen } = await withRun(config, socket, async (child) => {
      const deadline = Date.now() + 15_000;
      let events: OrchestratorEvent[] = [];
      while (events.filter((e) => e.event_name === "AGENT_RESTARTING").length < 5) {
        assert.ok(Date.now() < deadline, "the agent restarted 5 times within 15 s");
        events = await history(socket);
      }
      child.kill("SIGKILL");
      return events;
    });
    const store = EventStore.open({ path: `${dir}/events.db`, retention: 100_000 });
    try {
      const stored = new Map(store.query({ limit: 10_000 }).map((e) => [e.id, e]));
      for (const event of seen) {
        assert.deepEqual(stored.get(event.id), event, `event ${event.id} lost or changed`);
      }
      const ids = [...stored.keys()].sort((a, b) => a - b);
      assert.deepEqual(ids, ids.map((_, i) => i + 1), "ids are contiguous from 1");
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("event store: a restart keeps the previous run's history; ORCHESTRATOR_STARTED marks the boundary", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "od" });
  try {
    const config = await writeConfig(
      dir,
      baseConfig(dir, { event_store_path: `${dir}/events.db` }),
    );
    const socket = `${dir}/o.sock`;
    const first = await withRun(config, socket, async (child) => {
      const events = await history(socket);
      child.kill("SIGTERM");
      return events;
    });
    assert.equal(first.code, 0, first.stderr);
    const second = await withRun(config, socket, async (child) => {
      const events = await history(socket);
      child.kill("SIGTERM");
      return events;
    });
    assert.equal(second.code, 0, second.stderr);
    const names = second.value.map((e) => e.event_name).reverse(); // oldest first
    assert.equal(names.filter((n) => n === "ORCHESTRATOR_STARTED").length, 2);
    assert.equal(names.filter((n) => n === "ORCHESTRATOR_SHUTDOWN").length, 1);
    const boundary = names.lastIndexOf("ORCHESTRATOR_STARTED");
    assert.ok(names.indexOf("ORCHESTRATOR_SHUTDOWN") < boundary, "previous run ends before");
    for (const event of first.value) {
      assert.ok(second.value.some((e) => e.id === event.id), `event ${event.id} kept`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("event store: a second orchestrator on the same file refuses with a clear message", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "od" });
  try {
    const store = `${dir}/events.db`;
    const config = await writeConfig(dir, baseConfig(dir, { event_store_path: store }));
    const other = await writeConfig(
      await Deno.makeTempDir({ dir, prefix: "b" }),
      baseConfig(dir, { event_store_path: store, command_socket_path: `${dir}/p.sock` }),
    );
    const { value: refused } = await withRun(config, `${dir}/o.sock`, async (child) => {
      const second = await spawnRun(other).done;
      child.kill("SIGTERM");
      return second;
    });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^Cannot run: another orchestrator \(pid \d+\) holds ".*\/events\.db\.lock"$/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
