/**
 * `deno task bench [--smoke | --quick | --full] [--only orchestrator,supervisord,pm2]`:
 * measures the orchestrator and, in the same run, supervisord and PM2 with
 * equivalent configs, and writes a markdown report (full:
 * `bench/results/latest.md`, quick: `bench/results/quick.md`, smoke: the
 * scratch folder). Method: `docs/benchmarks.md`. Exits 1 when an
 * orchestrator measurement failed outright.
 *
 * @module
 */

import type { BenchOptions, BenchSystem, Figure } from "./figure.ts";
import { onPath, within } from "./measure/child.ts";
import { machineInfo } from "./measure/machine.ts";
import { Orchestrator } from "./orchestrator_system.ts";
import { ensureDebianPeers, ensurePm2 } from "./peers/install.ts";
import { Pm2 } from "./peers/pm2.ts";
import { Supervisord } from "./peers/supervisord.ts";
import { parseBenchArgs, planFor } from "./plan.ts";
import { renderReport, type ReportInput } from "./report.ts";
import { measureSystem, type RunContext } from "./run_system.ts";
import type { SystemUnderTest } from "./system.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

const USAGE = `Usage: deno task bench [--smoke | --quick | --full] [--only SYSTEMS]

  --smoke   CI: orchestrator only, 10 agents, no installs (< ~60 s)
  --quick   every system, fewer runs (< 3 min)
  --full    every system (default, < 15 min); writes bench/results/latest.md
  --only    comma-separated subset of orchestrator,supervisord,pm2
Env: BENCH_SCRATCH (scratch folder, default bench/.scratch)`;

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

type ExtraBench = (options: BenchOptions) => Promise<Figure[]>;

