/**
 * `orchestrator run` under a service manager, end to end: the real
 * `cli.ts run` started by `systemd-socket-activate` (which passes the
 * listening socket exactly as systemd does) with a `NOTIFY_SOCKET` this
 * test listens on (docs/systemd.md).
 */

import assert from "node:assert/strict";
import { onPath, waitForSocket } from "../_host.ts";
import { ControlClient } from "../../lib/control/client.ts";
import { auditLines } from "../control/_helpers.ts";
import { CLI } from "../cli/_orchestrator.ts";
import { type Receiver, startReceiver } from "./_receiver.ts";

const HAS_ACTIVATE = onPath("systemd-socket-activate");

/** Prints whether the systemd variables or the passed descriptor reached the agent, then gets ready. */
const SLOW_AGENT = "sleep 0.6; " +
  'env | grep -E "^(LISTEN_|NOTIFY_SOCKET|WATCHDOG_)" || echo no-systemd-variables; ' +
  "if [ -e /proc/$$/fd/3 ]; then echo fd3-inherited; fi; echo up; exec sleep 30";

function config(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enable_command_interface: true,
    command_socket_path: `${dir}/o.sock`,
    cli_audit_log_path: `${dir}/audit.log`,
    log_cli_commands: false,
    shutdown_timeout: 2,
    // Not about containment; and a run in cgroup mode reaps the cgroups of dead orchestrators at
    // start, which the containment tests leave on purpose while they run in parallel.
    containment: "process-group",
    agents: [
      { name: "web", tool_call_template: { command: "sleep", args: ["30"] } },
      {
        name: "slow",
        readiness: { log_pattern: "^up$" },
        tool_call_template: { command: "sh", args: ["-c", SLOW_AGENT] },
      },
      { name: "bad", restart: "no", tool_call_template: { command: "false" } },
      { name: "job", kind: "task", autostart: false, tool_call_template: { command: "true" } },
    ],
    ...extra,
  };
}

async function writeConfig(dir: string, value: Record<string, unknown>): Promise<string> {
  const path = `${dir}/cfg.jsonc`;
  await Deno.writeTextFile(path, JSON.stringify(value, null, 2));
  return path;
}

/** The notifications up to and including the first one for which `last` holds. */
async function until(receiver: Receiver, last: (m: string) => boolean): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const message = await receiver.next(20_000);
    if (message === null) throw new Error(`No such notification; got ${JSON.stringify(seen)}`);
    seen.push(message);
    if (last(message)) return seen;
  }
}

function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
}

