/**
 * Event store figures: append rate to a WAL file store (flushes included;
 * per wall second and per CPU second), the longest append (the one that
 * commits a batch), open time, and `history --limit 50` with several filter
 * shapes (category; agent + event; agent + category; since/until far back)
 * over 1,000,000 stored events.
 *
 * Standalone: `deno run -A bench/event_store_bench.ts [--smoke|--quick|--full]`.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { BenchOptions, Figure } from "./figure.ts";
import { quantile } from "./measure/percentiles.ts";
import { DEFAULT_MAX_BATCH, EventStore } from "../lib/events/store.ts";
import { MIGRATIONS, SCHEMA_VERSION } from "../lib/events/schema.ts";
import type { EventName, EventQuery } from "../lib/events/event.ts";
import process from "node:process";

const SIZES = {
  smoke: { appends: 20_000, stored: 20_000, runs: 50 },
  quick: { appends: 100_000, stored: 1_000_000, runs: 200 },
  full: { appends: 300_000, stored: 1_000_000, runs: 500 },
} as const;

const AGENT_EVENTS: EventName[] = [
  "AGENT_STARTED",
  "AGENT_READY",
  "AGENT_STOPPED",
  "AGENT_FAILED",
  "AGENT_RESTARTING",
];

/** Measures the event store; see the module doc. */
export async function benchEventStore(options: BenchOptions): Promise<Figure[]> {
  const size = SIZES[options.mode];
  await Deno.mkdir(options.scratch, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: options.scratch, prefix: "events" });
  try {
    return [
      ...appendFigures(`${dir}/append.db`, size.appends),
      ...queryFigures(`${dir}/history.db`, size.stored, size.runs),
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function appendFigures(path: string, count: number): Figure[] {
  const maxBatch = DEFAULT_MAX_BATCH;
  const store = EventStore.open({ path, retention: 100_000 });
  const commitMs: number[] = [];
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const event = {
      event_name: AGENT_EVENTS[i % AGENT_EVENTS.length],
      agent_name: `agent${i % 50}`,
      data: { pid: 1000 + (i % 30_000), exit_code: i % 3, reason: "benchmark" },
    };
    if (store.pending === maxBatch - 1) {
      const t = performance.now();
      store.append(event);
      commitMs.push(performance.now() - t);
    } else {
      store.append(event);
    }
  }
  store.flush();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  store.close();
  commitMs.sort((a, b) => a - b);
  return [
    {
      name: "event store: append rate (file, WAL, flushes included)",
      system: "orchestrator",
      value: Math.round(count / seconds),
      unit: "events/s",
      lowerIsBetter: false,
      note: `${count} appends, batches of ${maxBatch}, synchronous=NORMAL, retention 100,000`,
    },
    {
      name: "event store: append rate per CPU second (file, WAL, flushes included)",
      system: "orchestrator",
      value: Math.round(count / cpuSeconds),
      unit: "events/s",
      lowerIsBetter: false,
      note: `${round((cpuSeconds / count) * 1e6, 2)} µs of CPU (user ${
        round(cpu.user / 1e3, 0)
      } ms, system ${
        round(cpu.system / 1e3, 0)
      } ms) per event: the rate on an idle core, less sensitive to other load than wall time`,
    },
    {
      name: `event store: longest append (commits a batch of ${maxBatch})`,
      system: "orchestrator",
      value: round(commitMs.at(-1) ?? 0, 2),
      unit: "ms",
      lowerIsBetter: true,
      note: `median ${round(quantile(commitMs, 0.5), 2)} ms over ${commitMs.length} batches`,
    },
  ];
}

/** A history query shape measured over the big store; `rows` = expected result size (`null` = any). */
interface Shape {
  label: string;
  /** The query of run `i`; `at(f)` = the time a fraction `f` into the stored history. */
  query: (i: number, at: (fraction: number) => string) => EventQuery;
  rows: number | null;
}

/** Query shapes measured (the stored history: see buildHistory). */
const SHAPES: Shape[] = [
  { label: "--category agent", query: () => ({ category: "agent" }), rows: 50 },
  {
    label: "--agent X --event AGENT_FAILED",
    query: (i) => ({ agent: `agent${i % 50}`, event: "AGENT_FAILED" }),
    rows: 50,
  },
  { label: "--agent X", query: (i) => ({ agent: `agent${i % 50}` }), rows: 50 },
  {
    label: "--agent X --category command",
    query: (i) => ({ agent: `agent${(2 * i + 1) % 50}`, category: "command" }),
    rows: 50,
  },
  { label: "--event AGENT_FATAL (none stored)", query: () => ({ event: "AGENT_FATAL" }), rows: 0 },
  {
    label: "--since <5% in> --until <10% in> --category agent (far back)",
    query: (_, at) => ({ category: "agent", since: at(0.05), until: at(0.1) }),
    rows: 50,
  },
  {
    label: "--since <10% in> --category system",
    query: (_, at) => ({ category: "system", since: at(0.1) }),
    rows: 50,
  },
  {
    label: "--until <4% in> --agent X (far back)",
    query: (i, at) => ({ agent: `agent${i % 50}`, until: at(0.04) }),
    rows: 50,
  },
  {
    label: "--until <4% in> --agent X --event AGENT_READY (far back)",
    query: (i, at) => ({ agent: `agent${i % 50}`, event: "AGENT_READY", until: at(0.04) }),
    rows: null,
  },
  {
    label: "--since <97% in>",
    query: (_, at) => ({ since: at(0.97) }),
    rows: 50,
  },
];

function queryFigures(path: string, stored: number, runs: number): Figure[] {
  const buildStart = performance.now();
  buildHistory(path, stored);
  const buildSeconds = (performance.now() - buildStart) / 1000;

  const openStart = performance.now();
  const store = EventStore.open({ path, retention: stored * 2 });
  const openMs = performance.now() - openStart;
  const n = stored.toLocaleString("en-US");
  // buildHistory: event x at T0 + x × 100 ms.
  const at = (fraction: number) =>
    new Date(Date.parse("2025-01-01T00:00:00Z") + Math.round(fraction * stored) * 100)
      .toISOString();
  try {
    const figures: Figure[] = [];
    for (const shape of SHAPES) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const query = { ...shape.query(i, at), limit: 50 };
        const t = performance.now();
        const rows = store.query(query).length;
        times.push(performance.now() - t);
        // A full page over 1M events; smoke mode (20k) checks only that something matched.
        const ok = shape.rows === null ||
          (shape.rows === 0 ? rows === 0 : stored >= 1_000_000 ? rows === shape.rows : rows > 0);
        if (!ok) {
          throw new Error(`Expected ${shape.rows} rows from history ${shape.label}, got ${rows}`);
        }
      }
      times.sort((a, b) => a - b);
      figures.push({
        name: `event store: history --limit 50 ${shape.label} over ${n} events`,
        system: "orchestrator",
        value: round(quantile(times, 0.5), 3),
        unit: "ms",
        lowerIsBetter: true,
        note: `median of ${runs}; p95 ${round(quantile(times, 0.95), 3)} ms; max ${
          round(times.at(-1) ?? 0, 3)
        } ms`,
      });
    }
    const countTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      store.count({ category: "agent" });
      countTimes.push(performance.now() - t);
    }
    countTimes.sort((a, b) => a - b);
    figures.push(
      {
        name: `event store: count --category agent over ${n} events`,
        system: "orchestrator",
        value: round(quantile(countTimes, 0.5), 1),
        unit: "ms",
        lowerIsBetter: true,
        note: `median of 5; an index scan, avoid on hot paths; db built in ${
          round(buildSeconds, 1)
        } s`,
      },
      {
        name: `event store: open a file store of ${n} events`,
        system: "orchestrator",
        value: round(openMs, 1),
        unit: "ms",
        lowerIsBetter: true,
      },
    );
    return figures;
  } finally {
    store.close();
  }
}

