import assert from "node:assert/strict";
import { requestOnce } from "../../lib/control/client.ts";
import { COMMAND_NAMES } from "../../lib/protocol/commands.ts";
import {
  baseConfig,
  cli,
  spawnRun,
  startOrchestrator,
  waitForSocket,
  writeConfig,
} from "./_orchestrator.ts";

const CLIENT_COMMANDS = COMMAND_NAMES;

Deno.test("cli: --help on every client command exits 0, names the command and its summary", async () => {
  const [top, ...runs] = await Promise.all([
    cli(["--help"]),
    ...CLIENT_COMMANDS.map((c) => cli([c, "--help"])),
  ]);
  const listed = new Map(
    top.stdout.split("\n").flatMap((line) => {
      const m = /^ {2}(\w+) +(.+)$/.exec(line);
      return m === null ? [] : [[m[1], m[2]] as const];
    }),
  );
  runs.forEach((r, i) => {
    const command = CLIENT_COMMANDS[i];
    assert.equal(r.code, 0, command);
    assert.match(r.stdout, new RegExp(`^Usage: orchestrator ${command}\\b`));
    assert.match(r.stdout, /--socket PATH/);
    const summary = r.stdout.split("\n")[2];
    assert.ok(summary.length > 0, command);
    assert.equal(listed.get(command), summary, `${command}: the same summary in both helps`);
  });
});

Deno.test("cli: usage errors exit 2, a missing socket exits 3 and names the path", async () => {
  const [unknownFlag, noAgent, extra, badTimeout, missing] = await Promise.all([
    cli(["ps", "--bogus"]),
    cli(["stop", "--socket", "/tmp/none.sock"]),
    cli(["ps", "web", "--socket", "/tmp/none.sock"]),
    cli(["ps", "--timeout", "zero"]),
    cli(["ps", "--socket", "/tmp/oc-missing/nope.sock"]),
  ]);
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /Unknown flag "--bogus"/);
  assert.equal(noAgent.code, 2);
  assert.match(noAgent.stderr, /needs an agent name/);
  assert.equal(extra.code, 2);
  assert.equal(badTimeout.code, 2);
  assert.equal(missing.code, 3);
  assert.equal(
    missing.stderr,
    'Cannot connect to "/tmp/oc-missing/nope.sock" (from --socket): no such file\n',
  );
});

Deno.test("cli: commands against a real orchestrator, human and --json", async () => {
  const o = await startOrchestrator();
  const env = { ORCHESTRATOR_SOCKET_PATH: o.socket };
  try {
    const wait = await cli(["status", "--wait", "--timeout", "20"], { env });
    assert.equal(wait.code, 0, wait.stderr);
    assert.match(wait.stdout, /^NAME\s+STATE/);

    const ps = await cli(["ps"], { env });
    assert.equal(ps.code, 0);
    assert.match(ps.stdout, /^NAME\s+STATE\s+PID\s+KIND\s+RESTARTS\s+UPTIME\s+CPU%\s+MEM\n/);
    assert.match(ps.stdout, /\nweb\s+running\s+\d+\s+service/);
    assert.equal(ps.stdout.includes("\x1b["), false); // no colour without a TTY

    const json = await cli(["ps", "--json"], { env });
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.status, "success");
    assert.equal(parsed.data.agents.length, 2);

    const call = await cli(["call", "job"], { env });
    assert.equal(call.code, 0, call.stderr);
    assert.equal(call.stdout.trim(), "job-ran");
    assert.match(call.stderr, /Task exited 0/);

    const history = await cli(["history", "--limit", "5", "--category", "command", "--json"], {
      env,
    });
    const events = JSON.parse(history.stdout).data.events;
    assert.ok(events.length >= 1 && events.length <= 5);
    assert.ok(events.every((e: { category: string }) => e.category === "command"));

    const status = await cli(["status", "web"], { env });
    assert.match(status.stdout, /^agent:\s+web$/m);
    const stats = await cli(["stats", o.socket]); // a positional socket, as connectivity_test.sh passes it
    assert.equal(stats.code, 0, stats.stderr);
    assert.match(stats.stdout, /^total agents:\s+2$/m);
    const report = await cli(["report", "--socket", o.socket]);
    assert.equal(report.code, 0);
    assert.match(report.stdout, /Problems: none/);
    const logs = await cli(["logs", "job", "--lines", "5"], { env });
    assert.match(logs.stdout, /job-ran/);

    const notFound = await cli(["stop", "ghost"], { env });
    assert.equal(notFound.code, 1);
    assert.match(notFound.stderr, /^Error 404: /);
    const notFoundJson = await cli(["stop", "ghost", "--json"], { env });
    assert.equal(notFoundJson.code, 1);
    assert.equal(JSON.parse(notFoundJson.stdout).code, 404);

    const badOption = await cli(["history", "--category", "nope"], { env });
    assert.equal(badOption.code, 1);
    assert.match(badOption.stderr, /^Error 400: /);

    const stop = await cli(["stop", "web"], { env });
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /Agent "web" is stopped/);
    const again = await cli(["stop", "web"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'Agent "web" is already stopped\n');
    const start = await cli(["start", "web"], { env });
    assert.equal(start.code, 0, start.stderr);
    const started = await cli(["start", "web", "--json"], { env });
    assert.equal(started.code, 0, started.stderr);
    assert.equal(JSON.parse(started.stdout).data.already, true);

    const config = await cli(["ps", "--config", o.config]); // socket from the config file
    assert.equal(config.code, 0, config.stderr);
  } finally {
    await o.stop();
  }
});