Deno.test({
  name: "run under systemd-socket-activate: serves the passed socket with verified callers, " +
    "READY=1 once every autostart agent is up or failed, STATUS, WATCHDOG, STOPPING; " +
    "agents inherit neither socket nor variables; the socket file stays",
  ignore: !HAS_ACTIVATE,
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "sr" });
    const receiver = await startReceiver(`${dir}/notify`);
    const socket = `${dir}/o.sock`;
    const child = new Deno.Command("systemd-socket-activate", {
      args: [
        "-l",
        socket,
        "--fdname=control",
        `-E`,
        `NOTIFY_SOCKET=${dir}/notify`,
        "-E",
        "WATCHDOG_USEC=400000",
        "-E",
        "NO_COLOR=1",
        Deno.execPath(),
        "run",
        "-A",
        CLI,
        "run",
        await writeConfig(dir, config(dir)),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let exited = false;
    try {
      await waitForSocket(socket, child);
      // The first connection makes systemd-socket-activate exec the orchestrator.
      const client = await ControlClient.connect(socket, { identity: { user: "mallory" } });
      try {
        const stats = await client.request("stats");
        assert.equal(stats.status, "success", JSON.stringify(stats));
        assert.deepEqual((stats as { data: { socket: unknown } }).data.socket, {
          path: socket,
          source: "systemd",
          verified_peers: true,
        });

        const boot = await until(receiver, (m) => m.startsWith("READY=1"));
        assert.equal(boot.at(-1), "READY=1\nSTATUS=2 agents up, 1 failed, 1 stopped");
        assert.ok(boot.filter((m) => m === "WATCHDOG=1").length >= 2, JSON.stringify(boot));
        assert.equal(boot.filter((m) => m.startsWith("READY=1")).length, 1);

        const logs = await client.request("logs", ["slow"]);
        const stdout = (logs as { data: { stdout: string[] } }).data.stdout.join("\n");
        assert.match(stdout, /no-systemd-variables/);
        assert.doesNotMatch(stdout, /fd3-inherited/);

        assert.equal((await client.request("shutdown")).status, "success");
      } finally {
        client.close();
      }
      const stopping = await until(receiver, (m) => m.startsWith("STOPPING=1"));
      assert.equal(stopping.at(-1), "STOPPING=1\nSTATUS=Stopping: shutdown command");
      const status = await child.status;
      exited = true;
      const log = await stderr;
      assert.equal(status.code, 0, log);
      assert.match(
        log,
        /Control socket: \S+o\.sock \(passed by the service manager; callers verified\)/,
      );
      assert.ok(Deno.lstatSync(socket).isSocket, "the passed socket's file is left in place");

      const lines = await auditLines(`${dir}/audit.log`);
      assert.equal(lines.length, 3);
      for (const line of lines) {
        assert.match(line, / user=root reported_user=mallory command=\S+ .* uid=0 pid=\d+$/);
      }
    } finally {
      if (!exited) kill(child);
      await child.status;
      await stderr;
      await receiver.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("run with NOTIFY_SOCKET and a socket it binds: READY=1 waits for readiness; SIGTERM sends STOPPING=1", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "sn" });
  const receiver = await startReceiver(`${dir}/notify`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "run", await writeConfig(dir, config(dir))],
    env: { NO_COLOR: "1", NOTIFY_SOCKET: `${dir}/notify` },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  try {
    const boot = await until(receiver, (m) => m.startsWith("READY=1"));
    assert.equal(boot.at(-1), "READY=1\nSTATUS=2 agents up, 1 failed, 1 stopped");
    assert.ok(!boot.includes("WATCHDOG=1"), "no WATCHDOG_USEC, no pings");
    const client = await ControlClient.connect(`${dir}/o.sock`);
    try {
      const stats = await client.request("stats");
      assert.deepEqual((stats as { data: { socket: unknown } }).data.socket, {
        path: `${dir}/o.sock`,
        source: "bound",
        verified_peers: false,
      });
      const slow = await client.request("status", ["slow"]);
      assert.equal((slow as { data: { state: string } }).data.state, "ready");
    } finally {
      client.close();
    }
    child.kill("SIGTERM");
    const stopping = await until(receiver, (m) => m.startsWith("STOPPING=1"));
    assert.equal(stopping.at(-1), "STOPPING=1\nSTATUS=Stopping: received SIGTERM");
    const status = await child.status;
    exited = true;
    assert.equal(status.code, 0, await stderr);
  } finally {
    if (!exited) kill(child);
    await child.status;
    await stderr;
    await receiver.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run refuses malformed socket-activation variables, naming the variable", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "sv" });
  try {
    const path = await writeConfig(dir, config(dir));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "run", path],
      env: { NO_COLOR: "1", LISTEN_PID: "abc", LISTEN_FDS: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    assert.match(
      new TextDecoder().decode(out.stderr),
      /Invalid LISTEN_PID "abc": not a process id/,
    );
    assert.throws(() => Deno.lstatSync(`${dir}/o.sock`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "run refuses a passed socket when the command interface is disabled",
  ignore: !HAS_ACTIVATE,
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "sd" });
    const socket = `${dir}/o.sock`;
    const path = await writeConfig(dir, config(dir, { enable_command_interface: false }));
    const child = new Deno.Command("systemd-socket-activate", {
      args: ["-l", socket, "-E", "NO_COLOR=1", Deno.execPath(), "run", "-A", CLI, "run", path],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    try {
      await waitForSocket(socket, child);
      const conn = await Deno.connect({ transport: "unix", path: socket });
      const status = await child.status;
      conn.close();
      assert.equal(status.code, 1);
      assert.match(
        await stderr,
        /the service manager passed a control socket but "enable_command_interface" is false/,
      );
    } finally {
      kill(child);
      await child.status;
      await stderr;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