/**
 * Writes `count` events with the store's schema in one transaction (the
 * indexes are created after the rows, as a migration from version 1 would).
 * 70% agent, 25% command, 5% system events over 50 agents, 100 ms apart.
 */
function buildHistory(path: string, count: number): void {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF");
    db.exec("BEGIN");
    db.exec(MIGRATIONS[0]);
    db.prepare(
      `WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < ?)
       INSERT INTO events (id, event_name, category, agent_name, timestamp, data)
       SELECT x,
         CASE WHEN x % 20 = 0 THEN 'ORCHESTRATOR_STARTED'
              WHEN x % 4 = 1 THEN 'COMMAND_EXECUTED'
              ELSE (CASE x % 7 WHEN 0 THEN 'AGENT_STARTED' WHEN 1 THEN 'AGENT_READY'
                    WHEN 2 THEN 'AGENT_STOPPED' WHEN 3 THEN 'AGENT_FAILED' WHEN 4 THEN 'AGENT_COMPLETED'
                    WHEN 5 THEN 'AGENT_PAUSED' ELSE 'AGENT_RESTARTING' END)
         END,
         CASE WHEN x % 20 = 0 THEN 'system' WHEN x % 4 = 1 THEN 'command' ELSE 'agent' END,
         CASE WHEN x % 20 = 0 THEN NULL ELSE 'agent' || (x % 50) END,
         strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + x / 10.0, 'unixepoch'),
         json_object('pid', 1000 + x % 30000, 'seq', x)
       FROM seq`,
    ).run(count);
    for (const migration of MIGRATIONS.slice(1)) db.exec(migration);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } finally {
    db.close();
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

if (import.meta.main) {
  const mode = Deno.args.includes("--smoke")
    ? "smoke"
    : Deno.args.includes("--full")
    ? "full"
    : "quick";
  const scratch = await Deno.makeTempDir({ prefix: "event_store_bench" });
  try {
    for (const f of await benchEventStore({ mode, scratch })) {
      console.log(`${f.name}: ${f.value} ${f.unit}${f.note ? `  (${f.note})` : ""}`);
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}
