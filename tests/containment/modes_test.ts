/**
 * Containment end to end, per mode, with a real `orchestrator run` whose
 * agent daemonizes (double fork + setsid): `stop` kills the daemon, a
 * SIGKILLed orchestrator's watchdog kills it, the next run kills it when the
 * watchdog died too, and `stats` names the mode.
 */

import assert from "node:assert/strict";
import { childrenOf } from "../../lib/containment/proc.ts";
import { requestOnce } from "../../lib/control/client.ts";
import {
  cgroupDirectory,
  parseCgroup2Mounts,
  parseOwnCgroup,
} from "../../lib/containment/cgroup_location.ts";
import { writeConfig } from "../cli/_orchestrator.ts";
import {
  harness,
  identify,
  killAll,
  readPids,
  survivors,
  until,
} from "../orchestrator/_helpers.ts";
import {
  cgroupWritable,
  command,
  daemonAgent,
  type DaemonRun,
  reapedBy,
  removeCgroupsOf,
  spawnOrchestrator,
  stats,
  withDaemonRun,
} from "./_helpers.ts";

const CGROUPS = cgroupWritable();

/** The orchestrator cgroups of `run`'s orchestrator, in its private cgroup. */
function cgroupsOf(run: DaemonRun): string[] {
  if (run.cgroup === null) return [];
  return [...Deno.readDirSync(run.cgroup)]
    .filter((e) => e.isDirectory && e.name.startsWith(`orchestrator-${run.child.pid}-`))
    .map((e) => `${run.cgroup}/${e.name}`);
}

/** The pids listed in the orchestrator's adopted file (subreaper mode): adopted and agents. */
function adoptedPids(run: DaemonRun): number[] {
  const dir = `${run.dir}/xdg/orchestrator`;
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (!entry.name.startsWith(`adopted-${run.child.pid}-`) || !entry.name.endsWith(".json")) {
        continue;
      }
      const data = JSON.parse(Deno.readTextFileSync(`${dir}/${entry.name}`));
      return [...data.adopted, ...data.agents].map((r: { pid: number }) => r.pid);
    }
  } catch {
    // Not written yet.
  }
  return [];
}

/** The watchdog (`awk … registry=…`) among the orchestrator's children. */
function watchdogOf(pid: number): number {
  for (const child of childrenOf(pid)) {
    try {
      if (Deno.readTextFileSync(`/proc/${child}/cmdline`).includes("registry=")) return child;
    } catch {
      // Gone.
    }
  }
  throw new Error(`No watchdog among the children of ${pid}`);
}

/** Waits until the daemon is recorded where the watchdog and the next run find it. */
async function untilRecorded(mode: string, run: DaemonRun): Promise<void> {
  if (mode === "subreaper") {
    await until("daemon and agent listed", () => {
      const listed = adoptedPids(run);
      return listed.includes(run.daemon) && listed.includes(run.agent);
    }, 5000);
  } else {
    assert.equal(cgroupsOf(run).length, 1, "one orchestrator cgroup");
  }
}

