/**
 * `Orchestrator.reload` with real processes (docs/operations.md, "Changing
 * the config"): only the difference is applied.
 */

import assert from "node:assert/strict";
import { type AgentInput, type ConfigInput, withDefaults } from "../../lib/config/defaults.ts";
import { OrchestratorError } from "../../lib/errors.ts";
import { alive, harness, sh, until } from "./_helpers.ts";

function sleeper(name: string, extra: Partial<AgentInput> = {}): AgentInput {
  return { name, tool_call_template: { command: "sleep", args: ["30"] }, ...extra };
}

function pidOf(h: { orchestrator: { status(n: string): { pid: number | null } } }, name: string) {
  const pid = h.orchestrator.status(name).pid;
  assert.ok(pid !== null, `${name} has a process`);
  return pid;
}

Deno.test("reload: unchanged agents keep their pid, a changed one restarts, a removed one stops and leaves ps, an added one starts, an in-place change keeps the pid", async () => {
  const build = (): ConfigInput => ({
    shutdown_timeout: 2,
    agents: [sleeper("keep"), sleeper("change"), sleeper("drop"), sleeper("tweak")],
  });
  const h = await harness(build);
  try {
    for (const name of ["keep", "change", "drop", "tweak"]) {
      await h.orchestrator.waitFor(name, ["running"]);
    }
    const before = {
      keep: pidOf(h, "keep"),
      change: pidOf(h, "change"),
      drop: pidOf(h, "drop"),
      tweak: pidOf(h, "tweak"),
    };
    const version = h.orchestrator.version;
    const next = withDefaults({
      shutdown_timeout: 2,
      agents: [
        sleeper("add"),
        sleeper("tweak", { description: "tweaked", restart: "always" }),
        sleeper("keep"),
        sleeper("change", { tool_call_template: { command: "sleep", args: ["31"] } }),
      ],
    });
    const report = await h.orchestrator.reload(next, { file: "cfg.jsonc", trigger: "test" });
    assert.deepEqual(report, {
      file: "cfg.jsonc",
      dry_run: false,
      added: ["add"],
      removed: ["drop"],
      changed: ["change"],
      restarted: ["change"],
      updated_in_place: ["tweak"],
      unchanged: 1,
      fields: { tweak: ["description", "restart"], change: ["tool_call_template.args"] },
      options_applied: [],
      needs_restart: [],
    });
    assert.ok(h.orchestrator.version > version);
    assert.deepEqual(h.orchestrator.list().map((a) => a.name), ["add", "tweak", "keep", "change"]);
    assert.equal(pidOf(h, "keep"), before.keep);
    assert.equal(pidOf(h, "tweak"), before.tweak);
    assert.equal(h.orchestrator.status("tweak").description, "tweaked");
    assert.equal(h.orchestrator.config.agents[1].restart, "always");
    await h.orchestrator.waitFor("change", ["running"]);
    await h.orchestrator.waitFor("add", ["running"]);
    assert.notEqual(pidOf(h, "change"), before.change);
    assert.equal(alive(before.change), false);
    assert.equal(alive(before.drop), false);
    assert.throws(
      () => h.orchestrator.status("drop"),
      (e: unknown) => e instanceof OrchestratorError && e.code === 404,
    );
    const stops = h.events("AGENT_STOPPED").map((e) => `${e.agent_name}: ${e.data.reason}`);
    assert.deepEqual(stops.sort(), [
      "change: reload: config changed",
      "drop: reload: removed from the config",
    ]);
    const [event] = h.events("CONFIG_RELOADED");
    assert.equal(event.category, "system");
    assert.equal(event.data.trigger, "test");
    assert.deepEqual(event.data.restarted, ["change"]);
    assert.equal(typeof event.data.duration_ms, "number");
  } finally {
    await h.close();
  }
});

