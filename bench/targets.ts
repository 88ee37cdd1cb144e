/**
 * The official targets the orchestrator's figures are compared with (pure).
 *
 * @module
 */

/** A target: `value` in `unit`, reached when the figure is `op` it. */
export interface Target {
  op: "<=" | "<" | ">=" | "=";
  value: number;
  unit: string;
  /** How the target is shown, e.g. "≤ 25 ms". */
  label: string;
}

const TARGETS: { match: RegExp; target: Target }[] = [
  { match: /^CLI status/i, target: { op: "<=", value: 25, unit: "ms", label: "≤ 25 ms" } },
  {
    match: /^CLI ps through the installed command/i,
    target: { op: "<=", value: 60, unit: "ms", label: "≤ 60 ms" },
  },
  {
    match: /^persistent status p50/i,
    target: { op: "<=", value: 60, unit: "µs", label: "≤ 60 µs" },
  },
  {
    match: /^persistent status p99/i,
    target: { op: "<=", value: 250, unit: "µs", label: "≤ 250 µs" },
  },
  {
    match: /^throughput, 50 connections/i,
    target: { op: ">=", value: 50_000, unit: "req/s", label: "≥ 50,000 req/s" },
  },
  {
    match: /^bring-up of 500 /i,
    target: { op: "<=", value: 0.5, unit: "s", label: "≤ 0.5 s" },
  },
  { match: /^stop of 500 /i, target: { op: "<=", value: 0.3, unit: "s", label: "≤ 0.3 s" } },
  {
    match: /^polled status p99, 1 agent flooding/i,
    target: { op: "<=", value: 50, unit: "ms", label: "≤ 50 ms" },
  },
  {
    match: /^logging: daemon CPU/i,
    target: { op: "<=", value: 5, unit: "% of a core", label: "≤ 5 %" },
  },
  {
    match: /^forwarding: daemon CPU/i,
    target: { op: "<=", value: 5, unit: "% of a core", label: "≤ 5 %" },
  },
  { match: /^crash/i, target: { op: "<=", value: 5, unit: "ms", label: "≤ 5 ms" } },
  {
    match: /^reload of 500 agents, 1 changed: time to answer/i,
    target: { op: "<=", value: 100, unit: "ms", label: "≤ 100 ms" },
  },
  {
    match: /^reload of \d+ agents, 1 changed: agents restarted/i,
    target: { op: "=", value: 1, unit: "agents", label: "= 1" },
  },
  {
    match: /^daemon RSS, 500 /i,
    target: { op: "<=", value: 60e6 / 1048576, unit: "MiB", label: "≤ 60 MB (57.2 MiB)" },
  },
  {
    match: /append rate \(/i,
    target: { op: ">=", value: 50_000, unit: "events/s", label: "≥ 50,000/s" },
  },
  {
    match: /history --limit 50 --category agent over 1,000,000 events/i,
    target: { op: "<=", value: 5, unit: "ms", label: "≤ 5 ms (1,000,000 events)" },
  },
  {
    match: /^subscribe: delivery latency p99, /i,
    target: { op: "<=", value: 5, unit: "ms", label: "≤ 5 ms" },
  },
  {
    match: /^subscribe: p99 with a stalled subscriber \/ without/i,
    target: { op: "<=", value: 1.2, unit: "×", label: "≤ 1.2 × (within 20 %)" },
  },
  {
    match: /^validate a 5,000-agent/i,
    target: { op: "<", value: 1, unit: "s", label: "< 1 s (5,000 agents)" },
  },
];

const TIME_UNITS: Record<string, number> = { s: 1, ms: 1e-3, "µs": 1e-6, us: 1e-6, ns: 1e-9 };

/** `value` in `from` converted to `to`; `null` when the units do not convert. */
export function convert(value: number, from: string, to: string): number | null {
  if (from === to) return value;
  const a = TIME_UNITS[from];
  const b = TIME_UNITS[to];
  if (a !== undefined && b !== undefined) return value * a / b;
  const rate = (u: string) => /\/s$/.test(u) || u === "req/s";
  if (rate(from) && rate(to)) return value;
  return null;
}

/** The target of figure `name`, if any. */
export function targetFor(name: string): Target | null {
  return TARGETS.find((t) => t.match.test(name))?.target ?? null;
}

/** Whether `value` in `unit` meets `target`; `null` when the units do not convert. */
export function meets(target: Target, value: number, unit: string): boolean | null {
  const v = convert(value, unit, target.unit);
  if (v === null) return null;
  switch (target.op) {
    case "<=":
      return v <= target.value;
    case "<":
      return v < target.value;
    case ">=":
      return v >= target.value;
    case "=":
      return v === target.value;
  }
}
