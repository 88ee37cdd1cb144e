/** The `ps` row and `status` record of an agent, as plain objects, through every change. */

import assert from "node:assert/strict";
import { withDefaults } from "../../lib/config/defaults.ts";
import { newAgent } from "../../lib/orchestrator/agent.ts";
import { statusObject, summaryObject } from "../../lib/orchestrator/status_view.ts";
import { runOf } from "./_helpers.ts";

function agentsOf() {
  const config = withDefaults(
    {
      agents: [
        { name: "db", tool_call_template: { command: "true" } },
        {
          name: "web",
          description: "Serves HTTP",
          autostart: false,
          restart_window: 60,
          depends_on: { db: "ready" },
          readiness: { tcp: "127.0.0.1:1" },
          tool_call_template: { command: "true" },
        },
      ],
    } as Parameters<typeof withDefaults>[0],
  );
  return config.agents.map((c, i) => newAgent(c, i));
}

/** The status record begins with the ps row: same keys, same values, same order. */
function assertRowFirst(agent: ReturnType<typeof agentsOf>[number], now: number, step: string) {
  const row = summaryObject(agent, now);
  const status = statusObject(agent, now);
  assert.deepEqual(
    Object.entries(status).slice(0, Object.keys(row).length),
    Object.entries(row),
    step,
  );
}

Deno.test("status view: the status record is the ps row then more, in every state it passes", () => {
  const [db, web] = agentsOf();
  let now = Date.UTC(2026, 10, 21, 7, 0, 0, 5);
  assertRowFirst(db, now, "stopped");
  assert.deepEqual(summaryObject(db, now), {
    name: "db",
    state: "stopped",
    pid: null,
    kind: "service",
    group: null,
    restarts: 0,
    uptime_seconds: null,
    cpu_percent: null,
    memory_bytes: null,
  });

  db.state = "running";
  db.run = runOf(now, 1001);
  db.startedAt = now;
  now += 1234.5678;
  assertRowFirst(db, now, "running");
  assert.equal(summaryObject(db, now).uptime_seconds, 1.235);
  assert.equal(statusObject(db, now).last_heartbeat, new Date(now).toISOString(), "running: now");

  web.state = "backoff";
  web.nextStartAt = now + 2_000;
  web.restartTimes = [now - 120_000, now - 1_000];
  web.reason = "exited with code 3; restarting in 2 s";
  assertRowFirst(web, now, "backoff");
  const backoff = statusObject(web, now);
  assert.equal(backoff.restarts, 1, "only the restart within the window");
  assert.equal(backoff.next_start_at, new Date(now + 2_000).toISOString());
  assert.deepEqual(backoff.depends_on, { db: "ready" });
  assert.equal(backoff.description, "Serves HTTP");
});

Deno.test("status view: start time and heartbeat texts follow every change of the times they show", () => {
  const [, web] = agentsOf();
  const start = Date.UTC(2026, 10, 21, 7, 0, 0, 0);
  web.state = "starting";
  web.run = runOf(start, 77);
  web.startedAt = start;
  web.lastHeartbeat = start + 500;
  for (let minute = 0; minute < 3; minute++) {
    const now = start + minute * 60_000 + 7;
    const status = statusObject(web, now);
    assert.equal(status.started_at, new Date(start).toISOString());
    assert.equal(status.last_heartbeat, new Date(start + 500).toISOString(), "a probe's beat");
  }
  web.lastHeartbeat = start + 90_123;
  web.startedAt = start + 90_000;
  web.run = runOf(start + 90_000, 78);
  const later = statusObject(web, start + 100_000);
  assert.equal(later.started_at, new Date(start + 90_000).toISOString(), "a new start");
  assert.equal(later.last_heartbeat, new Date(start + 90_123).toISOString(), "a new beat");
});
