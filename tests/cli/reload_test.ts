/**
 * `orchestrator reload` and SIGHUP through a real `orchestrator run`
 * (docs/operations.md, "Changing the config"): the edited file's difference
 * is applied and nothing more; a file with errors changes nothing.
 */

import assert from "node:assert/strict";
import { requestOnce } from "../../lib/control/client.ts";
import type { ReloadReport } from "../../lib/agent/info.ts";
import { cli, type CliRun, spawnRun, waitUntilServing, writeConfig } from "./_orchestrator.ts";
import { until } from "../orchestrator/_helpers.ts";
import { RawConn } from "../control/_helpers.ts";
import { within } from "../../bench/measure/child.ts";

function sleeper(name: string, seconds = "30", extra: Record<string, unknown> = {}) {
  return {
    name,
    tool_call_template: { call_template_type: "cli", command: "sleep", args: [seconds] },
    ...extra,
  };
}

interface Run {
  dir: string;
  socket: string;
  path: string;
  child: Deno.ChildProcess;
  done: Promise<CliRun>;
  /** Writes the config with these agents and extra options. */
  write(agents: unknown[], extra?: Record<string, unknown>): Promise<void>;
}

function configOf(dir: string, agents: unknown[], extra: Record<string, unknown> = {}) {
  return {
    enable_command_interface: true,
    command_socket_path: `${dir}/o.sock`,
    cli_audit_log_path: `${dir}/audit.log`,
    log_cli_commands: false,
    shutdown_timeout: 2,
    agents,
    ...extra,
  };
}

/** Runs `orchestrator run` on a config of `agents`; ends it (SIGTERM) and removes its dir after `body`. */
async function withRun(
  agents: unknown[],
  body: (run: Run) => Promise<void>,
): Promise<CliRun> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orl" });
  const path = await writeConfig(dir, configOf(dir, agents));
  const socket = `${dir}/o.sock`;
  const { child, done } = spawnRun(path);
  try {
    await waitUntilServing(socket, done);
    await body({
      dir,
      socket,
      path,
      child,
      done,
      write: async (list, extra) => {
        await writeConfig(dir, configOf(dir, list, extra));
      },
    });
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already exited.
    }
  }
  const result = await done;
  await Deno.remove(dir, { recursive: true });
  assert.equal(result.code, 0, result.stderr);
  return result;
}

/** name → pid from `ps`. */
async function pids(socket: string): Promise<Record<string, number | null>> {
  const ps = await requestOnce(socket, { command: "ps" });
  assert.equal(ps.status, "success");
  const agents = (ps as { data: { agents: { name: string; pid: number | null }[] } }).data.agents;
  return Object.fromEntries(agents.map((a) => [a.name, a.pid]));
}

async function allRunning(socket: string, names: string[]): Promise<void> {
  await until(`${names.join(", ")} running`, async () => {
    const ps = await requestOnce(socket, { command: "ps" });
    const agents = (ps as { data: { agents: { name: string; state: string }[] } }).data.agents;
    return names.every((n) => agents.some((a) => a.name === n && a.state === "running"));
  }, 10_000);
}

Deno.test("cli reload: the edited file's difference is applied: same pid for the unchanged, a changed agent restarted, a removed one gone from ps, an added one started; one event and one audit line", async () => {
  await withRun([sleeper("keep"), sleeper("change"), sleeper("drop")], async (run) => {
    await allRunning(run.socket, ["keep", "change", "drop"]);
    const before = await pids(run.socket);
    await run.write([sleeper("add"), sleeper("keep"), sleeper("change", "31")]);
    const r = await cli(["reload", "--socket", run.socket]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Reloaded ".*cfg\.jsonc": 1 added, 1 removed, 1 changed \(1 restarted\), 0 updated in place, 1 unchanged\n/,
    );
    assert.match(r.stdout, /\nrestarted: +change \(tool_call_template\.args\)\n/);
    assert.match(r.stdout, /\nadded: +add\n/);
    assert.match(r.stdout, /\nremoved: +drop\n/);
    await allRunning(run.socket, ["add", "keep", "change"]);
    const after = await pids(run.socket);
    assert.deepEqual(Object.keys(after), ["add", "keep", "change"]);
    assert.equal(after.keep, before.keep);
    assert.notEqual(after.change, before.change);
    const history = await requestOnce(run.socket, {
      command: "history",
      options: { event: "CONFIG_RELOADED" },
    });
    const events = (history as { data: { events: { category: string; data: ReloadReport }[] } })
      .data.events;
    assert.equal(events.length, 1);
    assert.equal(events[0].category, "system");
    assert.deepEqual(events[0].data.removed, ["drop"]);
    const audit = Deno.readTextFileSync(`${run.dir}/audit.log`).split("\n")
      .filter((l) => l.includes("command=reload"));
    assert.equal(audit.length, 1, audit.join("\n"));
    assert.match(audit[0], /command=reload result=success code=200/);
  });
});

