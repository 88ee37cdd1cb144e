/**
 * cgroup v2 containment with real cgroups and processes. Every test works
 * in a private parent cgroup under ours (so no other orchestrator's clean-up
 * touches it) and removes it at the end. Skipped where cgroups cannot be
 * created.
 */

import assert from "node:assert/strict";
import {
  CgroupTree,
  killCgroup,
  ownerCgroupName,
  removeCgroup,
  removeLeftoverCgroups,
} from "../../lib/containment/cgroup.ts";
import { ownCgroupDirectory } from "../../lib/containment/cgroup_location.ts";
import { ownStartTime } from "../../lib/containment/proc.ts";
import { signalGroup, spawnProcess } from "../../lib/agent/process.ts";
import type { ResolvedCommand } from "../../lib/agent/template.ts";
import { identify, readPids, survivors, until } from "../orchestrator/_helpers.ts";
import { cgroupWritable } from "./_helpers.ts";

const ignore = !cgroupWritable();

/** Runs `body` with a fresh private parent cgroup and a temp dir; removes both after. */
async function withParent(body: (parent: string, dir: string) => Promise<void>): Promise<void> {
  const location = ownCgroupDirectory();
  if (!location.ok) throw new Error(location.reason);
  const parent = `${location.dir}/containment-test-${Deno.pid}-${crypto.randomUUID()}`;
  Deno.mkdirSync(parent);
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ock-" });
  try {
    await body(parent, dir);
  } finally {
    killCgroup(parent);
    assert.ok(await removeCgroup(parent), `removed ${parent}`);
    await Deno.remove(dir, { recursive: true });
  }
}

/** The daemonizing shell command: the daemon writes its pid to `<dir>/daemon.pid`. */
function daemonizing(dir: string): ResolvedCommand {
  return {
    command: "sh",
    args: ["-c", `(setsid sh -c 'echo $$ > ${dir}/daemon.pid; exec sleep 300' &); exec sleep 300`],
    env: {},
    cwd: null,
  };
}

function procsOf(cgroup: string): number[] {
  return readPids(`${cgroup}/cgroup.procs`);
}

Deno.test({
  name: "cgroup: the agent joins its cgroup before it runs; kill takes its daemon too",
  ignore,
  fn: () =>
    withParent(async (parent, dir) => {
      const tree = CgroupTree.create(parent);
      const name = tree.dir.slice(parent.length + 1);
      assert.match(name, new RegExp(`^orchestrator-${Deno.pid}-${ownStartTime()}(-[0-9]+)?$`));
      const cgroup = tree.agentDir("d");
      assert.equal(cgroup, `${tree.dir}/agent-d`);
      const proc = spawnProcess(daemonizing(dir), { pipe: false, cgroup });
      await until("the daemon's pid", () => readPids(`${dir}/daemon.pid`).length > 0);
      const [daemon] = readPids(`${dir}/daemon.pid`);
      const ids = identify([proc.pid, daemon]);
      assert.equal(ids.length, 2);
      assert.deepEqual(procsOf(cgroup).sort(), [proc.pid, daemon].sort(), "both in the cgroup");
      assert.ok(signalGroup(proc.pid, "SIGCONT"), "the agent pid still leads its group");
      tree.kill("d");
      assert.equal((await proc.exited).signal, "SIGKILL");
      await until("the daemon gone", () => survivors(ids).length === 0);
      assert.ok(await tree.close(), "cgroups removed");
      await assert.rejects(Deno.stat(tree.dir), Deno.errors.NotFound);
    }),
});

Deno.test({
  name: "cgroup: create fails cleanly, leaving nothing, where no agent cgroup can be made below it",
  ignore,
  fn: () =>
    withParent((parent) => {
      Deno.writeTextFileSync(`${parent}/cgroup.max.depth`, "1");
      assert.throws(() => CgroupTree.create(parent), Deno.errors.WouldBlock);
      assert.deepEqual([...Deno.readDirSync(parent)].filter((e) => e.isDirectory), []);
      return Promise.resolve();
    }),
});

Deno.test({
  name: "cgroup: a program that is not on PATH still fails the spawn (NotFound)",
  ignore,
  fn: () =>
    withParent((parent) => {
      const tree = CgroupTree.create(parent);
      assert.throws(
        () =>
          spawnProcess({ command: "no-such-program-x", args: [], env: {}, cwd: null }, {
            pipe: false,
            cgroup: tree.agentDir("x"),
          }),
        Deno.errors.NotFound,
      );
      return tree.close().then((removed) => assert.ok(removed));
    }),
});

Deno.test({
  name: "cgroup: leftovers of a dead owner are killed and removed, a live owner's are kept",
  ignore,
  fn: () =>
    withParent(async (parent, dir) => {
      const start = ownStartTime();
      const dead = `${parent}/${ownerCgroupName(Deno.pid, start + 1, 1)}`;
      const live = `${parent}/${ownerCgroupName(Deno.pid, start, 7)}`;
      for (const cg of [dead, live]) Deno.mkdirSync(`${cg}/agent-a`, { recursive: true });
      const procs = [dead, live].map((cg) =>
        spawnProcess({ command: "sleep", args: ["300"], env: {}, cwd: null }, {
          pipe: false,
          cgroup: `${cg}/agent-a`,
        })
      );
      await until("both in their cgroups", () =>
        procsOf(`${dead}/agent-a`).length === 1 && procsOf(`${live}/agent-a`).length === 1);
      const ids = identify(procs.map((p) =>
        p.pid
      ));
      assert.deepEqual(await removeLeftoverCgroups(parent), [dead]);
      assert.equal((await procs[0].exited).signal, "SIGKILL");
      await assert.rejects(Deno.stat(dead), Deno.errors.NotFound);
      assert.deepEqual(survivors(ids).map((id) => id.pid), [procs[1].pid], "the live owner's runs");
      killCgroup(live);
      await procs[1].exited;
      assert.deepEqual(await removeLeftoverCgroups(`${dir}/not-a-cgroup`), []);
    }),
});