Deno.test("reload: a dry run answers the same difference and changes nothing", async () => {
  const h = await harness(() => ({ agents: [sleeper("a"), sleeper("b")] }));
  try {
    await h.orchestrator.waitFor("a", ["running"]);
    await h.orchestrator.waitFor("b", ["running"]);
    const pids = [pidOf(h, "a"), pidOf(h, "b")];
    const version = h.orchestrator.version;
    const config = h.orchestrator.config;
    const next = withDefaults({
      max_workers: 1,
      agents: [
        sleeper("a", { tool_call_template: { command: "sleep", args: ["9"] } }),
        sleeper("c"),
      ],
    });
    const report = await h.orchestrator.reload(next, { dryRun: true });
    assert.equal(report.dry_run, true);
    assert.deepEqual(report.added, ["c"]);
    assert.deepEqual(report.removed, ["b"]);
    assert.deepEqual(report.restarted, ["a"]);
    assert.deepEqual(report.options_applied, ["max_workers"]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.orchestrator.config, config);
    assert.equal(h.orchestrator.version, version);
    assert.deepEqual([pidOf(h, "a"), pidOf(h, "b")], pids);
    assert.deepEqual(h.orchestrator.list().map((a) => a.name), ["a", "b"]);
    assert.equal(h.events("CONFIG_RELOADED").length, 0);
  } finally {
    await h.close();
  }
});

Deno.test("reload: dependents of a restarted agent follow their depends_on: a running one keeps running, a restarted one waits for it", async () => {
  const db = (marker: string): AgentInput => ({
    name: "db",
    readiness: { log_pattern: "db up" },
    tool_call_template: sh(`sleep 0.2; echo db up ${marker}; exec sleep 30`),
  });
  const web = (args: string[]): AgentInput => ({
    name: "web",
    depends_on: { db: "ready" },
    tool_call_template: { command: "sleep", args },
  });
  const api = sleeper("api", { depends_on: { db: "ready" } });
  const h = await harness(() => ({ shutdown_timeout: 2, agents: [web(["30"]), api, db("1")] }));
  try {
    await h.orchestrator.waitFor("web", ["running"]);
    await h.orchestrator.waitFor("api", ["running"]);
    const apiPid = pidOf(h, "api");
    const webPid = pidOf(h, "web");
    const next = withDefaults({ shutdown_timeout: 2, agents: [web(["31"]), api, db("2")] });
    const report = await h.orchestrator.reload(next);
    assert.deepEqual(report.restarted, ["web", "db"]);
    await h.orchestrator.waitFor("web", ["running"]);
    assert.notEqual(pidOf(h, "web"), webPid);
    assert.equal(pidOf(h, "api"), apiPid, "an unchanged dependent keeps running");
    assert.equal(h.events("AGENT_FAILED").length, 0);
    const stops = h.events("AGENT_STOPPED").map((e) => e.agent_name);
    assert.deepEqual(stops, ["web", "db"], "dependents stop first");
    const started = h.events("AGENT_STARTED").filter((e) => e.data.pid !== webPid);
    const order = started.map((e) => e.agent_name);
    assert.deepEqual(order.slice(-2), ["db", "web"], "then start in dependency order");
    assert.ok(
      h.events("AGENT_READY").at(-1)!.id < h.events("AGENT_STARTED").at(-1)!.id,
      "web waits for the new db to be ready",
    );
  } finally {
    await h.close();
  }
});

Deno.test("reload: removed agents stop in reverse dependency order", async () => {
  const h = await harness(() => ({
    shutdown_timeout: 2,
    agents: [
      sleeper("base"),
      sleeper("mid", { depends_on: { base: "started" } }),
      sleeper("top", {
        depends_on: { mid: "started" },
      }),
      sleeper("stay"),
    ],
  }));
  try {
    await h.orchestrator.waitFor("top", ["running"]);
    const report = await h.orchestrator.reload(withDefaults({ agents: [sleeper("stay")] }));
    assert.deepEqual(report.removed, ["base", "mid", "top"]);
    assert.deepEqual(h.events("AGENT_STOPPED").map((e) => e.agent_name), ["top", "mid", "base"]);
    assert.deepEqual(h.orchestrator.list().map((a) => a.name), ["stay"]);
  } finally {
    await h.close();
  }
});

