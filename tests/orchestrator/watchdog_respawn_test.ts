/**
 * The no-orphan watchdog is killed, then the orchestrator is killed with
 * SIGKILL: a new watchdog was started at once, so no agent survives
 * (docs/operations.md, "Faults").
 */

import assert from "node:assert/strict";
import { identify, killAll, readPids, survivors, until } from "./_helpers.ts";
import { spawnRun, writeConfig } from "../cli/_orchestrator.ts";

/** The child processes of `pid` (every thread's children). */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`);
      out.push(...text.trim().split(/\s+/).filter((s) => s !== "").map(Number));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** The watchdog among the children of `pid`: the awk given a `registry=` variable. */
function watchdogOf(pid: number): number | null {
  for (const child of children(pid)) {
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${child}/cmdline`);
      if (/^(\S*\/)?awk\0-v\0registry=/.test(cmdline)) return child;
    } catch {
      // Gone meanwhile.
    }
  }
  return null;
}

Deno.test("watchdog: killed, it is replaced at once and logged; SIGKILL of the orchestrator then still kills every agent", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "owd" });
  const pidFile = `${dir}/pids`;
  const config = await writeConfig(dir, {
    agents: ["a", "b"].map((name) => ({
      name,
      tool_call_template: {
        call_template_type: "cli",
        command: "sh",
        args: ["-c", `echo $$ >> ${pidFile}; sleep 300 & echo $! >> ${pidFile}; wait`],
      },
    })),
  });
  const { child, done } = spawnRun(config);
  try {
    await until("4 agent pids", () => readPids(pidFile).length >= 4, 20_000);
    const agents = identify(readPids(pidFile));
    assert.equal(agents.length, 4);
    let first: number | null = null;
    await until("the watchdog", () => (first = watchdogOf(child.pid)) !== null);
    // Past the respawn guard (a watchdog younger than 1 s is replaced after a delay).
    await new Promise((r) => setTimeout(r, 1000));
    Deno.kill(first!, "SIGKILL");
    let second: number | null = null;
    const killedAt = performance.now();
    await until("a new watchdog", () => {
      second = watchdogOf(child.pid);
      return second !== null && second !== first;
    }, 1000);
    assert.ok(performance.now() - killedAt < 1000);

    child.kill("SIGKILL");
    const { code, stderr } = await done;
    assert.equal(code, 137);
    assert.match(
      stderr,
      new RegExp(`The no-orphan watchdog \\(pid ${first}\\) died \\(signal SIGKILL\\)`),
    );
    assert.match(
      stderr,
      new RegExp(`Started a new no-orphan watchdog \\(pid ${second}\\) watching 2 process groups`),
    );
    const killed = performance.now();
    await until("every agent process gone", () => survivors(agents).length === 0, 3000);
    assert.ok(performance.now() - killed < 1000, "the agents died within a second");
  } finally {
    killAll(readPids(pidFile), dir);
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await done;
    await Deno.remove(dir, { recursive: true });
  }
});