Deno.test("cli reload: a file with errors changes nothing: 400 counting them with data.results, printed as validate prints them, exit 1", async () => {
  await withRun([sleeper("web")], async (run) => {
    await allRunning(run.socket, ["web"]);
    const before = await pids(run.socket);
    await Deno.writeTextFile(
      run.path,
      JSON.stringify(configOf(run.dir, [sleeper("web", "31"), sleeper("web")], { max_workers: 0 })),
    );
    const human = await cli(["reload", "--socket", run.socket]);
    assert.equal(human.code, 1);
    assert.match(
      human.stderr,
      /^Error 400: Cannot reload ".*cfg\.jsonc": the config has 2 errors, nothing changed\n$/,
    );
    assert.match(
      human.stdout,
      /^error +max_workers +.*cfg\.jsonc:1:\d+ +Value 0 must be at least 1/m,
    );
    assert.match(human.stdout, /^error +agents\[1\]\.name .*Duplicate agent name "web"/m);
    assert.match(human.stdout, /\n2 errors, 0 warnings, 0 info\n$/);
    const json = await cli(["reload", "--json", "--socket", run.socket]);
    assert.equal(json.code, 1);
    const answer = JSON.parse(json.stdout);
    assert.equal(answer.status, "error");
    assert.equal(answer.code, 400);
    assert.equal(answer.data.valid, false);
    assert.equal(answer.data.results.length, 2);
    assert.deepEqual(answer.data.summary, { errors: 2, warnings: 0, info: 0 });
    assert.deepEqual(await pids(run.socket), before);
    const history = await requestOnce(run.socket, {
      command: "history",
      options: { event: "CONFIG_RELOADED" },
    });
    assert.equal((history as { data: { events: unknown[] } }).data.events.length, 0);
  });
});

Deno.test("cli reload --dry-run: the same difference, nothing changed (human and --json)", async () => {
  await withRun([sleeper("a"), sleeper("b")], async (run) => {
    await allRunning(run.socket, ["a", "b"]);
    const before = await pids(run.socket);
    await run.write([sleeper("a", "31"), sleeper("c")], { command_socket_permissions: "0660" });
    const human = await cli(["reload", "--dry-run", "--socket", run.socket]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^Dry run of ".*cfg\.jsonc", nothing changed: 1 added, 1 removed, 1 changed \(1 to restart\)/,
    );
    assert.match(human.stdout, /\nneeds restart: +command_socket_permissions\n/);
    const json = await cli(["reload", "--dry-run", "--json", "--socket", run.socket]);
    const answer = JSON.parse(json.stdout);
    assert.equal(answer.data.dry_run, true);
    assert.deepEqual(answer.data.restarted, ["a"]);
    assert.deepEqual(answer.data.needs_restart, ["command_socket_permissions"]);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await pids(run.socket), before);
  });
});

Deno.test("cli reload: SIGHUP does the same as the command; a refused file's errors are logged", async () => {
  const result = await withRun([sleeper("a"), sleeper("b")], async (run) => {
    await allRunning(run.socket, ["a", "b"]);
    const before = await pids(run.socket);
    await run.write([sleeper("a"), sleeper("b", "31")]);
    run.child.kill("SIGHUP");
    await until("b restarted", async () => {
      const now = await pids(run.socket);
      return now.b !== null && now.b !== before.b;
    }, 10_000);
    assert.equal((await pids(run.socket)).a, before.a);
    await Deno.writeTextFile(run.path, '{ "agents": [ }');
    run.child.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 500));
    const history = await requestOnce(run.socket, {
      command: "history",
      options: { event: "CONFIG_RELOADED" },
    });
    const events = (history as { data: { events: { data: ReloadReport & { trigger: string } }[] } })
      .data.events;
    assert.equal(events.length, 1);
    assert.equal(events[0].data.trigger, "SIGHUP");
    assert.deepEqual(events[0].data.restarted, ["b"]);
  });
  assert.match(result.stderr, /Reloaded ".*cfg\.jsonc" \(SIGHUP\): 0 added, 0 removed, 1 changed/);
  assert.match(
    result.stderr,
    /\[ERR\] orchestrator·run: Cannot reload ".*cfg\.jsonc": the config has \d+ errors?, nothing changed \(SIGHUP\)/,
  );
  assert.match(result.stderr, /\[ERR\] orchestrator·run: Reload: error .*cfg\.jsonc:1:\d+/);
});

