/**
 * Renders the figures of one run as markdown (pure): one row per figure,
 * one column per system, the ratio orchestrator / best peer, the target, and
 * a compact section ready for the README.
 *
 * @module
 */

import type { BenchSystem, Figure } from "./figure.ts";
import { meets, targetFor } from "./targets.ts";

/** A measurement that failed outright. */
export interface Failure {
  system: BenchSystem | "bench";
  step: string;
  message: string;
  /** Not run (time budget) rather than failed. */
  skipped?: boolean;
}

/** Everything the report shows. */
export interface ReportInput {
  figures: Figure[];
  failures: Failure[];
  /** Machine facts in display order (cpu, nproc, mem, kernel, deno …). */
  machine: [string, string][];
  /** Per system: version, or why it is n/a. */
  systems: { system: BenchSystem; version: string; persistent: string; stop: string }[];
  command: string;
  mode: string;
  startedAt: string;
  elapsedS: number;
  /** Method notes, one per bullet. */
  notes: string[];
}

const SYSTEMS: BenchSystem[] = ["orchestrator", "supervisord", "pm2"];

/** Formats a figure value with sensible precision (pure). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return "0";
  if (a >= 0.01) return v.toFixed(3);
  return v.toPrecision(2);
}

/** One row of the table: a figure name with a value per system. */
export interface Row {
  name: string;
  unit: string;
  lowerIsBetter: boolean;
  values: Partial<Record<BenchSystem, number>>;
}

/** Groups figures into rows by name, in first-seen order (pure). */
export function rowsOf(figures: readonly Figure[]): Row[] {
  const rows = new Map<string, Row>();
  for (const f of figures) {
    let row = rows.get(f.name);
    if (row === undefined) {
      row = { name: f.name, unit: f.unit, lowerIsBetter: f.lowerIsBetter, values: {} };
      rows.set(f.name, row);
    }
    row.values[f.system] = f.value;
  }
  return [...rows.values()];
}

/**
 * orchestrator / best peer (best = lowest when lower is better, else
 * highest); `null` without an orchestrator value or any peer value (pure).
 */
export function ratio(row: Row): number | null {
  const own = row.values.orchestrator;
  const peers = (["supervisord", "pm2"] as const)
    .map((s) => row.values[s])
    .filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
  if (own === undefined || peers.length === 0) return null;
  const best = row.lowerIsBetter ? Math.min(...peers) : Math.max(...peers);
  return own / best;
}

function cell(v: number | undefined): string {
  return v === undefined ? "n/a" : formatValue(v);
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

function targetCells(row: Row): [string, string] {
  const t = targetFor(row.name);
  if (t === null) return ["", ""];
  const own = row.values.orchestrator;
  if (own === undefined) return [t.label, "n/a"];
  const ok = meets(t, own, row.unit);
  return [t.label, ok === null ? "?" : ok ? "yes" : "no"];
}

/**
 * The compact table for the README (pure): rows with a target, the IPC
 * floor rows (what the control figures are read against), and rows measured
 * for a peer too, except PSS (the full report has it).
 */
export function readmeTable(figures: readonly Figure[]): string[] {
  const keep = (r: Row) =>
    targetFor(r.name) !== null || r.name.startsWith("IPC floor") ||
    (!r.name.startsWith("daemon PSS") && (r.values.supervisord ?? r.values.pm2) !== undefined);
  const rows = rowsOf(figures).filter(keep).map((r) => {
    const q = ratio(r);
    const [target] = targetCells(r);
    const v = (s: BenchSystem) =>
      r.values[s] === undefined ? "n/a" : `${cell(r.values[s])} ${r.unit}`;
    return [
      r.name,
      v("orchestrator"),
      v("supervisord"),
      v("pm2"),
      q === null ? "" : `${formatValue(q)}×`,
      target,
    ];
  });
  return table(
    ["", "orchestrator", "supervisord", "PM2", "orchestrator / best peer", "target"],
    rows,
  );
}

/** The whole `latest.md` (pure). */
export function renderReport(input: ReportInput): string {
  const out: string[] = [];
  out.push("# Benchmark: orchestrator, supervisord and PM2 side by side", "");
  out.push(
    `Generated ${input.startedAt} by \`${input.command}\` (mode \`${input.mode}\`, ` +
      `${Math.round(input.elapsedS)} s). Method: [docs/benchmarks.md](../../docs/benchmarks.md).`,
    "",
  );
  out.push("## Machine", "");
  out.push(...table(["item", "value"], input.machine.map(([k, v]) => [k, v])), "");
  out.push("## Systems", "");
  out.push(
    ...table(
      ["system", "version", "persistent client", "stop of all agents"],
      input.systems.map((s) => [s.system, s.version, s.persistent, s.stop]),
    ),
    "",
  );
  out.push("## Figures", "");
  out.push(
    "Ratio = orchestrator / best peer (best = lowest where lower is better, highest for rates); " +
      "n/a = not measured (peer not installed, mode, or failure below).",
    "",
  );
  const rows = rowsOf(input.figures).map((r) => {
    const q = ratio(r);
    return [
      r.name,
      r.unit,
      ...SYSTEMS.map((s) => cell(r.values[s])),
      q === null ? "n/a" : `${formatValue(q)}×`,
      ...targetCells(r),
    ];
  });
  out.push(
    ...table(
      ["figure", "unit", ...SYSTEMS, "orchestrator / best peer", "target", "met"],
      rows,
    ),
    "",
  );
  const notes = input.figures.filter((f) => f.note !== undefined && f.note !== "");
  if (notes.length > 0) {
    out.push("### Figure notes", "");
    const seen = new Set<string>();
    for (const f of notes) {
      const line = `- ${f.name} (${f.system}): ${f.note}`;
      if (!seen.has(line)) out.push(line);
      seen.add(line);
    }
    out.push("");
  }
  if (input.failures.length > 0) {
    out.push("## Failures", "");
    for (const f of input.failures) {
      out.push(`- ${f.system} / ${f.step}: ${f.skipped ? "skipped: " : ""}${f.message}`);
    }
    out.push("");
  }
  if (input.notes.length > 0) {
    out.push("## Method notes", "");
    for (const n of input.notes) out.push(`- ${n}`);
    out.push("");
  }
  out.push("## README section (paste as is)", "", "```markdown", "## Performance", "");
  out.push(
    `Measured with \`${input.command}\` on ${
      input.machine.find(([k]) => k === "cpu")?.[1] ?? "?"
    }, ${input.machine.find(([k]) => k === "nproc")?.[1] ?? "?"} cores, ` +
      `${input.systems.map((s) => s.version).join(", ")}; ` +
      "full table and method in bench/results/latest.md and docs/benchmarks.md.",
    "",
  );
  out.push(...readmeTable(input.figures), "```", "");
  return out.join("\n");
}
