import assert from "node:assert/strict";
import type { Figure } from "../../bench/figure.ts";
import { formatValue, ratio, readmeTable, renderReport, rowsOf } from "../../bench/report.ts";
import { convert, meets, targetFor } from "../../bench/targets.ts";

const FIGS: Figure[] = [
  {
    name: "bring-up of 500 sleep agents",
    system: "orchestrator",
    value: 0.4,
    unit: "s",
    lowerIsBetter: true,
  },
  {
    name: "bring-up of 500 sleep agents",
    system: "supervisord",
    value: 4.8,
    unit: "s",
    lowerIsBetter: true,
  },
  {
    name: "bring-up of 500 sleep agents",
    system: "pm2",
    value: 3.2,
    unit: "s",
    lowerIsBetter: true,
  },
  {
    name: "throughput, 50 connections",
    system: "orchestrator",
    value: 40_000,
    unit: "req/s",
    lowerIsBetter: false,
    note: "closed loop",
  },
  {
    name: "throughput, 50 connections",
    system: "pm2",
    value: 1000,
    unit: "req/s",
    lowerIsBetter: false,
  },
  {
    name: "throughput, 50 connections",
    system: "supervisord",
    value: 2000,
    unit: "req/s",
    lowerIsBetter: false,
  },
  {
    name: "daemon RSS, 0 agents",
    system: "supervisord",
    value: 30,
    unit: "MiB",
    lowerIsBetter: true,
  },
];

Deno.test("formatValue: precision by magnitude", () => {
  assert.equal(formatValue(52340.4), "52,340");
  assert.equal(formatValue(187.4), "187");
  assert.equal(formatValue(12.34), "12.3");
  assert.equal(formatValue(2.345), "2.35");
  assert.equal(formatValue(0.01234), "0.012");
  assert.equal(formatValue(0), "0");
});

Deno.test("rowsOf groups by name in first-seen order; ratio uses the best peer", () => {
  const rows = rowsOf(FIGS);
  assert.deepEqual(rows.map((r) => r.name), [
    "bring-up of 500 sleep agents",
    "throughput, 50 connections",
    "daemon RSS, 0 agents",
  ]);
  assert.equal(ratio(rows[0]), 0.4 / 3.2); // lower is better: best peer = min
  assert.equal(ratio(rows[1]), 20); // higher is better: best peer = max
  assert.equal(ratio(rows[2]), null); // no orchestrator value
});

Deno.test("targets: lookup, unit conversion, met or not", () => {
  const t = targetFor("persistent status p50")!;
  assert.equal(t.label, "≤ 60 µs");
  assert.equal(meets(t, 0.05, "ms"), true);
  assert.equal(meets(t, 61, "µs"), false);
  assert.equal(meets(t, 1, "MiB"), null);
  assert.equal(targetFor("bring-up of 100 sleep agents"), null);
  // The IPC floor is informational: no target, even for its throughput row.
  assert.equal(targetFor("IPC floor p50"), null);
  assert.equal(targetFor("IPC floor throughput, 50 connections"), null);
  assert.equal(meets(targetFor("validate a 5,000-agent config")!, 1, "s"), false);
  assert.equal(meets(targetFor("event store: append rate (file)")!, 60_000, "events/s"), true);
  const answer = targetFor("reload of 500 agents, 1 changed: time to answer")!;
  assert.equal(meets(answer, 0.09, "s"), true);
  assert.equal(meets(answer, 101, "ms"), false);
  const restarted = targetFor("reload of 10 agents, 1 changed: agents restarted")!;
  assert.equal(meets(restarted, 1, "agents"), true);
  assert.equal(meets(restarted, 0, "agents"), false);
  assert.equal(meets(restarted, 2, "agents"), false);
  assert.equal(targetFor("event store: longest append"), null);
  assert.equal(targetFor("event store: append rate per CPU second (file)"), null);
  assert.equal(targetFor("validate a 100-agent config"), null);
  assert.equal(
    targetFor("event store: history --limit 50 --category agent over 20,000 events"),
    null,
  );
  assert.equal(
    targetFor("event store: history --limit 50 --category agent over 1,000,000 events")?.label,
    "≤ 5 ms (1,000,000 events)",
  );
  assert.equal(convert(2, "s", "ms"), 2000);
  assert.equal(convert(2, "s", "MiB"), null);
});

Deno.test("renderReport: tables, n/a cells, target column, failures and README section", () => {
  const md = renderReport({
    figures: FIGS,
    failures: [
      { system: "pm2", step: "stop of 500", message: "Timed out" },
      { system: "orchestrator", step: "logging", message: "over the time budget", skipped: true },
    ],
    machine: [["cpu", "Test CPU"], ["nproc", "2"]],
    systems: [
      { system: "orchestrator", version: "orchestrator 0.1.0", persistent: "ps", stop: "SIGTERM" },
      { system: "pm2", version: "n/a: not installed", persistent: "", stop: "" },
    ],
    command: "deno task bench",
    mode: "full",
    startedAt: "2026-01-01 00:00:00 UTC",
    elapsedS: 61.2,
    notes: ["a method note"],
  });
  assert.match(
    md,
    /\| bring-up of 500 sleep agents \| s \| 0\.400 \| 4\.80 \| 3\.20 \| 0\.125× \| ≤ 0\.5 s \| yes \|/,
  );
  assert.match(
    md,
    /\| throughput, 50 connections \| req\/s \| 40,000 \| 2,000 \| 1,000 \| 20\.0× \| ≥ 50,000 req\/s \| no \|/,
  );
  assert.match(md, /\| daemon RSS, 0 agents \| MiB \| n\/a \| 30\.0 \| n\/a \| n\/a \|/);
  assert.match(md, /- pm2 \/ stop of 500: Timed out/);
  assert.match(md, /- orchestrator \/ logging: skipped: over the time budget/);
  assert.match(md, /- throughput, 50 connections \(orchestrator\): closed loop/);
  assert.match(md, /\| Test CPU \|/);
  assert.match(md, /```markdown\n## Performance/);
  assert.match(md, /- a method note/);
  const readme = readmeTable([
    ...FIGS,
    { name: "daemon PSS, 0 agents", system: "pm2", value: 30, unit: "MiB", lowerIsBetter: true },
    {
      name: "IPC floor p50",
      system: "orchestrator",
      value: 48.2,
      unit: "µs",
      lowerIsBetter: true,
    },
    {
      name: "event store: count",
      system: "orchestrator",
      value: 3,
      unit: "ms",
      lowerIsBetter: true,
    },
  ]).join("\n");
  assert.match(readme, /daemon RSS, 0 agents/);
  assert.doesNotMatch(readme, /daemon PSS|event store: count/);
  assert.match(readme, /\| IPC floor p50 \| 48\.2 µs \| n\/a \| n\/a \| {2}\| {2}\|/);
  assert.match(
    readme,
    /\| bring-up of 500 sleep agents \| 0\.400 s \| 4\.80 s \| 3\.20 s \| 0\.125× \| ≤ 0\.5 s \|/,
  );
});