Deno.test("cli reload: live options apply (a newly blocked command answers 403, the audit file moves), socket options are listed in needs_restart", async () => {
  await withRun([sleeper("a")], async (run) => {
    await allRunning(run.socket, ["a"]);
    await run.write([sleeper("a")], {
      blocked_commands: ["stats"],
      command_socket_permissions: "0660",
      cli_audit_log_path: `${run.dir}/audit2.log`,
    });
    const r = await cli(["reload", "--json", "--socket", run.socket]);
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout).data as ReloadReport;
    assert.deepEqual(data.options_applied, ["blocked_commands", "cli_audit_log_path"]);
    assert.deepEqual(data.needs_restart, ["command_socket_permissions"]);
    const stats = await requestOnce(run.socket, { command: "stats" });
    assert.equal(stats.status, "error");
    assert.equal((stats as { code: number }).code, 403);
    assert.equal(Deno.statSync(run.socket).mode! & 0o777, 0o600, "the socket keeps its mode");
    const moved = Deno.readTextFileSync(`${run.dir}/audit2.log`);
    assert.match(moved, /command=reload result=success/);
    assert.match(moved, /command=stats result=blocked code=403/);
    assert.doesNotMatch(Deno.readTextFileSync(`${run.dir}/audit.log`), /command=reload/);
  });
});

Deno.test("cli reload: the control socket's connection limits apply live: idle time, frame size, connections", async () => {
  await withRun([sleeper("a")], async (run) => {
    await allRunning(run.socket, ["a"]);
    // Before: the default idle time (far longer than this test) and 1 MiB frames.
    const early = await RawConn.open(run.socket);
    await run.write([sleeper("a")], {
      command_idle_timeout: 0.5,
      command_max_frame_bytes: 2048,
      command_max_connections: 20,
    });
    const r = await cli(["reload", "--json", "--socket", run.socket]);
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout).data as ReloadReport;
    assert.deepEqual(data.options_applied, [
      "command_max_connections",
      "command_idle_timeout",
      "command_max_frame_bytes",
    ]);
    assert.deepEqual(data.needs_restart, []);
    // The connection opened before the reload idles out on the new time.
    const outcome = await within(early.receive(), 5000);
    early.close();
    assert.equal(outcome, "eof", "closed within 5 s of idling");
    // A new connection reads frames of at most 2048 bytes.
    const late = await RawConn.open(run.socket);
    try {
      await late.send({ command: "status", args: ["x".repeat(4096)] });
      const answer = await late.receive() as { code: number };
      assert.equal(answer.code, 413);
    } finally {
      late.close();
    }
    const ok = await requestOnce(run.socket, { command: "ps" });
    assert.equal(ok.status, "success", "small requests still pass");
  });
});

Deno.test("cli reload: a reload asked for while one is applied waits for it, then compares with what it applied", async () => {
  const stubborn = (marker: string) => ({
    name: "stubborn",
    stop_timeout: 1,
    readiness: { log_pattern: "trapped" },
    tool_call_template: {
      call_template_type: "cli",
      command: "sh",
      args: ["-c", `trap '' TERM; echo trapped ${marker}; while :; do sleep 0.05; done`],
    },
  });
  await withRun([stubborn("one")], async (run) => {
    await until("stubborn ready", async () => {
      const s = await requestOnce(run.socket, { command: "status", args: ["stubborn"] });
      return (s as { data: { state: string } }).data.state === "ready";
    }, 10_000);
    await run.write([stubborn("two")]);
    const order: string[] = [];
    const first = requestOnce(run.socket, { command: "reload" }).then((r) => {
      order.push("first");
      return r;
    });
    await until("the first reload under way", async () => {
      const s = await requestOnce(run.socket, { command: "status", args: ["stubborn"] });
      return (s as { data: { state: string } }).data.state === "stopping";
    });
    const second = requestOnce(run.socket, { command: "reload" }).then((r) => {
      order.push("second");
      return r;
    });
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(order, ["first", "second"]);
    assert.equal(a.status, "success");
    assert.deepEqual((a as { data: ReloadReport }).data.restarted, ["stubborn"]);
    assert.equal(b.status, "success");
    assert.deepEqual((b as { data: ReloadReport }).data.changed, []);
    assert.equal((b as { data: ReloadReport }).data.unchanged, 1);
  });
});
