/**
 * Event store across processes: durability after `kill -9`, the single-writer
 * lock, and its release when the holder dies.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { EventStore } from "../../lib/events/store.ts";
import { OrchestratorError } from "../../lib/errors.ts";
import { Child, tempDir } from "./helpers.ts";

Deno.test("durability: every flushed event survives kill -9, ids contiguous, db intact", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  let lastFlushed = 0;
  {
    await using child = Child.spawn(["append", path, "500"]);
    const first = await child.nextLine();
    assert.equal(first, "flushed 500");
    lastFlushed = 500;
    // Let it run through a few more flushes (and timer commits) before the kill.
    for (let i = 0; i < 4; i++) {
      const line = await child.nextLine();
      assert.match(line ?? "", /^flushed \d+$/);
      lastFlushed = Number(line!.split(" ")[1]);
    }
    const { status } = await child.kill();
    assert.equal(status.signal, "SIGKILL");
  }
  assert.ok(lastFlushed > 500);

  const raw = new DatabaseSync(path);
  try {
    assert.equal(
      (raw.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
      "ok",
    );
    const { lo, hi, n } = raw.prepare(
      "SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM events",
    )
      .get() as { lo: number; hi: number; n: number };
    assert.equal(lo, 1);
    assert.equal(n, hi - lo + 1, "ids are contiguous");
  } finally {
    raw.close();
  }
  const store = EventStore.open({ path, retention: 1_000_000 });
  try {
    const total = store.count();
    assert.ok(total >= lastFlushed, `${total} events, ${lastFlushed} were flushed`);
    const [newest] = store.query({ limit: 1 });
    assert.equal(newest.id, total, "ids are contiguous from 1");
    assert.equal(store.count({ event: "AGENT_READY" }), 500);
    assert.equal(store.query({ limit: 1, event: "AGENT_READY" })[0].id, 500);
    // The reopened store continues the id sequence.
    const next = store.append({ event_name: "ORCHESTRATOR_STARTED" });
    assert.equal(next.id, total + 1);
  } finally {
    store.close();
  }
});

Deno.test("lock: a second process refuses while the first holds the file; kill -9 frees it", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  {
    await using holder = Child.spawn(["hold", path]);
    assert.equal(await holder.nextLine(), "open");

    // Another process.
    const second = Child.spawn(["try", path]);
    const line = await second.nextLine();
    await second.finish();
    const answer = JSON.parse(line ?? "{}");
    assert.equal(answer.ok, false);
    assert.equal(answer.code, 500);
    assert.match(
      answer.message,
      /^Cannot open event store ".*events\.db": the file is locked by another process/,
    );

    // This process too (SQLite applies the lock between connections of one process).
    assert.throws(
      () => EventStore.open({ path, retention: 10 }),
      (error: unknown) =>
        error instanceof OrchestratorError && error.code === 500 &&
        error.message.includes(path) && error.message.includes("locked"),
    );

    // The failed attempts did not take the holder's lock away: still refused.
    const third = Child.spawn(["try", path]);
    const again = JSON.parse((await third.nextLine()) ?? "{}");
    await third.finish();
    assert.equal(again.ok, false);
    assert.match(again.message, /locked/);

    const { status } = await holder.kill();
    assert.equal(status.signal, "SIGKILL");
  }
  // The holder died by SIGKILL: the kernel released its lock.
  const store = EventStore.open({ path, retention: 1000 });
  try {
    const boundary = store.lastRunBoundary();
    assert.ok(boundary !== null);
    assert.equal(boundary.event_name, "ORCHESTRATOR_STARTED");
    // And now this process holds it: a child is refused.
    const child = Child.spawn(["try", path]);
    const answer = JSON.parse((await child.nextLine()) ?? "{}");
    await child.finish();
    assert.equal(answer.ok, false);
    assert.match(answer.message, /locked/);
  } finally {
    store.close();
  }
  // Closed: free again.
  const after = Child.spawn(["try", path]);
  assert.deepEqual(JSON.parse((await after.nextLine()) ?? "{}"), { ok: true });
  await after.finish();
});

Deno.test("the flush timer does not keep the process alive", async () => {
  await using dir = await tempDir();
  await using child = Child.spawn(["exit", `${dir.path}/events.db`]);
  assert.equal(await child.nextLine(), "pending 1");
  // Waits for the exit; a timer that kept the process alive would hang here (60 s interval).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exited = await Promise.race([
    child.finish().then(({ status }) => status.code),
    new Promise<string>((resolve) => timer = setTimeout(() => resolve("still running"), 15_000)),
  ]);
  clearTimeout(timer);
  assert.equal(exited, 0);
});
