/** The `ps`/`status` text views equal JSON.stringify of the object views, through every change. */

import assert from "node:assert/strict";
import { withDefaults } from "../../lib/config/defaults.ts";
import { newAgent } from "../../lib/orchestrator/agent.ts";
import {
  AgentsAnswer,
  agentsText,
  statusObject,
  statusText,
  summaryObject,
  summaryText,
} from "../../lib/orchestrator/status_view.ts";
import { runOf } from "./_helpers.ts";

function agentsOf() {
  const config = withDefaults(
    {
      agents: [
        { name: "db", tool_call_template: { command: "true" } },
        {
          name: 'web "quoted" ü',
          description: "Serves\nHTTP — ✓",
          kind: "service",
          autostart: false,
          restart_window: 60,
          depends_on: { db: "ready" },
          readiness: { log_pattern: "listening" },
          tool_call_template: { command: "true" },
        },
        { name: "job", kind: "task", tool_call_template: { command: "true" } },
      ],
    } as Parameters<typeof withDefaults>[0],
  );
  return config.agents.map((c, i) => newAgent(c, i));
}

/** Answers kept across the steps of a test, as the orchestrator keeps them. */
interface Kept {
  ps: AgentsAnswer<string>;
  status: AgentsAnswer<string>;
}

function kept(): Kept {
  return { ps: new AgentsAnswer(false, (t) => t), status: new AgentsAnswer(true, (t) => t) };
}

function assertSame(
  agents: ReturnType<typeof agentsOf>,
  now: number,
  step: string,
  answers: Kept = kept(),
) {
  for (const a of agents) {
    assert.equal(summaryText(a, now), JSON.stringify(summaryObject(a, now)), `${step}: ps row`);
    assert.equal(statusText(a, now), JSON.stringify(statusObject(a, now)), `${step}: status`);
  }
  assert.equal(
    agentsText(agents, now, false),
    JSON.stringify({ agents: agents.map((a) => summaryObject(a, now)) }),
    `${step}: ps answer`,
  );
  assert.equal(
    agentsText(agents, now, true),
    JSON.stringify({ agents: agents.map((a) => statusObject(a, now)) }),
    `${step}: status answer`,
  );
  assert.equal(
    answers.ps.get(agents, now),
    JSON.stringify({ agents: agents.map((a) => summaryObject(a, now)) }),
    `${step}: kept ps answer`,
  );
  assert.equal(
    answers.status.get(agents, now),
    JSON.stringify({ agents: agents.map((a) => statusObject(a, now)) }),
    `${step}: kept status answer`,
  );
}

Deno.test("status view: text equals JSON.stringify of the objects in every state it passes", () => {
  const agents = agentsOf();
  const [db, web, job] = agents;
  const answers = kept();
  let now = Date.UTC(2026, 10, 21, 7, 0, 0, 5);
  assertSame(agents, now, "all stopped", answers);

  db.state = "running";
  db.run = runOf(now, 1001);
  db.startedAt = now;
  now += 1234.5678;
  assertSame(agents, now, "db running", answers);

  web.state = "ready";
  web.run = runOf(now - 10, 1002);
  web.startedAt = now - 10;
  web.lastHeartbeat = now - 5;
  web.restartTimes = [now - 120_000, now - 1_000];
  assertSame(agents, now, "web ready, one restart in the window", answers);

  now += 59_000; // the old restart stays out, the recent one ages out of the window later
  assertSame(agents, now, "a minute on", answers);

  job.state = "failed";
  job.lastExit = { code: 3, signal: null };
  job.reason = "exited with code 3";
  job.startedAt = now - 50;
  assertSame(agents, now, "job failed", answers);

  job.state = "backoff";
  job.nextStartAt = now + 2_000;
  job.reason = 'backoff after "exit 3"';
  assertSame(agents, now, "job in backoff", answers);

  db.state = "stopped";
  db.run = null;
  db.lastExit = { code: null, signal: "SIGTERM" };
  db.lastHeartbeat = now;
  assertSame(agents, now + 1, "db stopped by signal", answers);

  db.state = "running";
  db.run = runOf(now + 2, 2001);
  db.startedAt = now + 2;
  assertSame(agents, now + 3, "db restarted with a new pid", answers);
});

Deno.test("status view: pieces are cached while nothing shown changes, rebuilt when something does", () => {
  const [db] = agentsOf();
  const now = Date.UTC(2026, 10, 21, 8, 0, 0, 0);
  db.state = "running";
  db.run = runOf(now, 77);
  statusText(db, now);
  const first = db.statusPieces;
  statusText(db, now + 10);
  assert.equal(db.statusPieces, first, "same pieces for a later request");
  db.reason = "manual";
  assert.equal(statusText(db, now + 20), JSON.stringify(statusObject(db, now + 20)));
  assert.notEqual(db.statusPieces, first, "rebuilt after the reason changed");
});

Deno.test("status view: the answer object is reused while no agent's text changes", () => {
  const agents = agentsOf();
  const [db, web] = agents;
  let now = Date.UTC(2026, 10, 21, 9, 0, 0, 0);
  const answer = new AgentsAnswer(true, (text) => ({ text }));
  const first = answer.get(agents, now);
  assert.equal(answer.get(agents, now + 60_000), first, "all stopped: nothing depends on the time");

  db.lastHeartbeat = now - 7;
  const beat = answer.get(agents, now);
  assert.notEqual(beat, first, "a new heartbeat of a stopped agent is a new answer");
  assert.equal(beat.text, JSON.stringify({ agents: agents.map((a) => statusObject(a, now)) }));

  web.state = "running";
  web.run = runOf(now, 4242);
  web.startedAt = now;
  const running = answer.get(agents, now);
  assert.notEqual(running, beat, "a state change is a new answer");
  assert.equal(answer.get(agents, now), running, "same millisecond: same answer");
  now += 1;
  const later = answer.get(agents, now);
  assert.notEqual(later, running, "uptime and heartbeat moved on: a new answer");
  assert.equal(later.text, JSON.stringify({ agents: agents.map((a) => statusObject(a, now)) }));
});
