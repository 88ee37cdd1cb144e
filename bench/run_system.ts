/**
 * Runs every scenario of a plan against one system and turns the results
 * into figures. Each scenario gets a fresh daemon that is torn down in a
 * `finally`; a failed scenario is recorded and the next one runs.
 *
 * @module
 */

import { benchEventStore } from "./event_store_bench.ts";
import type { BenchOptions, Figure } from "./figure.ts";
import { sleep } from "./measure/child.ts";
import { timeCli } from "./measure/cli_timing.ts";
import { median, summarize } from "./measure/percentiles.ts";
import { measureIpcFloor } from "./measure/ipc_floor.ts";
import { cpuNs } from "./measure/proc.ts";
import { Orchestrator } from "./orchestrator_system.ts";
import { PERSISTENT_WARMUP, type Plan, THROUGHPUT_COMMAND } from "./plan.ts";
import type { Failure } from "./report.ts";
import {
  bringUp,
  crashRestart,
  daemonMemory,
  floodCase,
  forwardingCase,
  loggingCase,
  reloadOneChanged,
  stopAll,
} from "./scenarios.ts";
import { benchSubscribe } from "./subscribe_bench.ts";
import type { AgentKind, SystemUnderTest } from "./system.ts";
import { benchValidate } from "./validate_bench.ts";
import { TRANSPORT_CASES, transportFigures } from "./transport_case.ts";

/** Where results go, and the run's shared state. */
export interface RunContext {
  figures: Figure[];
  failures: Failure[];
  /** Performance-clock deadline of the whole run. */
  deadline: number;
  /** Scratch folder (hyperfine JSON goes there). */
  scratch: string;
  /** Shortens paths in notes (scratch → $S, repo → .). */
  shorten: (text: string) => string;
  log: (message: string) => void;
  /** The system whose daemon may be running (for teardown on a signal). */
  active: SystemUnderTest | null;
}

function fmtS(values: number[]): string {
  const s = values.map((v) => v.toFixed(3));
  return values.length > 1 ? `${values.length} runs: ${s.join(", ")} s` : `1 run`;
}