for (const mode of ["cgroup", "subreaper"]) {
  const ignore = mode === "cgroup" && !CGROUPS;

  Deno.test({
    name: `containment ${mode}: stop kills the daemonized grandchild; stats says "${mode}"`,
    ignore,
    fn: () =>
      withDaemonRun(mode, async (run) => {
        assert.equal((await stats(run.socket)).containment, mode);
        const daemon = identify([run.daemon]);
        assert.equal(daemon.length, 1, "the daemon runs");
        await untilRecorded(mode, run);
        await command(run.socket, "stop", ["d"]);
        await until("the daemon gone", () => survivors(daemon).length === 0, 3000);
        if (mode === "subreaper") {
          await until("the daemon reaped", () => reapedBy(run.daemon, run.child.pid), 3000);
        }
        run.child.kill("SIGTERM");
        const { code, stderr } = await run.done;
        assert.equal(code, 0, stderr);
        assert.deepEqual(cgroupsOf(run), [], "cgroups removed at shutdown");
      }),
  });

  Deno.test({
    name: `containment ${mode}: when the agent exits by itself, its daemon is killed`,
    ignore,
    fn: () =>
      withDaemonRun(mode, async (run) => {
        const daemon = identify([run.daemon]);
        assert.equal(daemon.length, 1, "the daemon runs");
        await until("the agent completed", async () => {
          const res = await requestOnce(run.socket, { command: "status", args: ["d"] });
          return (res as { data?: { state?: string } }).data?.state === "completed";
        }, 5000);
        await until("the daemon gone", () => survivors(daemon).length === 0, 1500);
      }, "sleep 1"),
  });

  Deno.test({
    name: `containment ${mode}: kill -9 of the orchestrator, the watchdog kills the daemon`,
    ignore,
    fn: () =>
      withDaemonRun(mode, async (run) => {
        const daemon = identify([run.daemon]);
        await untilRecorded(mode, run);
        run.child.kill("SIGKILL");
        assert.equal((await run.done).code, 137);
        await until("the daemon gone", () => survivors(daemon).length === 0, 1500);
        if (mode === "cgroup") {
          await until("cgroups removed", () => cgroupsOf(run).length === 0, 3000);
        }
      }),
  });

  Deno.test({
    name: `containment ${mode}: with the watchdog killed too, the next run kills the daemon`,
    ignore,
    fn: () =>
      withDaemonRun(mode, async (run) => {
        const daemon = identify([run.daemon, run.agent]);
        assert.equal(daemon.length, 2, "daemon and agent leader run");
        await untilRecorded(mode, run);
        const watchdog = watchdogOf(run.child.pid);
        Deno.kill(watchdog, "SIGKILL");
        run.child.kill("SIGKILL");
        await run.done;
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(survivors(daemon).length, 2, "nothing killed them yet");
        await Deno.mkdir(`${run.dir}/next`);
        const config = await writeConfig(`${run.dir}/next`, { containment: mode, agents: [] });
        const next = spawnOrchestrator(run.dir, config, ["-A"], run.cgroup);
        try {
          await until("daemon and agent gone", () => survivors(daemon).length === 0, 10_000);
          if (mode === "cgroup") {
            await until("old cgroups removed", () => cgroupsOf(run).length === 0, 5000);
          }
        } finally {
          next.child.kill("SIGTERM");
          const { code, stderr } = await next.done;
          assert.equal(code, 0, stderr);
          await removeCgroupsOf(next.child.pid);
        }
      }),
  });
}

Deno.test("containment process-group: stats says so; a daemon outlives stop (the documented limit)", () =>
  withDaemonRun("process-group", async (run) => {
    assert.equal((await stats(run.socket)).containment, "process-group");
    const daemon = identify([run.daemon]);
    await command(run.socket, "stop", ["d"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(survivors(daemon).length, 1, "the daemon escaped its process group");
    killAll([run.daemon], run.dir);
  }));

Deno.test('run refuses containment "subreaper" without FFI: exit 1 with the reason', async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ock-" });
  try {
    const config = await writeConfig(dir, { containment: "subreaper", agents: [] });
    const { done } = spawnOrchestrator(dir, config, ["-A", "--deny-ffi"]);
    const { code, stderr } = await done;
    assert.equal(code, 1, stderr);
    assert.match(stderr, /Cannot become a child subreaper: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "containment auto: cgroup where a writable cgroup v2 subtree exists (in process)",
  ignore: !CGROUPS,
  fn: async () => {
    const h = await harness((dir) => ({ agents: [daemonAgent(dir)] }));
    let cgroup = "";
    try {
      assert.equal(h.orchestrator.stats().containment, "cgroup");
      await until("the daemon's pid", () => readPids(`${h.dir}/daemon.pid`).length > 0);
      const daemon = identify(readPids(`${h.dir}/daemon.pid`));
      assert.equal(daemon.length, 1);
      const path = parseOwnCgroup(Deno.readTextFileSync(`/proc/${daemon[0].pid}/cgroup`)) ?? "";
      assert.match(path, new RegExp(`/orchestrator-${Deno.pid}-[0-9]+(-[0-9]+)?/agent-d$`));
      const mounts = parseCgroup2Mounts(Deno.readTextFileSync("/proc/self/mountinfo"));
      cgroup = cgroupDirectory(mounts, path.replace(/\/agent-d$/, ""))?.dir ?? "";
      assert.ok((await Deno.stat(cgroup)).isDirectory, "this orchestrator's cgroup");
      await h.orchestrator.stop("d");
      await until("the daemon gone", () => survivors(daemon).length === 0, 2000);
    } finally {
      killAll(readPids(`${h.dir}/daemon.pid`), h.dir);
      await h.close();
    }
    await assert.rejects(Deno.stat(cgroup), Deno.errors.NotFound, "removed at shutdown");
  },
});
