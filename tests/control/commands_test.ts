import assert from "node:assert/strict";
import { agentArg, agentOf, historyQuery } from "../../lib/control/commands.ts";
import { directoryModeFor } from "../../lib/control/socket.ts";
import { parsePasswd } from "../../lib/users.ts";
import { OrchestratorError } from "../../lib/errors.ts";
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

Deno.test("commands: history options become an event query", () => {
  assert.deepEqual(historyQuery(req("history")), { limit: 100 });
  assert.deepEqual(
    historyQuery(req("history", [], {
      limit: 5,
      category: "agent",
      agent: "web",
      event: "AGENT_FAILED",
      since: "2025-07-27T10:30:00Z",
      until: "2025-07-28",
    })),
    {
      limit: 5,
      category: "agent",
      agent: "web",
      event: "AGENT_FAILED",
      since: "2025-07-27T10:30:00.000Z",
      until: "2025-07-28T00:00:00.000Z",
    },
  );
});

Deno.test("commands: history takes the store's durations (since 15m) as the API does", () => {
  const before = Date.now();
  const query = historyQuery(req("history", [], { since: "15m", category: "AGENT" }));
  const since = Date.parse(query.since!);
  assert.ok(since >= before - 15 * 60_000 && since <= Date.now() - 15 * 60_000);
  assert.equal(query.category, "agent");
  assert.equal(query.limit, 100);
});

Deno.test("commands: bad history options are 400", () => {
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
    assert.equal(
      code(() => historyQuery(req("history", [], options))),
      400,
      JSON.stringify(options),
    );
  }
  assert.equal(code(() => historyQuery(req("history", ["x"]))), 400);
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
