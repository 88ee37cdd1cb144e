/**
 * Per-agent CPU and memory: the /proc parsers and the CPU figure (pure),
 * then real agents sampled on a timer, in process-group and cgroup
 * containment, and the change counter bumped once per sample.
 */

import assert from "node:assert/strict";
import {
  MIN_CPU_SPAN_MS,
  parseUsage,
  unitsFromAuxv,
  usageStep,
} from "../../lib/resources/usage.ts";
import { procUnits } from "../../lib/resources/proc_scan.ts";
import { agentsAnswer } from "../../lib/control/agents_answer.ts";
import type { AgentStatus } from "../../lib/agent/info.ts";
import { withDefaults } from "../../lib/config/defaults.ts";
import { harness, sh, until } from "./_helpers.ts";
import { cgroupWritable } from "../containment/_helpers.ts";

/** A /proc/PID/stat line with the given fields 14–17 (times) and 24 (rss). */
function statLine(comm: string, times: number[], rss: number, pgid = 40): string {
  const f = Array.from({ length: 50 }, () => "0");
  f[3] = "1"; // ppid (field 4)
  f[4] = String(pgid); // field 5
  [13, 14, 15, 16].forEach((n, i) => (f[n] = String(times[i])));
  f[23] = String(rss);
  return `42 (${comm}) S ${f.slice(3).join(" ")}\n`;
}

Deno.test("resources: parseUsage sums utime, stime, cutime, cstime; reads pgid and rss", () => {
  assert.deepEqual(parseUsage(statLine("sh", [30, 10, 5, 5], 250)), {
    pid: 42,
    pgid: 40,
    ticks: 50,
    rssPages: 250,
  });
  // A command name with spaces and parentheses does not shift the fields.
  assert.deepEqual(parseUsage(statLine("a) b (c", [1, 2, 3, 4], 7, 99)), {
    pid: 42,
    pgid: 99,
    ticks: 10,
    rssPages: 7,
  });
  assert.equal(parseUsage("garbage"), null);
  assert.equal(parseUsage("42 (x) S 1 2"), null);
  const self = parseUsage(Deno.readTextFileSync("/proc/self/stat"));
  assert.equal(self?.pid, Deno.pid);
  assert.ok(self!.rssPages > 0);
});

Deno.test("resources: clock ticks and page size come from /proc/self/auxv", () => {
  const words = [6n, 16384n, 17n, 250n, 0n, 0n];
  const bytes = new Uint8Array(words.length * 8);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => view.setBigUint64(i * 8, w, true));
  assert.deepEqual(unitsFromAuxv(bytes), { hz: 250, pageSize: 16384 });
  assert.deepEqual(unitsFromAuxv(new Uint8Array(0)), { hz: 100, pageSize: 4096 });
  const units = procUnits();
  assert.ok(units.hz > 0 && units.pageSize >= 4096, JSON.stringify(units));
});

Deno.test("resources: CPU counts from the run's start, then between samples", () => {
  const units = { hz: 100, pageSize: 4096 };
  const first = usageStep(undefined, { pid: 7, startedAt: 0, now: 2000 }, {
    ticks: 100,
    rssPages: 10,
  }, units);
  assert.equal(first.cpuPercent, 50, "1 s of CPU in 2 s");
  assert.equal(first.memoryBytes, 40960);
  const second = usageStep(first.baseline, { pid: 7, startedAt: 0, now: 3000 }, {
    ticks: 250,
    rssPages: 10,
  }, units);
  assert.equal(second.cpuPercent, 150, "1.5 s in 1 s: more than one core");
  // A member exited unwaited-for: the total shrinks, the figure is 0, the baseline moves.
  const third = usageStep(second.baseline, { pid: 7, startedAt: 0, now: 4000 }, {
    ticks: 200,
    rssPages: 5,
  }, units);
  assert.equal(third.cpuPercent, 0);
  assert.equal(third.baseline.ticks, 200);
  // A new run (another leader) starts from its own start, not the old baseline.
  const restarted = usageStep(third.baseline, { pid: 8, startedAt: 3900, now: 4000 }, {
    ticks: 5,
    rssPages: 5,
  }, units);
  assert.equal(restarted.cpuPercent, 50);
  // Too short a span says nothing yet, and keeps the baseline.
  const early = usageStep(undefined, { pid: 9, startedAt: 1000, now: 1000 + MIN_CPU_SPAN_MS - 1 }, {
    ticks: 1,
    rssPages: 1,
  }, units);
  assert.equal(early.cpuPercent, null);
  assert.deepEqual(early.baseline, { pid: 9, ticks: 0, at: 1000 });
});

function statusOf(h: { orchestrator: { status(name: string): AgentStatus } }, name: string) {
  return h.orchestrator.status(name);
}