Deno.test("cli: status --wait exits 0 once up, and 3 at its timeout", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ow" });
  const socket = `${dir}/o.sock`;
  try {
    const timedOut = await cli(["status", "--wait", "--timeout", "0.5", "--socket", socket]);
    assert.equal(timedOut.code, 3);
    assert.match(timedOut.stderr, /Timed out after 0.5 s/);

    // the waiter starts before the orchestrator exists
    const waiting = cli(["status", "--wait", "--timeout", "30", "--socket", socket]);
    const config = await writeConfig(dir, baseConfig(dir));
    const run = spawnRun(config);
    const waited = await waiting;
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, /web\s+running/);
    run.child.kill("SIGTERM");
    assert.equal((await run.done).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: shutdown stops the orchestrator, which exits 0 and removes its socket", async () => {
  const o = await startOrchestrator();
  try {
    const res = await cli(["shutdown", "--socket", o.socket]);
    assert.equal(res.code, 0);
    assert.equal(res.stdout.trim(), "Shutdown initiated");
    assert.equal((await o.done).code, 0);
    await assert.rejects(Deno.lstat(o.socket), Deno.errors.NotFound);
    const after = await cli(["ps", "--socket", o.socket]);
    assert.equal(after.code, 3);
  } finally {
    await o.stop();
  }
});

Deno.test("cli: run refuses a live socket; a socket left by kill -9 is reclaimed", async () => {
  const o = await startOrchestrator();
  try {
    const second = spawnRun(o.config);
    const refused = await second.done;
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.trim(),
      `Cannot run: another orchestrator (pid ${o.child.pid}) holds "${o.socket}.lock"`,
    );

    o.child.kill("SIGKILL");
    await o.done;
    assert.equal((await Deno.lstat(o.socket)).isSocket, true); // left behind
    const third = spawnRun(o.config);
    await waitForSocket(o.socket);
    const ps = await cli(["ps", "--socket", o.socket]);
    assert.equal(ps.code, 0, ps.stderr);
    third.child.kill("SIGTERM");
    assert.equal((await third.done).code, 0);
  } finally {
    await o.stop();
  }
});

Deno.test("cli: status --wait exits 1 at once when an autostart agent has failed", async () => {
  const o = await startOrchestrator({
    agents: [{
      name: "bad",
      restart: "no",
      tool_call_template: { call_template_type: "cli", command: "false" },
    }],
  });
  try {
    // `false` is briefly `running` (up) before it exits: ask only once it has failed.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ps = await requestOnce(o.socket, { command: "status", args: ["bad"] });
      if (ps.status === "success" && (ps.data as { state: string }).state === "failed") break;
      assert.ok(Date.now() < deadline, "agent bad fails within 10 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    const started = Date.now();
    const res = await cli(["status", "--wait", "--timeout", "20", "--socket", o.socket]);
    assert.equal(res.code, 1);
    assert.equal(
      res.stderr,
      'Not waiting: "bad" is failed (exited with code 1), and cannot come up by itself\n',
    );
    assert.ok(Date.now() - started < 10_000, "no waiting out the timeout");
  } finally {
    await o.stop();
  }
});

Deno.test("cli: status --wait keeps the last answer's reason when the final attempt is cut short", async () => {
  // A server that answers the first connection's status with an agent in backoff (it may
  // still come up) and
  // then reads every later request without answering: the wait's last attempt
  // always runs into the deadline.
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ow-" });
  const path = `${dir}/o.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    let first = true;
    for await (const conn of listener) {
      conns.push(conn);
      const buf = new Uint8Array(4096);
      await conn.read(buf); // the request
      if (!first) continue; // stall: never answer
      first = false;
      const body = new TextEncoder().encode(JSON.stringify({
        status: "success",
        data: { agents: [{ name: "bad", agent_name: "bad", state: "backoff", autostart: true }] },
      }));
      const frame = new Uint8Array(4 + body.length);
      new DataView(frame.buffer).setUint32(0, body.length);
      frame.set(body, 4);
      await conn.write(frame);
    }
  })();
  try {
    const res = await cli(["status", "--wait", "--timeout", "1", "--socket", path]);
    assert.equal(res.code, 3);
    assert.match(
      res.stderr,
      /Timed out after 1 s waiting for the orchestrator: not up: bad \(backoff\)/,
    );
    assert.ok(conns.length >= 2, "the wait tried again after the first answer");
  } finally {
    listener.close();
    for (const conn of conns) conn.close();
    await serving.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
