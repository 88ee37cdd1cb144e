/**
 * Validate bench: loads (parse + validate + defaults) a generated config of
 * 5,000 agents (smoke: 100) and reports the median of a few runs.
 * Target: < 1 s for 5,000 agents. Runnable alone:
 * `deno run -A bench/validate_bench.ts [smoke|quick|full]`.
 *
 * @module
 */

import type { BenchOptions, Figure } from "./figure.ts";
import { median } from "./measure/percentiles.ts";
import { loadConfig } from "../lib/config/load.ts";

/** A config text with `n` agents: shared inputs, values, placeholders, dependencies, probes. */
export function generateConfig(n: number): string {
  const agents = Array.from({ length: n }, (_, i) => ({
    name: `agent-${i}`,
    description: `Generated agent ${i}`,
    kind: i % 5 === 0 ? "task" : "service",
    inputs: {
      type: "object",
      properties: { seconds: { type: "integer", minimum: 1 }, label: { type: "string" } },
      required: ["seconds"],
    },
    values: { seconds: 1 + (i % 60), label: `job ${i}` },
    tool_call_template: {
      command: i % 2 === 0 ? "sleep" : "sh",
      args: i % 2 === 0 ? ["${seconds}"] : ["-c", "echo started; sleep 60", "${label}"],
      environment: { AGENT_INDEX: String(i), HOME_DIR: "${HOME}" },
      timeout: 60,
    },
    depends_on: i > 0 && i % 10 !== 0 ? { [`agent-${i - 1}`]: "started" } : {},
    readiness: i % 2 === 1 ? { log_pattern: "^started$" } : null,
    stop_timeout: 5,
  }));
  return JSON.stringify(
    { enable_command_interface: true, command_socket_path: "/tmp/bench-{user}.sock", agents },
    null,
    2,
  );
}

/** Measures validation of a generated config. */
export function benchValidate(options: BenchOptions): Promise<Figure[]> {
  const n = options.mode === "smoke" ? 100 : 5_000;
  const runs = options.mode === "full" ? 7 : 5;
  const text = generateConfig(n);
  const env = { get: (name: string) => name === "HOME" ? "/root" : Deno.env.get(name) };
  loadConfig(text, { env, user: "bench" });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const { results } = loadConfig(text, { env, user: "bench" });
    times.push(performance.now() - start);
    if (results.some((r) => r.severity === "error")) {
      throw new Error(`Generated config has errors: ${results[0].message}`);
    }
  }
  return Promise.resolve([{
    name: `validate a ${n.toLocaleString("en-US")}-agent config`,
    system: "orchestrator",
    value: Math.round(median(times) * 10) / 10,
    unit: "ms",
    lowerIsBetter: true,
    note: `median of ${runs} runs of loadConfig (parse, validate with PATH checks, defaults); ${
      Math.round(text.length / 1024)
    } KiB`,
  }]);
}

if (import.meta.main) {
  const mode = (Deno.args[0] ?? "quick") as BenchOptions["mode"];
  const scratch = await Deno.makeTempDir({ prefix: "orch-bench-" });
  try {
    for (const f of await benchValidate({ mode, scratch })) {
      console.log(`${f.name}: ${f.value} ${f.unit} (${f.note})`);
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}