Deno.test("resources: a group's CPU and memory are sampled on the timer; idle and stopped agents", async () => {
  const h = await harness(() => ({
    containment: "process-group",
    resource_sample_interval: 0.2,
    agents: [
      // The leader sleeps; a child in its process group burns CPU.
      { name: "busy", tool_call_template: sh("yes > /dev/null & exec sleep 300") },
      { name: "idle", tool_call_template: { command: "sleep", args: ["300"] } },
      { name: "off", autostart: false, tool_call_template: { command: "sleep", args: ["300"] } },
    ],
  }));
  try {
    await until("busy sampled", () => (statusOf(h, "busy").cpu_percent ?? 0) > 20, 5000);
    await until("idle sampled", () => statusOf(h, "idle").memory_bytes !== null, 5000);
    const busy = statusOf(h, "busy");
    const idle = statusOf(h, "idle");
    assert.ok(busy.memory_bytes! > 100_000, `busy memory ${busy.memory_bytes}`);
    assert.ok(idle.cpu_percent! < 5, `idle cpu ${idle.cpu_percent}`);
    assert.ok(idle.memory_bytes! > 100_000, `idle memory ${idle.memory_bytes}`);
    const off = h.orchestrator.list().find((a) => a.name === "off")!;
    assert.equal(off.cpu_percent, null);
    assert.equal(off.memory_bytes, null);
    const stats = h.orchestrator.stats();
    assert.ok(stats.cpu_percent! >= 20);
    assert.ok(stats.memory_bytes! >= busy.memory_bytes! + idle.memory_bytes!);
    await h.orchestrator.stop("busy");
    const stopped = statusOf(h, "busy");
    assert.equal(stopped.cpu_percent, null, "no figures without a process");
    assert.equal(stopped.memory_bytes, null);
  } finally {
    await h.close();
  }
});

Deno.test("resources: a reload changes the sampling interval at once: off clears the figures, on samples again", async () => {
  const build = (interval: number) => ({
    containment: "process-group" as const,
    resource_sample_interval: interval,
    agents: [{ name: "idle", tool_call_template: { command: "sleep", args: ["300"] } }],
  });
  const h = await harness(() => build(0.2));
  try {
    await until("sampled", () => statusOf(h, "idle").memory_bytes !== null, 5000);
    const off = await h.orchestrator.reload(withDefaults(build(0)));
    assert.deepEqual(off.options_applied, ["resource_sample_interval"]);
    assert.equal(statusOf(h, "idle").memory_bytes, null, "figures cleared when sampling stops");
    assert.equal(h.orchestrator.stats().memory_bytes, null);
    await new Promise((r) => setTimeout(r, 500)); // more than two old intervals
    assert.equal(statusOf(h, "idle").memory_bytes, null, "no sample while off");
    // From an hour (as good as never within this test) to 0.2 s: sampled within the new interval.
    await h.orchestrator.reload(withDefaults(build(3600)));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(statusOf(h, "idle").memory_bytes, null, "an hour's interval has not come");
    await h.orchestrator.reload(withDefaults(build(0.2)));
    await until("sampled again", () => statusOf(h, "idle").memory_bytes !== null, 2000);
  } finally {
    await h.close();
  }
});

Deno.test("resources: one sample bumps the change counter once, and only when a figure changed", async () => {
  const h = await harness(() => ({
    resource_sample_interval: 0,
    agents: [
      { name: "a", tool_call_template: { command: "sleep", args: ["300"] } },
      { name: "b", tool_call_template: { command: "sleep", args: ["300"] } },
    ],
  }));
  try {
    await until("both running", () => h.orchestrator.list().every((a) => a.pid !== null));
    await new Promise((r) => setTimeout(r, 100)); // past the shortest CPU span
    const answers = agentsAnswer(h.orchestrator);
    const before = answers.ps();
    const version = h.orchestrator.version;
    await h.orchestrator.sampleResources();
    assert.equal(h.orchestrator.version, version + 1, "two agents, one bump");
    const after = answers.ps();
    assert.notEqual(after, before, "the kept ps answer is rebuilt");
    assert.match(after.text, /"memory_bytes":[1-9]/);
    // Sleeping processes show the same figures sample after sample: then nothing is bumped.
    const figures = () =>
      JSON.stringify(h.orchestrator.list().map((a) => [a.cpu_percent, a.memory_bytes]));
    const v2 = h.orchestrator.version;
    const f2 = figures();
    await h.orchestrator.sampleResources();
    assert.equal(h.orchestrator.version, figures() === f2 ? v2 : v2 + 1);
    assert.equal(h.orchestrator.stats().cpu_percent, null, "sampling is off: no totals");
  } finally {
    await h.close();
  }
});

Deno.test({
  name: "resources: in cgroup containment a daemonized child's CPU counts for its agent",
  ignore: !cgroupWritable(),
  fn: async () => {
    const h = await harness(() => ({
      containment: "cgroup",
      resource_sample_interval: 0.2,
      agents: [{
        name: "d",
        // The burner leaves the process group (setsid) but stays in the agent's cgroup.
        tool_call_template: sh("(setsid sh -c 'exec yes > /dev/null' &); exec sleep 300"),
      }],
    }));
    try {
      await until("daemon sampled", () => (statusOf(h, "d").cpu_percent ?? 0) > 20, 5000);
    } finally {
      await h.close();
    }
  },
});
