/**
 * What a real `orchestrator run` does with its files before anything else
 * (docs/operations.md, "Faults"): exactly one of two runs started at the
 * same instant wins the lock; missing directories are created 0700.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { requestOnce } from "../../lib/control/client.ts";
import { type CliRun, spawnRun, waitForSocket, writeConfig } from "./_orchestrator.ts";

function sleepAgents() {
  return [{
    name: "s",
    tool_call_template: { call_template_type: "cli", command: "sleep", args: ["30"] },
  }];
}

async function stop(child: Deno.ChildProcess, done: Promise<CliRun>): Promise<CliRun> {
  try {
    child.kill("SIGTERM");
  } catch {
    // Already exited.
  }
  return await done;
}

/** One trial: two runs on one config at the same instant; checks that exactly one survives. */
async function raceTrial(sub: string): Promise<void> {
  await Deno.mkdir(sub);
  const socket = `${sub}/o.sock`;
  const config = await writeConfig(sub, {
    enable_command_interface: true,
    command_socket_path: socket,
    event_store_path: `${sub}/events.db`,
    shutdown_timeout: 2,
    agents: sleepAgents(),
  });
  const runs = [spawnRun(config), spawnRun(config)];
  const first = await Promise.race(runs.map((r, i) => r.done.then((res) => ({ i, res }))));
  const loser = runs[first.i];
  const winner = runs[1 - first.i];
  try {
    assert.equal(first.res.code, 1, `${sub}: ${first.res.stderr}`);
    assert.equal(
      first.res.stderr.trim(),
      `Cannot run: another orchestrator (pid ${winner.child.pid}) holds "${socket}.lock"`,
      sub,
    );
    await waitForSocket(socket);
    const ps = await requestOnce(socket, { command: "ps" });
    assert.equal(ps.status, "success");
  } finally {
    const result = await stop(winner.child, winner.done);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await loser.done).code, 1);
  }
  assert.deepEqual([...Deno.readDirSync(sub)].map((e) => e.name).sort(), [
    "cfg.jsonc",
    "events.db",
  ]);
}

Deno.test("run: two runs on the same socket and event store started at the same instant: exactly one survives, 20 times out of 20", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orl" });
  try {
    // Four races at a time: the machine is loaded, as when the original race showed.
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all([0, 1, 2, 3].map((i) => raceTrial(`${dir}/t${batch * 4 + i}`)));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run: a second run on the same event store (another socket) names the holder of the store's lock", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orl" });
  try {
    const store = `${dir}/events.db`;
    const a = await writeConfig(`${dir}`, {
      enable_command_interface: true,
      command_socket_path: `${dir}/a.sock`,
      event_store_path: store,
      agents: sleepAgents(),
    });
    await Deno.mkdir(`${dir}/b`);
    const b = await writeConfig(`${dir}/b`, {
      event_store_path: store,
      agents: sleepAgents(),
    });
    const first = spawnRun(a);
    try {
      await waitForSocket(`${dir}/a.sock`);
      const second = await spawnRun(b).done;
      assert.equal(second.code, 1);
      assert.equal(
        second.stderr.trim(),
        `Cannot run: another orchestrator (pid ${first.child.pid}) holds "${store}.lock"`,
      );
    } finally {
      assert.equal((await stop(first.child, first.done)).code, 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run: creates a missing log_dir and event store directory with mode 0700; the store is 0600", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orl" });
  try {
    const socket = `${dir}/o.sock`;
    const config = await writeConfig(dir, {
      enable_command_interface: true,
      command_socket_path: socket,
      event_store_path: `${dir}/state/db/events.db`,
      log_dir: `${dir}/var/logs`,
      agents: [{
        name: "hello",
        tool_call_template: {
          call_template_type: "cli",
          command: "sh",
          args: ["-c", "echo hello; sleep 30"],
        },
      }],
    });
    const { child, done } = spawnRun(config);
    try {
      await waitForSocket(socket);
      for (const d of ["state", "state/db", "var", "var/logs"]) {
        assert.equal(Deno.statSync(`${dir}/${d}`).mode! & 0o777, 0o700, d);
      }
      assert.equal(Deno.statSync(`${dir}/state/db/events.db`).mode! & 0o777, 0o600);
      const log = `${dir}/var/logs/hello.stdout.log`;
      for (let i = 0; i < 200; i++) {
        try {
          if (Deno.readTextFileSync(log) === "hello\n") break;
        } catch {
          // Not written yet.
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(Deno.readTextFileSync(log), "hello\n");
      assert.equal(Deno.statSync(log).mode! & 0o777, 0o600);
    } finally {
      const result = await stop(child, done);
      assert.equal(result.code, 0, result.stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run: an event_store_path naming another program's SQLite file is refused (exit 1, one clear line), the file unchanged", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "orl" });
  try {
    const path = `${dir}/app.db`;
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (42)");
    db.close();
    const before = await Deno.readFile(path);
    const config = await writeConfig(dir, { event_store_path: path, agents: sleepAgents() });
    const result = await spawnRun(config).done;
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr.trim(),
      `Cannot open event store "${path}": not an event store: it already holds table(s) "t" and no schema version`,
    );
    assert.deepEqual(await Deno.readFile(path), before);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["app.db", "cfg.jsonc"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
