import assert from "node:assert/strict";
import { main } from "../../lib/cli/run.ts";
import { requestOnce } from "../../lib/control/client.ts";
import { EventStore } from "../../lib/events/store.ts";
import { identify, killAll, readPids, survivors, until } from "./_helpers.ts";
import { type CliRun, spawnRun, waitUntilServing, writeConfig } from "../cli/_orchestrator.ts";

/** Three agents that write their pid and their children's and grandchildren's pids. */
function treeAgents(dir: string) {
  return ["a", "b", "c"].map((name) => ({
    name,
    tool_call_template: {
      command: "sh",
      args: [
        "-c",
        `echo $$ >> ${dir}/pids; sleep 300 & echo $! >> ${dir}/pids; ` +
        `sh -c 'sleep 300 & echo $! >> ${dir}/pids; wait' & wait`,
      ],
    },
  }));
}

/** What a test body gets: the run, its temp dir, and the 9 identified agent processes. */
interface TreeRun {
  dir: string;
  child: Deno.ChildProcess;
  done: Promise<CliRun>;
  pids: ReturnType<typeof identify>;
}

/**
 * Runs `orchestrator run` on the tree agents (plus `extra` config keys), waits
 * until all 9 processes have written their pids, runs `body`, then kills
 * whatever is left (by pid and marker) and removes the temp dir.
 */
async function withTreeRun(
  extra: (dir: string) => Record<string, unknown>,
  body: (run: TreeRun) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orc-" });
  const config = await writeConfig(dir, { ...extra(dir), agents: treeAgents(dir) });
  const { child, done } = spawnRun(config);
  const pidFile = `${dir}/pids`;
  try {
    await until("9 agent pids", () => readPids(pidFile).length >= 9, 20_000);
    const pids = identify(readPids(pidFile));
    assert.equal(pids.length, 9, "all agents run before the test acts");
    await body({ dir, child, done, pids });
  } finally {
    killAll(readPids(pidFile), dir);
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited (and reaped): never signal a pid that may be reused.
    }
    await done;
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("kill -9 of the orchestrator leaves no agent process (grandchildren included)", async () => {
  await withTreeRun(() => ({}), async ({ child, done, pids }) => {
    child.kill("SIGKILL");
    assert.equal((await done).code, 137);
    await until("every agent process gone", () => survivors(pids).length === 0, 5000);
  });
});

Deno.test("run: SIGTERM stops the agents, records ORCHESTRATOR_SHUTDOWN, removes the socket, exits 0", async () => {
  const extra = (dir: string) => ({
    enable_command_interface: true,
    command_socket_path: `${dir}/o.sock`,
    event_store_path: `${dir}/events.db`,
  });
  await withTreeRun(extra, async ({ dir, child, done, pids }) => {
    const socket = `${dir}/o.sock`;
    await waitUntilServing(socket, done);
    const ps = await requestOnce(socket, { command: "ps" });
    assert.equal(ps.status, "success");
    child.kill("SIGTERM");
    const { code, stderr } = await done;
    assert.equal(code, 0, stderr);
    assert.deepEqual(survivors(pids), [], "agents stopped before exit");
    await assert.rejects(Deno.stat(socket), Deno.errors.NotFound);
    const store = EventStore.open({ path: `${dir}/events.db`, retention: 1000 });
    try {
      const names = store.query({ limit: 100 }).map((e) => e.event_name);
      assert.equal(names[0], "ORCHESTRATOR_SHUTDOWN");
      assert.equal(names.filter((n) => n === "AGENT_STOPPED").length, 3);
    } finally {
      store.close();
    }
  });
});

Deno.test("run: the shutdown command ends the orchestrator with exit 0", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orc-" });
  const socket = `${dir}/o.sock`;
  const config = await writeConfig(dir, {
    enable_command_interface: true,
    command_socket_path: socket,
    agents: [{ name: "s", tool_call_template: { command: "sleep", args: ["300"] } }],
  });
  const { child, done } = spawnRun(config);
  try {
    await waitUntilServing(socket, done);
    const res = await requestOnce(socket, { command: "status", args: ["s"] });
    assert.equal(res.status, "success");
    const pid = (res as { data: { pid: number } }).data.pid;
    const ids = identify([pid]);
    assert.equal(ids.length, 1);
    await requestOnce(socket, { command: "shutdown" });
    const { code, stderr } = await done;
    assert.equal(code, 0, stderr);
    assert.deepEqual(survivors(ids), []);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited (and reaped): never signal a pid that may be reused.
    }
    await done;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run refuses a config with errors (exit 1) and an unreadable one (exit 2)", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orc-" });
  try {
    await Deno.writeTextFile(`${dir}/bad.jsonc`, `{ "max_workers": 0, "agents": [] }`);
    const bad = await main([`${dir}/bad.jsonc`]);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr ?? "", /max_workers/);
    assert.match(bad.stderr ?? "", /Refusing to run/);
    const missing = await main([`${dir}/missing.jsonc`]);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr ?? "", /Cannot read config/);
    await Deno.writeTextFile(`${dir}/broken.jsonc`, `{ "agents": [ }`);
    assert.equal((await main([`${dir}/broken.jsonc`])).exitCode, 2);
    assert.equal((await main(["--help"])).exitCode, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