async function step(
  ctx: RunContext,
  sut: SystemUnderTest,
  name: string,
  body: () => Promise<void>,
) {
  if (performance.now() > ctx.deadline) {
    ctx.failures.push({
      system: sut.system,
      step: name,
      message: "over the time budget",
      skipped: true,
    });
    return;
  }
  const t = performance.now();
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.failures.push({ system: sut.system, step: name, message });
    ctx.log(`${sut.system} ${name}: FAILED: ${message}`);
  }
  ctx.log(`${sut.system} ${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

async function withDaemon(ctx: RunContext, sut: SystemUnderTest, body: () => Promise<void>) {
  ctx.active = sut;
  try {
    await body();
  } finally {
    try {
      await sut.teardown();
    } catch (error) {
      ctx.failures.push({ system: sut.system, step: "teardown", message: String(error) });
    }
    ctx.active = null;
  }
}

/** Wait after bring-up before the control figures (CLI, persistent client, throughput). */
export const CONTROL_SETTLE_MS = 2000;

/** Measures `sut` with `plan`, adding figures and failures to `ctx`. */
export async function measureSystem(
  sut: SystemUnderTest,
  plan: Plan,
  ctx: RunContext,
): Promise<void> {
  const add = (f: Omit<Figure, "system">) => ctx.figures.push({ ...f, system: sut.system });
  const n = plan.ctlAgents;
  const t = plan.timing;

  await step(ctx, sut, `control figures (${n} agents)`, () =>
    withDaemon(ctx, sut, async () => {
      await bringUp(sut, n, "sleep", t);
      // Let every system settle after its cold start (JIT, background compilation, first
      // flushes) so the control figures are steady-state, as in shared/bench's method.
      await sleep(CONTROL_SETTLE_MS);
      await step(ctx, sut, "CLI status", async () => {
        const cmd = sut.cliStatus();
        const r = await timeCli(cmd.argv, {
          runs: plan.cliRuns,
          warmup: plan.cliWarmup,
          env: cmd.env,
          jsonPath: `${ctx.scratch}/hyperfine-${sut.system}.json`,
        });
        add({
          name: "CLI status, whole process (median)",
          value: r.medianMs,
          unit: "ms",
          lowerIsBetter: true,
          note: `\`${ctx.shorten(cmd.argv.join(" "))}\`, ${n} agents, ${r.tool} ${r.runs} runs, ` +
            `min ${r.minMs.toFixed(1)} / max ${r.maxMs.toFixed(1)} ms`,
        });
      });
      if (sut instanceof Orchestrator) {
        await step(ctx, sut, "CLI ps, installed command", async () => {
          const cmd = await sut.installedCli();
          const r = await timeCli(cmd.argv, {
            runs: plan.cliRuns,
            warmup: plan.cliWarmup,
            jsonPath: `${ctx.scratch}/hyperfine-installed.json`,
          });
          add({
            name: "CLI ps through the installed command (median)",
            value: r.medianMs,
            unit: "ms",
            lowerIsBetter: true,
            note:
              `\`orchestrator ps\` after \`deno task install\` (a launcher running deno on cli.ts), ` +
              `${n} agents, ${r.tool} ${r.runs} runs, min ${r.minMs.toFixed(1)} / max ${
                r.maxMs.toFixed(1)
              } ms`,
          });
        });
      }
      // The IPC floor, measured right before the orchestrator's persistent and throughput
      // steps (same moment, same load); its rows are added after them.
      const floor: Omit<Figure, "system">[] = [];
      if (sut instanceof Orchestrator) {
        await step(ctx, sut, "IPC floor", async () => {
          const answerBytes = await sut.answerBytes("status");
          const r = await measureIpcFloor({
            dir: sut.dir,
            answerBytes,
            calls: plan.persistentCalls,
            warmup: PERSISTENT_WARMUP,
            connections: plan.throughputConnections,
            ms: plan.throughputMs,
          });
          const s = summarize(r.latenciesNs.map((ns) => ns / 1000));
          const what = `${FLOOR_NOTE}; bench/measure/floor_server.ts answers every frame with ` +
            `one fixed ${answerBytes}-byte success frame (the size of the orchestrator's ` +
            `\`status\` answer), measured right before the orchestrator's steps`;
          floor.push({
            name: "IPC floor p50",
            value: s.p50,
            unit: "µs",
            lowerIsBetter: true,
            note: `${what}; ${s.n} sequential calls after ${PERSISTENT_WARMUP} untimed; min ${
              s.min.toFixed(0)
            } / p90 ${s.p90.toFixed(0)} / max ${s.max.toFixed(0)} µs`,
          });
          floor.push({ name: "IPC floor p99", value: s.p99, unit: "µs", lowerIsBetter: true });
          floor.push({
            name: `IPC floor throughput, ${plan.throughputConnections} connections`,
            value: r.rps,
            unit: "req/s",
            lowerIsBetter: false,
            note: `the same ${plan.throughputConnections} lean clients, closed loop, ${
              plan.throughputMs / 1000
            } s; floor server CPU ${
              r.serverCpuPct === null ? "?" : r.serverCpuPct.toFixed(0)
            }% of a core meanwhile`,
          });
        });
      }
      await step(ctx, sut, "persistent status", async () => {
        const s = summarize(
          (await sut.persistentStatus(plan.persistentCalls)).map((ns) => ns / 1000),
        );
        const warm = sut instanceof Orchestrator ? ` after ${PERSISTENT_WARMUP} untimed` : "";
        const note = `${sut.persistentLabel}; ${s.n} sequential calls${warm}, ${n} agents; ` +
          `min ${s.min.toFixed(0)} / p90 ${s.p90.toFixed(0)} / max ${s.max.toFixed(0)} µs`;
        add({ name: "persistent status p50", value: s.p50, unit: "µs", lowerIsBetter: true, note });
        add({ name: "persistent status p99", value: s.p99, unit: "µs", lowerIsBetter: true });
      });
      await step(ctx, sut, "throughput", async () => {
        const cpu0 = cpuNs(sut.daemonPid());
        const t0 = performance.now();
        const rps = await sut.throughput(plan.throughputConnections, plan.throughputMs);
        const cpu1 = cpuNs(sut.daemonPid());
        if (rps === null) return;
        const busy = cpu0 === null || cpu1 === null
          ? "?"
          : ((cpu1 - cpu0) / 1e6 / (performance.now() - t0) * 100).toFixed(0);
        const what = sut instanceof Orchestrator
          ? `\`${THROUGHPUT_COMMAND}\` (all ${n} agents) from ${plan.throughputConnections} ` +
            `lean clients (bench/measure/framed_client.ts) in one Deno process`
          : `status of all ${n} agents, clients in one ${
            sut.system === "pm2" ? "node" : "Deno"
          } process`;
        add({
          name: `throughput, ${plan.throughputConnections} connections`,
          value: rps,
          unit: "req/s",
          lowerIsBetter: false,
          note: `${what}, closed loop, ${plan.throughputMs / 1000} s; ` +
            `daemon CPU ${busy}% of a core meanwhile`,
        });
      });
      for (const f of floor) add(f);
      await step(ctx, sut, "crash → restarted", async () => {
        const ms = await crashRestart(sut, n, plan.crashReps, t);
        add({
          name: "crash → restarted (median)",
          value: median(ms),
          unit: "ms",
          lowerIsBetter: true,
          note: `kill -9 of an agent pid until status shows a new running pid; ` +
            `${ms.length} crashes, polled every ${t.crashPollMs} ms; samples ${
              ms.map((v) => v.toFixed(1)).join(", ")
            } ms`,
        });
      });
    }));

  if (sut instanceof Orchestrator) {
    for (const which of TRANSPORT_CASES) {
      await step(ctx, sut, `transport (${which.label})`, () =>
        withDaemon(ctx, sut, async () => {
          for (const f of await transportFigures(sut, plan, which)) add(f);
        }));
    }
  }

  await step(ctx, sut, "memory with 0 agents", () =>
    withDaemon(ctx, sut, async () => {
      await bringUp(sut, 0, "sleep", t);
      await sleep(plan.settleMs);
      const m = daemonMemory(sut);
      add({ name: "daemon RSS, 0 agents", value: m.rssMiB, unit: "MiB", lowerIsBetter: true });
      add({ name: "daemon PSS, 0 agents", value: m.pssMiB, unit: "MiB", lowerIsBetter: true });
    }));

  for (const size of plan.sizes) {
    const ups: number[] = [];
    const stops: number[] = [];
    const gone: number[] = [];
    for (let rep = 0; rep < size.reps; rep++) {
      await step(
        ctx,
        sut,
        `${size.n} agents, run ${rep + 1}`,
        () =>
          withDaemon(ctx, sut, async () => {
            ups.push((await bringUp(sut, size.n, "sleep", t)).totalS);
            if (rep === 0) {
              await sleep(plan.settleMs);
              const m = daemonMemory(sut);
              const note = `after ${plan.settleMs / 1000} s settle`;
              add({
                name: `daemon RSS, ${size.n} agents`,
                value: m.rssMiB,
                unit: "MiB",
                lowerIsBetter: true,
                note,
              });
              add({
                name: `daemon PSS, ${size.n} agents`,
                value: m.pssMiB,
                unit: "MiB",
                lowerIsBetter: true,
              });
            }
            if (rep < size.stopReps) {
              const s = await stopAll(sut, size.n, t);
              stops.push(s.totalS);
              gone.push(s.agentsGoneS);
            }
          }),
      );
    }
    if (ups.length > 0) {
      add({
        name: `bring-up of ${size.n} sleep agents`,
        value: median(ups),
        unit: "s",
        lowerIsBetter: true,
        note: `cold: daemon not running → every agent reported up, polled every ${t.pollMs} ms; ${
          fmtS(ups)
        }`,
      });
    }
    if (stops.length > 0) {
      add({
        name: `stop of ${size.n} agents`,
        value: median(stops),
        unit: "s",
        lowerIsBetter: true,
        note:
          `${sut.stopLabel}, until reported stopped and every agent pid gone; ${fmtS(stops)}; ` +
          `last agent gone at ${median(gone).toFixed(3)} s (median)`,
      });
    }
  }

  await step(
    ctx,
    sut,
    `logging case (${plan.logAgents} agents)`,
    () =>
      withDaemon(ctx, sut, async () => {
        const r = await loggingCase(sut, plan.logAgents, {
          ...t,
          settleMs: plan.logSettleMs,
          windowMs: plan.logWindowMs,
        });
        const what = `${plan.logAgents} agents × 10 lines/s`;
        add({
          name: `logging: lines captured (${what})`,
          value: r.linesPerS,
          unit: "lines/s",
          lowerIsBetter: false,
          note: `bytes added to the log files over ${
            plan.logWindowMs / 1000
          } s ÷ 5; expected ${r.expectedLinesPerS}`,
        });
        add({
          name: `logging: daemon CPU (${what})`,
          value: r.daemonCpuPct,
          unit: "% of a core",
          lowerIsBetter: true,
          note: "schedstat of every daemon thread",
        });
      }),
  );

  if (sut.reload !== undefined) {
    const { agents, reps } = plan.reload;
    await step(
      ctx,
      sut,
      `reload (${agents} agents, 1 changed)`,
      () =>
        withDaemon(ctx, sut, async () => {
          const samples = await reloadOneChanged(sut, agents, reps, t);
          const ms = samples.map((s) => s.ms);
          const how = sut instanceof Orchestrator
            ? "the `reload` request over one control connection, from sending it to its answer " +
              "(the file read and validated, a1 stopped and spawned again)"
            : "`supervisorctl update`, the whole process (Python start-up included: supervisord " +
              "has no reload request of its own)";
          add({
            name: `reload of ${agents} agents, 1 changed: time to answer`,
            value: median(ms),
            unit: "ms",
            lowerIsBetter: true,
            note: `${how}; ${samples.length} reloads (each changes a1 again), samples ${
              ms.map((v) => v.toFixed(1)).join(", ")
            } ms`,
          });
          add({
            name: `reload of ${agents} agents, 1 changed: agents restarted`,
            value: Math.max(...samples.map((s) => s.restarted)),
            unit: "agents",
            lowerIsBetter: true,
            note: "agents whose pid changed across a reload (the most of any reload)",
          });
        }),
    );
  }

  if (sut instanceof Orchestrator) {
    await step(
      ctx,
      sut,
      `forwarding case (${plan.logAgents} agents)`,
      () =>
        withDaemon(ctx, sut, async () => {
          sut.forward = true;
          try {
            const r = await forwardingCase(sut, plan.logAgents, {
              ...t,
              settleMs: plan.logSettleMs,
              windowMs: plan.logWindowMs,
              forwardedLines: () => sut.forwardedLines(),
            });
            const what = `${plan.logAgents} agents × 10 lines/s`;
            add({
              name: `forwarding: lines to stdout (${what})`,
              value: r.linesPerS,
              unit: "lines/s",
              lowerIsBetter: false,
              note: `forward_output, no log_dir, stdout to a file; stats.forwarded_lines over ${
                plan.logWindowMs / 1000
              } s; expected ${r.expectedLinesPerS}`,
            });
            add({
              name: `forwarding: daemon CPU (${what})`,
              value: r.daemonCpuPct,
              unit: "% of a core",
              lowerIsBetter: true,
              note: "schedstat of every daemon thread; compare the logging rows of every system",
            });
          } finally {
            sut.forward = false;
          }
        }),
    );
  }

  for (const [kind, label] of FLOOD_CASES) {
    await step(ctx, sut, `flood case (${label})`, () =>
      withDaemon(ctx, sut, async () => {
        const f = plan.flood;
        const r = await floodCase(sut, kind, { ...t, ...f });
        const s = summarize(r.latenciesNs.map((ns) => ns / 1e6));
        const how = `status of all agents on one persistent connection, one call every ` +
          `${f.intervalMs} ms for ${f.windowMs / 1000} s after ${f.settleMs / 1000} s settle; ` +
          `${s.n} calls, max ${s.max.toFixed(1)} ms`;
        add({
          name: `polled status p50, ${label}`,
          value: s.p50,
          unit: "ms",
          lowerIsBetter: true,
          note: how,
        });
        add({ name: `polled status p99, ${label}`, value: s.p99, unit: "ms", lowerIsBetter: true });
        add({
          name: `daemon CPU, ${label}`,
          value: r.daemonCpuPct,
          unit: "% of a core",
          lowerIsBetter: true,
          note: "over the polling window, schedstat of every daemon thread",
        });
        add({
          name: `daemon RSS peak, ${label}`,
          value: r.rssPeakMiB,
          unit: "MiB",
          lowerIsBetter: true,
          note: "highest VmRSS sampled every 100 ms from bring-up to the end of the window",
        });
      }));
  }
}

