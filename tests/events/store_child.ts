/**
 * Child process for the event store's process tests (not a test file).
 *
 * Usage: `deno run -A tests/events/store_child.ts <mode> <path>`
 * - `append N`: open, append N events, flush, print `flushed <lastId>`; then
 *   keep appending forever, printing `flushed <lastId>` after every explicit
 *   flush (the parent SIGKILLs it).
 * - `hold`: open, print `open`, append one event per tick forever.
 * - `exit`: open, append one event and return without closing (the unref'd
 *   flush timer must not keep the process alive).
 * - `try`: try to open; print one JSON line `{"ok": true}` or
 *   `{"ok": false, "code": …, "message": …}`; exit 0 either way.
 *
 * @module
 */

import { EventStore } from "../../lib/events/store.ts";
import { OrchestratorError } from "../../lib/errors.ts";

const [mode, path, countText] = Deno.args;

function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

if (mode === "try") {
  try {
    EventStore.open({ path, retention: 1000 }).close();
    print(JSON.stringify({ ok: true }));
  } catch (error) {
    const code = error instanceof OrchestratorError ? error.code : null;
    print(JSON.stringify({ ok: false, code, message: String((error as Error).message) }));
  }
} else if (mode === "exit") {
  const store = EventStore.open({ path, retention: 1000, flushIntervalMs: 60_000 });
  store.append({ event_name: "AGENT_STARTED" });
  print(`pending ${store.pending}`);
} else if (mode === "hold") {
  const store = EventStore.open({ path, retention: 1000, flushIntervalMs: 5 });
  store.append({ event_name: "ORCHESTRATOR_STARTED", data: { pid: Deno.pid } });
  store.flush();
  print("open");
  for (;;) {
    store.append({ event_name: "AGENT_STARTED", agent_name: "holder" });
    await tick();
  }
} else if (mode === "append") {
  const store = EventStore.open({ path, retention: 1_000_000, flushIntervalMs: 5, maxBatch: 50 });
  const n = Number(countText);
  let last = 0;
  for (let i = 0; i < n; i++) {
    last = store.append({ event_name: "AGENT_READY", agent_name: "a", data: { i } }).id;
  }
  store.flush();
  print(`flushed ${last}`);
  for (let round = 0;; round++) {
    for (let i = 0; i < 20; i++) {
      last = store.append({ event_name: "AGENT_STARTED", agent_name: "b", data: { round, i } }).id;
    }
    if (round % 5 === 0) {
      store.flush();
      print(`flushed ${last}`);
    }
    await tick();
  }
} else {
  console.error(`Unknown mode "${mode}"`);
  Deno.exit(2);
}
