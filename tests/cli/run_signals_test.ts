/**
 * Signals sent to a real `orchestrator run` (docs/operations.md, "Faults"):
 * SIGQUIT shuts down gracefully like SIGTERM; SIGHUP reloads the config (an
 * unchanged file changes nothing; tests/cli/reload_test.ts has the rest);
 * SIGUSR2 is logged and ignored; SIGUSR1 reopens the agents' log files and
 * closes the debugger Deno opens on that signal.
 */

import assert from "node:assert/strict";
import { requestOnce } from "../../lib/control/client.ts";
import { EventStore } from "../../lib/events/store.ts";
import {
  CLI,
  type CliRun,
  spawnRun,
  waitForSocket,
  waitUntilServing,
  writeConfig,
} from "./_orchestrator.ts";
import { until } from "../orchestrator/_helpers.ts";

/** An agent that appends "got-term" to `file` on SIGTERM and exits 0; it prints a tick line every 50 ms. */
function termAgent(file: string) {
  return {
    name: "t",
    tool_call_template: {
      call_template_type: "cli",
      command: "sh",
      args: [
        "-c",
        `trap 'echo got-term >> ${file}; exit 0' TERM; i=0; ` +
        `while :; do i=$((i+1)); echo tick-$i; sleep 0.05; done`,
      ],
    },
  };
}

interface Running {
  dir: string;
  socket: string;
  child: Deno.ChildProcess;
  done: Promise<CliRun>;
}

async function withRun(
  extra: (dir: string) => Record<string, unknown>,
  body: (run: Running) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "osg" });
  const socket = `${dir}/o.sock`;
  const config = await writeConfig(dir, {
    enable_command_interface: true,
    command_socket_path: socket,
    shutdown_timeout: 5,
    agents: [termAgent(`${dir}/term`)],
    ...extra(dir),
  });
  const { child, done } = spawnRun(config);
  try {
    await waitUntilServing(socket, done);
    await body({ dir, socket, child, done });
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited (and reaped).
    }
    await done;
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("run: SIGQUIT shuts down gracefully: the agent gets its stop_signal, ORCHESTRATOR_SHUTDOWN is recorded, the socket is removed", async () => {
  await withRun((dir) => ({ event_store_path: `${dir}/events.db` }), async (run) => {
    run.child.kill("SIGQUIT");
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /Shutting down: received SIGQUIT/);
    assert.equal(Deno.readTextFileSync(`${run.dir}/term`), "got-term\n");
    await assert.rejects(Deno.lstat(run.socket), Deno.errors.NotFound);
    await assert.rejects(Deno.lstat(`${run.socket}.lock`), Deno.errors.NotFound);
    const store = EventStore.open({ path: `${run.dir}/events.db`, retention: 1000 });
    try {
      const events = store.query({ limit: 100 });
      assert.equal(events[0].event_name, "ORCHESTRATOR_SHUTDOWN");
      const stopped = events.find((e) => e.event_name === "AGENT_STOPPED");
      assert.ok(stopped !== undefined);
    } finally {
      store.close();
    }
  });
});