/** Loads helper benches that may not exist yet (event store, validate). */
async function loadExtra(file: string, name: string): Promise<ExtraBench | string> {
  const url = new URL(file, import.meta.url);
  try {
    Deno.statSync(url);
  } catch {
    return `${file} not present`;
  }
  const mod = await import(url.href) as Record<string, unknown>;
  const fn = mod[name];
  return typeof fn === "function" ? fn as ExtraBench : `${file} does not export ${name}`;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(Deno.args);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const plan = planFor(args.mode);
  const systems: BenchSystem[] = args.only === null
    ? plan.systems
    : plan.systems.filter((s) => args.only!.includes(s));
  const started = performance.now();
  const startedAt = new Date().toISOString().replace("T", " ").slice(0, 19) + " UTC";
  const scratch = Deno.env.get("BENCH_SCRATCH") ?? `${ROOT}/bench/.scratch`;
  await Deno.mkdir(scratch, { recursive: true });
  if (`${scratch}/orchestrator/o.sock`.length >= 100) {
    console.error(`Scratch folder "${scratch}" is too long for a UNIX socket path (< 100 bytes)`);
    return 2;
  }
  const command = `deno task bench${args.mode === "full" ? "" : ` --${args.mode}`}${
    args.only === null ? "" : ` --only ${args.only.join(",")}`
  }`;
  const ctx: RunContext = {
    figures: [],
    failures: [],
    deadline: started + plan.budgetMs,
    scratch,
    shorten: (t) =>
      t.replaceAll(scratch, "$S").replaceAll(ROOT + "/", "").replaceAll(Deno.execPath(), "deno"),
    log,
    active: null,
  };

  // A signal or the hard time limit still tears down the running daemon.
  let ending = false;
  const abort = async (why: string, code: number) => {
    if (ending) return;
    ending = true;
    log(`${why}: tearing down and exiting`);
    await within(ctx.active?.teardown() ?? Promise.resolve(), 30_000).catch(() => {});
    Deno.exit(code);
  };
  const onSignal = () => abort("signal", 130);
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const hardLimit = setTimeout(() => abort("hard time limit", 1), plan.budgetMs + 90_000);

  log(`mode ${plan.mode}: ${systems.join(", ")}; scratch ${scratch}`);
  const machine = await machineInfo();
  const peersDir = `${scratch}/peers`;
  const available = new Map<BenchSystem, string>();
  if (systems.some((s) => s !== "orchestrator")) {
    const deb = await ensureDebianPeers(log);
    log(deb.message);
    if (onPath("supervisord") === null || onPath("supervisorctl") === null) {
      available.set("supervisord", `n/a: ${deb.message}`);
    }
    if (systems.includes("pm2")) {
      const p = await ensurePm2(peersDir, log);
      log(p.message);
      if (!p.ok) available.set("pm2", `n/a: ${p.message}`);
    }
  }

  const suts: Record<BenchSystem, () => SystemUnderTest> = {
    orchestrator: () => new Orchestrator(ROOT, `${scratch}/orchestrator`),
    supervisord: () => new Supervisord(`${scratch}/supervisord`),
    pm2: () => new Pm2(peersDir, `${scratch}/pm2`),
  };
  const systemRows: ReportInput["systems"] = [];
  for (const s of systems) {
    const sut = suts[s]();
    const missing = available.get(s);
    if (missing !== undefined) {
      log(`${s}: ${missing}; carrying on without it`);
      systemRows.push({ system: s, version: missing, persistent: "", stop: "" });
      continue;
    }
    await Deno.mkdir(`${scratch}/${s}`, { recursive: true });
    let version: string;
    try {
      version = await sut.version();
    } catch (error) {
      version = `n/a: ${(error as Error).message}`;
      ctx.failures.push({ system: s, step: "version", message: version });
    }
    systemRows.push({ system: s, version, persistent: sut.persistentLabel, stop: sut.stopLabel });
    log(`=== ${version}`);
    await measureSystem(sut, plan, ctx);
  }

  if (systems.includes("orchestrator")) {
    for (
      const [file, name] of [["./event_store_bench.ts", "benchEventStore"], [
        "./validate_bench.ts",
        "benchValidate",
      ]]
    ) {
      const fn = await loadExtra(file, name);
      if (typeof fn === "string") {
        log(`${name}: n/a (${fn})`);
        continue;
      }
      if (performance.now() > ctx.deadline) {
        ctx.failures.push({
          system: "orchestrator",
          step: name,
          message: "over the time budget",
          skipped: true,
        });
        continue;
      }
      const t = performance.now();
      try {
        const dir = `${scratch}/${name}`;
        await Deno.mkdir(dir, { recursive: true });
        ctx.figures.push(...await fn({ mode: plan.mode, scratch: dir }));
      } catch (error) {
        ctx.failures.push({
          system: "orchestrator",
          step: name,
          message: (error as Error).message,
        });
      }
      log(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  }

  clearTimeout(hardLimit);
  const input: ReportInput = {
    figures: ctx.figures,
    failures: ctx.failures,
    machine,
    systems: systemRows,
    command,
    mode: plan.mode,
    startedAt,
    elapsedS: (performance.now() - started) / 1000,
    notes: METHOD_NOTES,
  };
  const out = plan.mode === "full"
    ? `${ROOT}/bench/results/latest.md`
    : plan.mode === "quick"
    ? `${ROOT}/bench/results/quick.md`
    : `${scratch}/smoke.md`;
  await Deno.mkdir(new URL(".", `file://${out}`).pathname, { recursive: true });
  const text = renderReport(input);
  await Deno.writeTextFile(out, text);
  await Deno.writeTextFile(out.replace(/\.md$/, ".json"), JSON.stringify(input, null, 1) + "\n");
  console.log(text);
  log(`wrote ${out} in ${input.elapsedS.toFixed(0)} s`);
  // A step skipped for time fails only the smoke run (CI must measure everything).
  const ownFailures = ctx.failures.filter((f) =>
    f.system === "orchestrator" && (!f.skipped || plan.mode === "smoke")
  );
  if (ownFailures.length > 0) {
    log(`${ownFailures.length} orchestrator measurement(s) failed`);
    return 1;
  }
  return 0;
}

const METHOD_NOTES = [
  "Each scenario starts its daemon cold from a config written to the scratch folder ($S) and ends it by pid " +
  "(and its agents by pid) in a finally; nothing system-wide is touched.",
  "supervisord: nodaemon, private UNIX socket, startsecs=0 (RUNNING on spawn), autorestart=true, " +
  "stdout/stderr to per-program files. PM2: npm install in $S/peers, PM2_HOME=$S/pm2/home, " +
  "interpreter none in fork mode, autorestart, kill_signal SIGTERM, PM2_DISABLE_VERSION_CHECK=1. " +
  "orchestrator: restart always with zero backoff, log_dir only in the logging case.",
  "Stop of all agents is not the same action everywhere: supervisord `supervisorctl stop all` and PM2 " +
  "`pm2 stop all` keep the daemon; the orchestrator has no stop-all command, so SIGTERM makes it stop every " +
  "agent and exit. Each is timed until the system reports all stopped (orchestrator: exited) and every agent pid is gone.",
  "RSS/PSS are of the daemon process alone (supervisord, PM2 God daemon, orchestrator's deno process).",
  "Figures for event store and validate come from bench/event_store_bench.ts and bench/validate_bench.ts " +
  "(orchestrator only; no peer equivalent).",
];

if (import.meta.main) Deno.exit(await main());
