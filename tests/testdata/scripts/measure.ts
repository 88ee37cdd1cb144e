/**
 * Quick runtime figures, printed (never asserted): bring-up and stop of N
 * `sleep` agents, crash → restart latency with zero backoff, RSS.
 *
 * Usage: deno run -A tests/testdata/scripts/measure.ts [N]
 */

import { withDefaults } from "../../../lib/config/defaults.ts";
import { EventStore } from "../../../lib/events/store.ts";
import { Orchestrator } from "../../../lib/orchestrator.ts";

const n = Number(Deno.args[0] ?? 500);
const config = withDefaults({
  max_workers: n,
  agents: Array.from({ length: n }, (_, i) => ({
    name: `s${i}`,
    tool_call_template: { command: "sleep", args: ["600"] },
  })),
});
const store = EventStore.open({ path: null, retention: 100_000 });
const o = new Orchestrator(config, { events: store });
const rss0 = Deno.memoryUsage().rss;
let t = performance.now();
await o.boot();
const spawned = performance.now() - t;
await o.waitFor(`s${n - 1}`, ["running"]);
console.log(`bring-up of ${n} sleep agents: ${spawned.toFixed(1)} ms`);
await new Promise((r) => setTimeout(r, 500));
console.log(
  `RSS with ${n} agents: ${(Deno.memoryUsage().rss / 2 ** 20).toFixed(1)} MB ` +
    `(before boot ${(rss0 / 2 ** 20).toFixed(1)} MB)`,
);
t = performance.now();
await o.shutdown("measure");
console.log(`stop of ${n} agents: ${(performance.now() - t).toFixed(1)} ms`);
store.close();

// Crash -> restarted with zero backoff.
const crashConfig = withDefaults({
  agents: [{
    name: "crash",
    restart: "always",
    max_restarts: 1_000_000,
    backoff: { initial: 0, max: 0 },
    tool_call_template: { command: "sleep", args: ["600"] },
  }],
});
const store2 = EventStore.open({ path: null, retention: 100_000 });
const c = new Orchestrator(crashConfig, { events: store2 });
await c.boot();
const samples: number[] = [];
for (let i = 0; i < 50; i++) {
  const pid = c.status("crash").pid!;
  const t0 = performance.now();
  Deno.kill(pid, "SIGKILL");
  while (true) {
    const s = c.status("crash");
    if (s.pid !== null && s.pid !== pid && s.state === "running") break;
    await new Promise((r) => setTimeout(r, 0));
  }
  samples.push(performance.now() - t0);
}
samples.sort((a, b) => a - b);
console.log(
  `crash -> restarted (zero backoff): median ${samples[25].toFixed(2)} ms, ` +
    `p90 ${samples[45].toFixed(2)} ms`,
);
await c.shutdown("measure");
store2.close();
Deno.exit(0);