/** The flood cases: the baseline, then one agent writing as fast as it can, with and without newlines. */
const FLOOD_CASES: [AgentKind, string][] = [
  ["sleep", "1 idle agent"],
  ["flood", "1 agent flooding stdout (yes)"],
  ["flood-nonl", "1 agent flooding without newlines"],
];

/** Orchestrator-only benches of other parts (no peer equivalent). */
const EXTRAS: { step: string; run: (options: BenchOptions) => Promise<Figure[]> }[] = [
  { step: "event store (bench/event_store_bench.ts)", run: benchEventStore },
  { step: "validate (bench/validate_bench.ts)", run: benchValidate },
  { step: "subscribe (bench/subscribe_bench.ts)", run: benchSubscribe },
];

/** Runs the event store and validate benches, each in its own scratch subfolder. */
export async function measureExtras(plan: Plan, ctx: RunContext): Promise<void> {
  for (const [i, extra] of EXTRAS.entries()) {
    if (performance.now() > ctx.deadline) {
      ctx.failures.push({
        system: "orchestrator",
        step: extra.step,
        message: "over the time budget",
        skipped: true,
      });
      continue;
    }
    const t = performance.now();
    try {
      const scratch = `${ctx.scratch}/extra${i}`;
      await Deno.mkdir(scratch, { recursive: true });
      ctx.figures.push(...await extra.run({ mode: plan.mode, scratch }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.failures.push({ system: "orchestrator", step: extra.step, message });
      ctx.log(`${extra.step}: FAILED: ${message}`);
    }
    ctx.log(`${extra.step}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
}

/** What the IPC floor rows are (figure notes and method notes). */
export const FLOOR_NOTE =
  "IPC floor = the same client against a server that does nothing but answer: what any server " +
  "costs on this machine";

/** The method notes printed under the report. */
export const METHOD_NOTES = [
  "Each scenario starts its daemon cold from a config written to the scratch folder ($S) and ends it by pid " +
  "(and its agents by pid) in a finally; nothing system-wide is touched.",
  "supervisord: nodaemon, private UNIX socket, startsecs=0 (RUNNING on spawn), autorestart=true, " +
  "stdout/stderr to per-program files. PM2: npm install in $S/peers, PM2_HOME=$S/pm2/home, " +
  "interpreter none in fork mode, autorestart, kill_signal SIGTERM, PM2_DISABLE_VERSION_CHECK=1. " +
  "orchestrator: restart always with zero backoff, log_dir only in the logging and flood cases; " +
  "the forwarding case (orchestrator only) has forward_output and no log_dir, its stdout going to a file.",
  "Stop of all agents is not the same action everywhere: supervisord `supervisorctl stop all` and PM2 " +
  "`pm2 stop all` keep the daemon; the orchestrator has no stop-all command, so SIGTERM makes it stop every " +
  "agent and exit. Each is timed until the system reports all stopped (orchestrator: exited) and every agent pid is gone.",
  "Persistent status and throughput (orchestrator): `status` of all agents through a lean measuring " +
  "client (bench/measure/framed_client.ts: pre-encoded request frame, answer read by its header and " +
  "byte-checked for success, only the first answer JSON-parsed), so the figures measure the server, " +
  `like wrk for HTTP; ${PERSISTENT_WARMUP} untimed calls first. Peers are measured with their own clients.`,
  `${FLOOR_NOTE}. A bare Deno server (bench/measure/floor_server.ts) answering a fixed success frame ` +
  "the size of the orchestrator's `status` answer, with the same client and call counts, right before " +
  "the orchestrator's persistent and throughput steps; informational, no target.",
  "RSS/PSS are of the daemon process alone (supervisord, PM2 God daemon, orchestrator's deno process).",
  "Flood cases: one agent, `yes` or `yes | tr -d '\\n'`, restart always, output to a file rotated at 10 MiB " +
  "with one old file kept (orchestrator log_dir, supervisord stdout_logfile_maxbytes) or, for PM2, which " +
  "does not rotate, to /dev/null; status polled every 10 ms on one connection (a monitoring client), " +
  "beside the same with one `sleep` agent.",
  "Reload with one agent changed: the agents run, then the config is rewritten with only a1's sleep " +
  "changed and applied: orchestrator `reload` over the control socket (timed to its answer), supervisord " +
  "`supervisorctl update` (the whole process); then every agent is up again and the agents whose pid changed " +
  "are counted. PM2 is not measured for it (its `reload` restarts the apps rather than applying a difference).",
  "Figures for event store, validate and subscribe come from bench/event_store_bench.ts, " +
  "bench/validate_bench.ts and bench/subscribe_bench.ts (orchestrator only; no peer equivalent).",
];