Deno.test("reload: a lowered max_workers keeps the running agents; a raised one starts the queued", async () => {
  const agents = [sleeper("a"), sleeper("b"), sleeper("c")];
  const h = await harness(() => ({ max_workers: 2, agents }));
  try {
    await h.orchestrator.waitFor("b", ["running"]);
    assert.equal(h.orchestrator.status("c").state, "pending");
    const lowered = await h.orchestrator.reload(withDefaults({ max_workers: 1, agents }));
    assert.deepEqual(lowered.options_applied, ["max_workers"]);
    assert.equal(h.orchestrator.stats().max_workers, 1);
    assert.equal(h.orchestrator.status("a").state, "running");
    assert.equal(h.orchestrator.status("b").state, "running");
    assert.equal(h.orchestrator.status("c").state, "pending");
    await h.orchestrator.reload(withDefaults({ max_workers: 3, agents }));
    await h.orchestrator.waitFor("c", ["running"]);
  } finally {
    await h.close();
  }
});

Deno.test("reload: a second reload waits for the first; commands on an agent being restarted answer 409", async () => {
  // Ignores SIGTERM: the restart waits for the SIGKILL after stop_timeout (1 s).
  const stubborn = (marker: string): AgentInput => ({
    name: "stubborn",
    stop_timeout: 1,
    readiness: { log_pattern: "trapped" },
    tool_call_template: sh(`trap '' TERM; echo trapped ${marker}; while :; do sleep 0.05; done`),
  });
  const h = await harness(() => ({ agents: [stubborn("one"), sleeper("other")] }));
  try {
    await h.orchestrator.waitFor("stubborn", ["ready"]);
    const next = withDefaults({ agents: [stubborn("two"), sleeper("other")] });
    const order: string[] = [];
    const first = h.orchestrator.reload(next).then((r) => {
      order.push("first");
      return r;
    });
    const second = h.orchestrator.reload(next).then((r) => {
      order.push("second");
      return r;
    });
    await until(
      "the restart under way",
      () => h.orchestrator.status("stubborn").state === "stopping",
    );
    await assert.rejects(
      h.orchestrator.start("stubborn"),
      (e: unknown) =>
        e instanceof OrchestratorError && e.code === 409 &&
        e.message === 'Cannot start agent "stubborn": a reload is restarting it',
    );
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(order, ["first", "second"]);
    assert.deepEqual(a.restarted, ["stubborn"]);
    assert.deepEqual(b.changed, [], "the second compares with what the first applied");
    assert.equal(b.unchanged, 2);
  } finally {
    await h.close();
  }
});

Deno.test("reload: refused with 503 once shutdown began", async () => {
  const h = await harness(() => ({ agents: [sleeper("a")] }));
  try {
    const down = h.orchestrator.shutdown("test");
    await assert.rejects(
      h.orchestrator.reload(withDefaults({ agents: [] })),
      (e: unknown) => e instanceof OrchestratorError && e.code === 503,
    );
    await down;
  } finally {
    await h.close();
  }
});

Deno.test("reload: a changed agent that is not running gets the new config and keeps its state; an added one without autostart stays stopped", async () => {
  const h = await harness(() => ({
    agents: [sleeper("idle", { autostart: false }), sleeper("a")],
  }));
  try {
    await h.orchestrator.waitFor("a", ["running"]);
    const next = withDefaults({
      agents: [
        sleeper("idle", {
          autostart: false,
          tool_call_template: { command: "sleep", args: ["7"] },
        }),
        sleeper("a"),
        sleeper("later", { autostart: false }),
      ],
    });
    const report = await h.orchestrator.reload(next);
    assert.deepEqual(report.changed, ["idle"]);
    assert.deepEqual(report.restarted, []);
    assert.deepEqual(report.added, ["later"]);
    assert.equal(h.orchestrator.status("idle").state, "stopped");
    assert.equal(h.orchestrator.status("later").state, "stopped");
    await h.orchestrator.start("idle");
    const pid = pidOf(h, "idle");
    await until("the new command exec'd", () => {
      try {
        return Deno.readTextFileSync(`/proc/${pid}/cmdline`) === "sleep\x007\x00";
      } catch {
        return false;
      }
    });
  } finally {
    await h.close();
  }
});
