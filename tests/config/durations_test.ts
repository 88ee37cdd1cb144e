/**
 * One maximum for every duration option: the validator rejects more, the
 * schema says so, and no delay computed from accepted values exceeds it, so
 * no timer overflows (timers fire at once past 2^31 − 1 ms).
 */

import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/load.ts";
import { CONFIG_SCHEMA } from "../../lib/config/schema.ts";
import { MAX_DURATION_SECONDS } from "../../lib/config/rules/numbers.ts";
import { backoffSeconds } from "../../lib/agent/restart.ts";
import { testEnv } from "./helpers.ts";

/** Largest delay a timer takes: 2^31 − 1 ms. */
const TIMER_MAX_MS = 2 ** 31 - 1;

/** Every duration option: its field, and where it sits in a config. */
const OPTIONS: [string, (v: number) => Record<string, unknown>][] = [
  ["command_timeout", (v) => ({ command_timeout: v })],
  ["command_idle_timeout", (v) => ({ command_idle_timeout: v })],
  ["command_frame_timeout", (v) => ({ command_frame_timeout: v })],
  ["shutdown_timeout", (v) => ({ shutdown_timeout: v })],
  ["resource_sample_interval", (v) => ({ resource_sample_interval: v })],
  ["agents[0].stop_timeout", (v) => agent({ stop_timeout: v })],
  ["agents[0].restart_window", (v) => agent({ restart_window: v })],
  ["agents[0].tool_call_template.timeout", (v) => agent({}, { timeout: v })],
  ["agents[0].backoff.initial", (v) => agent({ backoff: { initial: v, max: v } })],
  ["agents[0].backoff.max", (v) => agent({ backoff: { max: v } })],
  ["agents[0].backoff.reset_after", (v) => agent({ backoff: { reset_after: v } })],
  ["agents[0].readiness.initial_delay", (v) => agent({ readiness: probe({ initial_delay: v }) })],
  ["agents[0].readiness.period", (v) => agent({ readiness: probe({ period: v }) })],
  ["agents[0].readiness.timeout", (v) => agent({ readiness: probe({ timeout: v }) })],
];

function agent(fields: Record<string, unknown>, template: Record<string, unknown> = {}) {
  return {
    agents: [{ name: "a", tool_call_template: { command: "sleep", ...template }, ...fields }],
  };
}

function probe(fields: Record<string, unknown>) {
  return { exec: ["true"], ...fields };
}

function results(config: Record<string, unknown>) {
  return loadConfig(JSON.stringify(config), { env: testEnv(), checkFilesystem: false });
}

Deno.test("durations: the maximum is below the timer limit", () => {
  assert.ok(MAX_DURATION_SECONDS * 1000 <= TIMER_MAX_MS);
  assert.equal(MAX_DURATION_SECONDS, 1_000_000);
});

for (const [field, build] of OPTIONS) {
  Deno.test(`durations: ${field} is rejected over the maximum, accepted at it`, () => {
    const over = results(build(2_200_000));
    const errors = over.results.filter((r) => r.severity === "error");
    const own = errors.filter((r) => r.field === field);
    assert.equal(own.length, 1, JSON.stringify(over.results));
    assert.equal(
      own[0].message,
      "Duration 2200000 s is more than the maximum of 1000000 s (about 11.6 days)",
    );
    assert.equal(over.config, null);
    const at = results(build(MAX_DURATION_SECONDS));
    assert.deepEqual(at.results.filter((r) => r.severity === "error"), []);
    assert.notEqual(at.config, null);
  });
}

Deno.test("durations: the schema states the maximum of every duration option", () => {
  const defs = CONFIG_SCHEMA.definitions as Record<string, { properties: Record<string, unknown> }>;
  const top = CONFIG_SCHEMA.properties as Record<string, unknown>;
  const schemaOf = (field: string): Record<string, unknown> => {
    const path = field.replace("agents[0].", "").split(".");
    if (path.length === 1 && field.startsWith("agents")) {
      return defs.agent.properties[path[0]] as never;
    }
    if (path.length === 1) return top[path[0]] as never;
    const group = path[0] === "tool_call_template" ? "call_template" : path[0];
    return defs[group].properties[path[1]] as never;
  };
  for (const [field] of OPTIONS) {
    assert.equal(schemaOf(field).maximum, MAX_DURATION_SECONDS, field);
  }
});

Deno.test("durations: backoff never exceeds an accepted max, whatever the factor", () => {
  const backoff = { initial: 0.5, max: MAX_DURATION_SECONDS, factor: 1e308, reset_after: 60 };
  for (const attempt of [0, 1, 2, 10, 1000, 1e9]) {
    const delay = backoffSeconds(attempt, backoff);
    assert.ok(
      delay <= MAX_DURATION_SECONDS && delay * 1000 <= TIMER_MAX_MS,
      `${attempt}: ${delay}`,
    );
  }
  assert.equal(backoffSeconds(1, backoff), MAX_DURATION_SECONDS);
  // A factor of Infinity (JSON 1e400) with initial 0 gives NaN: capped too.
  const infinite = { ...backoff, initial: 0, factor: Infinity };
  assert.equal(backoffSeconds(3, infinite), MAX_DURATION_SECONDS);
});

Deno.test("durations: resource_sample_interval is 0 (off) or at least 0.1 s", () => {
  const own = (v: number) =>
    results({ resource_sample_interval: v }).results.filter((r) =>
      r.field === "resource_sample_interval"
    );
  assert.deepEqual(own(0), []);
  assert.deepEqual(own(0.1), []);
  assert.deepEqual(own(0.05).map((r) => [r.severity, r.message]), [[
    "error",
    "Sample interval 0.05 s is shorter than 0.1 s: use 0 to turn sampling off",
  ]]);
  assert.deepEqual(own(-1).map((r) => r.severity), ["error"]);
  assert.equal(results({}).config?.resource_sample_interval, 5, "default 5 s");
});

Deno.test("config: forward_output at the top and per agent; the agent's wins when set", () => {
  const { config, results: found } = results({
    forward_output: true,
    agents: [
      { name: "a", tool_call_template: { command: "sleep" }, forward_output: false },
      { name: "b", tool_call_template: { command: "sleep" } },
    ],
  });
  assert.deepEqual(found.filter((r) => r.severity === "error"), []);
  assert.equal(config?.forward_output, true);
  assert.deepEqual(config?.agents.map((a) => a.forward_output), [false, null]);
  const bad = results({ forward_output: "yes" });
  assert.equal(bad.config, null);
  assert.equal(bad.results[0].field, "forward_output");
});
