import assert from "node:assert/strict";
import { agentArg, agentOf, historyQuery } from "../../lib/control/commands.ts";
import { directoryModeFor } from "../../lib/control/socket.ts";
import { parsePasswd } from "../../lib/users.ts";
import { OrchestratorError } from "../../lib/errors.ts";
import { EventStore } from "../../lib/events/store.ts";
import type { ControlRequest } from "../../lib/control/protocol.ts";

const req = (command: string, args: string[] = [], options: Record<string, unknown> = {}) =>
  ({ command, args, options }) as ControlRequest;

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof OrchestratorError) return e.code;
    throw e;
  }
  return undefined;
}

/** The store's clock: far from the wall clock, so a query read with the wall clock shows. */
const STORE_NOW = new Date("2031-03-01T12:00:00.000Z");

/** An in-memory store with a fixed clock and one event 10 and one 30 minutes before it. */
function storeWithEvents(): EventStore {
  const store = EventStore.open({ path: null, retention: 100, clock: () => STORE_NOW });
  for (const minutes of [30, 10]) {
    store.append({
      event_name: "AGENT_STARTED",
      agent_name: `web${minutes}`,
      timestamp: new Date(STORE_NOW.getTime() - minutes * 60_000).toISOString(),
    });
  }
  return store;
}

/** The agents of the events a `history` request with `options` answers, newest first. */
function history(store: EventStore, options: Record<string, unknown>): (string | null)[] {
  return store.query(historyQuery(req("history", [], options))).map((e) => e.agent_name);
}

Deno.test("commands: history options become the store's query", () => {
  const store = storeWithEvents();
  try {
    assert.deepEqual(history(store, {}), ["web10", "web30"]);
    assert.deepEqual(history(store, { limit: 1 }), ["web10"]);
    assert.deepEqual(
      history(store, {
        limit: 5,
        category: "AGENT",
        agent: "web30",
        event: "agent_started",
        since: "2031-03-01T11:00:00Z",
        until: "2031-03-02",
      }),
      ["web30"],
    );
  } finally {
    store.close();
  }
});

Deno.test("commands: history reads durations (since 15m) with the store's clock", () => {
  const store = storeWithEvents();
  try {
    assert.deepEqual(history(store, { since: "15m" }), ["web10"]);
    assert.deepEqual(history(store, { until: "15m", category: "agent" }), ["web30"]);
  } finally {
    store.close();
  }
});

Deno.test("commands: bad history options are 400", () => {
  const store = storeWithEvents();
  try {
    for (
      const options of [
        { limit: 0 },
        { limit: 10_001 },
        { limit: "5" },
        { category: "nope" },
        { event: "NOT_AN_EVENT" },
        { since: "yesterday" },
        { agent: "" },
        { colour: "red" },
      ]
    ) {
      assert.equal(code(() => history(store, options)), 400, JSON.stringify(options));
    }
    assert.equal(code(() => historyQuery(req("history", ["x"]))), 400);
  } finally {
    store.close();
  }
});

Deno.test("commands: agent argument is exactly one name", () => {
  assert.equal(agentArg(req("stop", ["web"])), "web");
  assert.equal(code(() => agentArg(req("stop"))), 400);
  assert.equal(code(() => agentArg(req("stop", ["a", "b"]))), 400);
  assert.equal(code(() => agentArg(req("stop", [""]))), 400);
  assert.equal(agentOf("stop", ["web"]), "web");
  assert.equal(agentOf("ps", ["web"]), undefined);
  assert.equal(agentOf("status", []), undefined);
});

Deno.test("socket: parent directory mode follows the socket mode", () => {
  assert.equal(directoryModeFor(0o600), 0o700);
  assert.equal(directoryModeFor(0o660), 0o750);
  assert.equal(directoryModeFor(0o666), 0o755);
});

Deno.test("users: /etc/passwd parsing", () => {
  const names = parsePasswd(
    "root:x:0:0:root:/root:/bin/bash\n# c\nann:x:1000:1000::/home/ann:/bin/sh\nbad\n",
  );
  assert.equal(names.get(0), "root");
  assert.equal(names.get(1000), "ann");
  assert.equal(names.size, 2);
});