Deno.test("run: SIGHUP reloads an unchanged config and SIGUSR2 is logged and ignored; the orchestrator keeps serving and its agent keeps running", async () => {
  await withRun(() => ({}), async (run) => {
    const before = await requestOnce(run.socket, { command: "status", args: ["t"] });
    assert.equal(before.status, "success");
    const pid = (before as { data: { pid: number } }).data.pid;
    for (const signal of ["SIGHUP", "SIGUSR2", "SIGHUP"] as const) {
      run.child.kill(signal);
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await requestOnce(run.socket, { command: "status", args: ["t"] });
    assert.equal(after.status, "success");
    assert.equal((after as { data: { pid: number; state: string } }).data.pid, pid);
    assert.equal((after as { data: { state: string } }).data.state, "running");
    run.child.kill("SIGTERM");
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    assert.equal(stderr.match(/Received SIGHUP: reloading the config/g)?.length, 2, stderr);
    assert.equal(stderr.match(/Reloaded ".*" \(SIGHUP\): .* 1 unchanged/g)?.length, 2, stderr);
    assert.match(stderr, /Received SIGUSR2: ignored/);
  });
});

/** True when process `pid` has a TCP socket listening on 127.0.0.1:9229. */
function listensOn9229(pid: number): boolean {
  const inodes = new Set<string>();
  for (const line of Deno.readTextFileSync("/proc/net/tcp").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && f[1] === "0100007F:2405" && f[3] === "0A") inodes.add(f[9]);
  }
  if (inodes.size === 0) return false;
  for (const fd of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      const m = Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`).match(/^socket:\[(\d+)\]$/);
      if (m !== null && inodes.has(m[1])) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
}

Deno.test("run: SIGUSR1 reopens the agents' log files (logrotate) and closes the debugger Deno opens on it", async () => {
  await withRun((dir) => ({ log_dir: `${dir}/logs` }), async (run) => {
    const log = `${run.dir}/logs/t.stdout.log`;
    await until("the agent's log file", () => {
      try {
        return Deno.readTextFileSync(log).includes("tick-2\n");
      } catch {
        return false;
      }
    });
    // Deno arms its SIGUSR1 debugger 500 ms after start: be past that, so the test sees it.
    await new Promise((r) => setTimeout(r, 600));
    Deno.renameSync(log, `${log}.1`);
    run.child.kill("SIGUSR1");
    await until("a new log file at the path", () => {
      try {
        return /tick-\d+\n/.test(Deno.readTextFileSync(log));
      } catch {
        return false;
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(listensOn9229(run.child.pid), false, "no debugger left listening");
    const rotated = Deno.readTextFileSync(`${log}.1`);
    const fresh = Deno.readTextFileSync(log);
    const last = Number(rotated.trimEnd().split("\n").at(-1)!.slice(5));
    const first = Number(fresh.split("\n")[0].slice(5));
    assert.equal(first, last + 1, "no line lost or doubled across the reopen");
    run.child.kill("SIGTERM");
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /Received SIGUSR1: reopened 1 agent log files/);
    // Deno could not open its debugger when something else holds port 9229.
    const closed =
      /Closed the debugger Deno opened on SIGUSR1 \(ws:\/\/127\.0\.0\.1:9229\/[0-9a-f-]+\)/;
    assert.ok(
      closed.test(stderr) || stderr.includes("Failed to start inspector server"),
      stderr,
    );
  });
});

Deno.test({
  name:
    "run: a foreground run survives its terminal closing (the kernel's SIGHUP), and still shuts down on SIGTERM",
  ignore: Deno.build.os !== "linux" || !Deno.statSync("/usr/bin/script").isFile,
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "osg" });
    const socket = `${dir}/o.sock`;
    const config = await writeConfig(dir, {
      enable_command_interface: true,
      command_socket_path: socket,
      agents: [termAgent(`${dir}/term`)],
    });
    // script(1) runs `run` on a new pseudo-terminal, as its session's foreground job.
    const terminal = new Deno.Command("script", {
      args: ["-qfc", `exec ${Deno.execPath()} run -A ${CLI} run ${config}`, "/dev/null"],
      env: { SHELL: "/bin/sh", NO_COLOR: "1" },
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    let runPid: number | null = null;
    try {
      await waitForSocket(socket);
      runPid = Number(
        Deno.readTextFileSync(`/proc/${terminal.pid}/task/${terminal.pid}/children`).trim(),
      );
      assert.ok(runPid > 0);
      terminal.kill("SIGKILL"); // the terminal goes away: its master side closes
      await terminal.status;
      await new Promise((r) => setTimeout(r, 300));
      const ps = await requestOnce(socket, { command: "ps" });
      assert.equal(ps.status, "success", "still serving after the hangup");
      Deno.kill(runPid, "SIGTERM");
      await until("the socket removed by the shutdown", () => {
        try {
          Deno.lstatSync(socket);
          return false;
        } catch {
          return true;
        }
      }, 10_000);
      runPid = null;
      assert.equal(Deno.readTextFileSync(`${dir}/term`), "got-term\n");
    } finally {
      try {
        terminal.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await terminal.status;
      if (runPid !== null) {
        try {
          Deno.kill(runPid, "SIGKILL");
        } catch {
          // Gone.
        }
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});
