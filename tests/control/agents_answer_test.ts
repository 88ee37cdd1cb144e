/**
 * The control layer's `ps`/`status` answer cache over a real orchestrator
 * (real processes, real event store) on a clock the test moves: the text is
 * JSON.stringify of the controller's plain data, and the same answer object
 * comes back exactly while the version and the millisecond are the same.
 */

import assert from "node:assert/strict";
import { agentsAnswer } from "../../lib/control/agents_answer.ts";
import { type CommandContext, HANDLERS } from "../../lib/control/commands.ts";
import type { ControlRequest } from "../../lib/control/protocol.ts";
import { JsonText } from "../../lib/control/json_text.ts";
import type { Orchestrator } from "../../lib/orchestrator.ts";
import { harness, ManualClock, sh, until } from "../orchestrator/_helpers.ts";

/** What ps and status use of a request's context: nothing (no connection to push on). */
const CONTEXT: CommandContext = {
  afterResponse() {},
  onShutdownRequested() {},
  reloader: null,
  connection: { push: () => false, close() {}, whenClosed() {} },
  allows: () => true,
};

function request(command: string, args: string[] = []): ControlRequest {
  return { command, args, options: {} } as ControlRequest;
}

/** Both answers equal JSON.stringify of the plain data, at the clock's current time. */
function assertTexts(o: Orchestrator, step: string): void {
  const answers = agentsAnswer(o);
  assert.equal(answers.ps().text, JSON.stringify({ agents: o.list() }), `${step}: ps`);
  assert.equal(
    answers.status().text,
    JSON.stringify({ agents: o.statusAll() }),
    `${step}: status`,
  );
  assert.deepEqual(o.statusAll(), o.list().map((a) => o.status(a.name)), `${step}: statusAll`);
}

Deno.test("agents answer: the text is JSON.stringify of list() and statusAll() in every state", async () => {
  const clock = new ManualClock();
  const h = await harness(() => ({
    agents: [
      { name: "db", tool_call_template: sh("exec sleep 30"), stop_timeout: 1 },
      {
        name: 'web "quoted" ü',
        description: "Serves\nHTTP — ✓",
        depends_on: { db: "ready" },
        readiness: { log_pattern: "listening" },
        tool_call_template: sh("sleep 0.2; echo listening; exec sleep 30"),
        stop_timeout: 1,
      },
      {
        name: "job",
        kind: "task",
        restart: "on-failure",
        backoff: { initial: 60, max: 60, factor: 1, reset_after: 60 },
        tool_call_template: sh("exit 3"),
      },
      { name: "done", kind: "task", tool_call_template: { command: "true" } },
      { name: "idle", autostart: false, tool_call_template: { command: "true" } },
    ],
  }), { clock });
  const o = h.orchestrator;
  try {
    assertTexts(o, "booted");
    await o.waitFor('web "quoted" ü', ["ready"]);
    await o.waitFor("job", ["backoff"]);
    await o.waitFor("done", ["completed"]);
    assertTexts(o, "ready, backoff, completed");
    clock.at += 1234;
    assertTexts(o, "1.234 s on");
    clock.at += 59_000;
    assertTexts(o, "a minute on");
    await o.pause("db");
    assertTexts(o, "db paused");
    await o.stop('web "quoted" ü');
    assertTexts(o, "web stopped");
    await o.stop("job");
    assertTexts(o, "job stopped from backoff");
    await o.resume("db");
    clock.at += 1;
    assertTexts(o, "db resumed");
  } finally {
    await h.close();
  }
});

Deno.test("agents answer: the same object while nothing changes; a new one after a state change, a heartbeat, the next millisecond", async () => {
  const clock = new ManualClock();
  const h = await harness(() => ({
    agents: [
      { name: "svc", tool_call_template: { command: "sleep", args: ["30"] }, stop_timeout: 1 },
      {
        name: "beat",
        readiness: { exec: ["true"], initial_delay: 0, period: 0.05 },
        tool_call_template: { command: "sleep", args: ["30"] },
        stop_timeout: 1,
      },
    ],
  }), { clock });
  const o = h.orchestrator;
  const answers = agentsAnswer(o);
  try {
    assert.equal(agentsAnswer(o), answers, "one cache per controller");
    await o.waitFor("beat", ["ready"]);
    const ps = answers.ps();
    const status = answers.status();
    assert.equal(answers.ps(), ps, "same version, same millisecond: same ps answer");
    assert.equal(answers.status(), status, "same version, same millisecond: same status answer");

    // Same millisecond, but an agent changed state: new answers.
    await o.pause("svc");
    const paused = answers.status();
    assert.notEqual(paused, status, "a state change is a new answer");
    assert.notEqual(answers.ps(), ps);
    assertTexts(o, "after pause");

    // A command that changes nothing (409) keeps the answer.
    await assert.rejects(o.pause("svc"), { code: 409 });
    assert.equal(answers.status(), paused, "a refused command changes nothing");

    // Same millisecond, same state: a heartbeat of the exec probe is a new answer.
    clock.at += 1;
    const before = answers.status();
    const version = o.version;
    const events = h.events().length;
    await until("a heartbeat", () => o.version > version);
    assert.equal(o.status("beat").state, "ready");
    assert.equal(h.events().length, events, "a heartbeat records no event");
    const beat = answers.status();
    assert.notEqual(beat, before, "a heartbeat is a new answer");
    assert.equal(beat.text, JSON.stringify({ agents: o.statusAll() }));

    // The next millisecond: new answers even with no change.
    await o.stop("beat");
    const settled = answers.ps();
    assert.equal(answers.ps(), settled);
    clock.at += 1;
    const next = answers.ps();
    assert.notEqual(next, settled, "the next millisecond is a new answer");
    assert.equal(next.text, JSON.stringify({ agents: o.list() }));
    assert.equal(answers.ps(), next);
  } finally {
    await h.close();
  }
});

Deno.test("ps and status handlers: cached JsonText for every agent, plain data for one", async () => {
  const clock = new ManualClock();
  const h = await harness(() => ({
    agents: [{ name: "svc", tool_call_template: { command: "sleep", args: ["30"] } }],
  }), { clock });
  const o = h.orchestrator;
  try {
    const ps = HANDLERS.ps(o, request("ps"), CONTEXT);
    assert.ok(ps instanceof JsonText);
    assert.equal(HANDLERS.ps(o, request("ps"), CONTEXT), ps);
    assert.equal(ps.text, JSON.stringify({ agents: o.list() }));
    const all = HANDLERS.status(o, request("status"), CONTEXT);
    assert.ok(all instanceof JsonText);
    assert.equal(HANDLERS.status(o, request("status"), CONTEXT), all);
    assert.equal(all.text, JSON.stringify({ agents: o.statusAll() }));
    assert.deepEqual(HANDLERS.status(o, request("status", ["svc"]), CONTEXT), o.status("svc"));
    assert.throws(() => HANDLERS.status(o, request("status", ["nope"]), CONTEXT), { code: 404 });
    assert.throws(() => HANDLERS.status(o, request("status", ["a", "b"]), CONTEXT), {
      code: 400,
    });
  } finally {
    await h.close();
  }
});
