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

import type { BenchSystem } from "./figure.ts";
import { onPath, within } from "./measure/child.ts";
import { machineInfo } from "./measure/machine.ts";
import { Orchestrator } from "./orchestrator_system.ts";
import { ensureDebianPeers, ensurePm2 } from "./peers/install.ts";
import { Pm2 } from "./peers/pm2.ts";
import { Supervisord } from "./peers/supervisord.ts";
import { parseBenchArgs, planFor } from "./plan.ts";
import { renderReport, type ReportInput } from "./report.ts";
import { measureExtras, measureSystem, METHOD_NOTES, type RunContext } from "./run_system.ts";
import type { SystemUnderTest } from "./system.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

const USAGE = `Usage: deno task bench [--smoke | --quick | --full] [--only SYSTEMS]

  --smoke   CI: orchestrator only, 10 agents, no installs (< ~60 s)
  --quick   every system, fewer runs (< 3 min)
  --full    every system (default, < 15 min); writes bench/results/latest.md
  --only    comma-separated subset of orchestrator,supervisord,pm2 (report
            then goes to the scratch folder, like --smoke's)
  --render-only  rewrite the mode's report from its saved .json (no measuring)
Env: BENCH_SCRATCH (scratch folder, default bench/.scratch)`;

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
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
  const given = Deno.env.get("BENCH_SCRATCH") ?? `${ROOT}/bench/.scratch`;
  const scratch = given.startsWith("/") ? given : `${Deno.cwd()}/${given}`;
  await Deno.mkdir(scratch, { recursive: true });
  if (`${scratch}/orchestrator/o.sock`.length >= 100) {
    console.error(`Scratch folder "${scratch}" is too long for a UNIX socket path (< 100 bytes)`);
    return 2;
  }
  // Only complete full/quick runs replace the committed results.
  const out = args.only !== null || plan.mode === "smoke"
    ? `${scratch}/${plan.mode}.md`
    : plan.mode === "full"
    ? `${ROOT}/bench/results/latest.md`
    : `${ROOT}/bench/results/quick.md`;
  if (args.renderOnly) {
    const saved = JSON.parse(await Deno.readTextFile(out.replace(/\.md$/, ".json"))) as ReportInput;
    await Deno.writeTextFile(out, renderReport(saved));
    log(`rewrote ${out} from its .json`);
    return 0;
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
  // Peers are (re)checked right before each is measured, so an install
  // removed from the scratch folder meanwhile is put back.
  const install: Record<BenchSystem, () => Promise<string | null>> = {
    orchestrator: () => Promise.resolve(null),
    supervisord: async () => {
      const deb = await ensureDebianPeers(log);
      log(deb.message);
      return onPath("supervisord") === null || onPath("supervisorctl") === null
        ? `n/a: ${deb.message}`
        : null;
    },
    pm2: async () => {
      const p = await ensurePm2(peersDir, log);
      log(p.message);
      return p.ok ? null : `n/a: ${p.message}`;
    },
  };
  if (systems.some((s) => s !== "orchestrator")) log((await ensureDebianPeers(log)).message);

  const suts: Record<BenchSystem, () => SystemUnderTest> = {
    orchestrator: () => new Orchestrator(ROOT, `${scratch}/orchestrator`),
    supervisord: () => new Supervisord(`${scratch}/supervisord`),
    pm2: () => new Pm2(peersDir, `${scratch}/pm2`),
  };
  const systemRows: ReportInput["systems"] = [];
  for (const s of systems) {
    const sut = suts[s]();
    let missing = await install[s]();
    if (missing === null) {
      try {
        await Deno.mkdir(`${scratch}/${s}`, { recursive: true });
        const version = await sut.version();
        systemRows.push({
          system: s,
          version,
          persistent: sut.persistentLabel,
          stop: sut.stopLabel,
        });
        log(`=== ${version}`);
      } catch (error) {
        missing = `n/a: ${(error as Error).message}`;
      }
    }
    if (missing !== null) {
      log(`${s}: ${missing}; carrying on without it`);
      systemRows.push({ system: s, version: missing, persistent: "", stop: "" });
      if (s === "orchestrator") ctx.failures.push({ system: s, step: "version", message: missing });
      continue;
    }
    await measureSystem(sut, plan, ctx);
  }

  if (systems.includes("orchestrator")) await measureExtras(plan, ctx);

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

if (import.meta.main) Deno.exit(await main());
