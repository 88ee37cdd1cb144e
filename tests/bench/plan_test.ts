import assert from "node:assert/strict";
import { parseBenchArgs, planFor } from "../../bench/plan.ts";
import { orchestratorConfig, orchestratorRows } from "../../bench/orchestrator_system.ts";
import { supervisordPrograms } from "../../bench/peers/supervisord.ts";
import { pm2Ecosystem } from "../../bench/peers/pm2.ts";
import { parseHyperfineJson, quoteWord } from "../../bench/measure/cli_timing.ts";
import { cpuinfoValue } from "../../bench/measure/machine.ts";

Deno.test("parseBenchArgs: modes, --only, errors", () => {
  assert.deepEqual(parseBenchArgs([]), {
    mode: "full",
    only: null,
    help: false,
    renderOnly: false,
  });
  assert.equal(parseBenchArgs(["--quick", "--render-only"]).renderOnly, true);
  assert.equal(parseBenchArgs(["--smoke"]).mode, "smoke");
  assert.deepEqual(parseBenchArgs(["--quick", "--only", "pm2,orchestrator"]).only, [
    "pm2",
    "orchestrator",
  ]);
  assert.deepEqual(parseBenchArgs(["--only=supervisord"]).only, ["supervisord"]);
  assert.throws(() => parseBenchArgs(["--only", "runit"]), /Unknown system "runit"/);
  assert.throws(() => parseBenchArgs(["--only"]), /needs a value/);
  assert.throws(() => parseBenchArgs(["--fast"]), /Unknown option "--fast"/);
});

Deno.test("planFor: smoke is orchestrator only with 10 agents and a short budget", () => {
  const smoke = planFor("smoke");
  assert.deepEqual(smoke.systems, ["orchestrator"]);
  assert.deepEqual(smoke.sizes.map((s) => s.n), [10]);
  assert.ok(smoke.budgetMs <= 60_000);
  const full = planFor("full");
  assert.deepEqual(full.systems, ["orchestrator", "supervisord", "pm2"]);
  assert.deepEqual(full.sizes.map((s) => s.n), [100, 500]);
  assert.ok(full.budgetMs <= 15 * 60_000);
  assert.ok(planFor("quick").budgetMs <= 3 * 60_000);
  for (const p of [smoke, full, planFor("quick")]) {
    for (const s of p.sizes) assert.ok(s.stopReps <= s.reps);
  }
});

Deno.test("orchestratorConfig: n agents, zero backoff, enough workers, log_dir only when given", () => {
  const c = orchestratorConfig(500, "sleep", { socket: "/tmp/x/o.sock", logDir: null });
  const agents = c.agents as Record<string, unknown>[];
  assert.equal(agents.length, 500);
  assert.equal(agents[499].name, "a500");
  assert.deepEqual(agents[0].tool_call_template, {
    call_template_type: "cli",
    command: "sleep",
    args: ["3600"],
  });
  assert.deepEqual(agents[0].backoff, { initial: 0, max: 0, factor: 1, reset_after: 60 });
  assert.ok((c.max_workers as number) >= 500);
  assert.equal(c.log_dir, null);
  assert.equal(c.command_socket_verify_peer, undefined, "Deno.listen unless asked");
  const verified = orchestratorConfig(1, "sleep", { socket: "/tmp/x/o.sock", logDir: null }, {
    verifyPeer: true,
  });
  assert.equal(verified.command_socket_verify_peer, true);
  const log = orchestratorConfig(2, "log", { socket: "/tmp/x/o.sock", logDir: "/tmp/x/logs" });
  assert.equal(
    (log.agents as { tool_call_template: { command: string } }[])[0].tool_call_template.command,
    "sh",
  );
});

Deno.test("orchestratorRows: running and ready are up; missing list is an error", () => {
  assert.deepEqual(
    orchestratorRows({
      agents: [
        { name: "a1", state: "running", pid: 7 },
        { name: "a2", state: "ready", pid: 8 },
        { name: "a3", state: "backoff", pid: null },
      ],
    }),
    [{ name: "a1", pid: 7, up: true }, { name: "a2", pid: 8, up: true }, {
      name: "a3",
      pid: 0,
      up: false,
    }],
  );
  assert.throws(() => orchestratorRows({}), /agents list/);
});

Deno.test("peer configs: supervisord programs and PM2 ecosystem", () => {
  const conf = supervisordPrograms("/s", 2, "log");
  assert.match(conf, /\[program:a2\]/);
  assert.match(conf, /command=sh -c 'while true; do echo tick; sleep 0\.1; done'/);
  assert.match(conf, /startsecs=0/);
  assert.equal(supervisordPrograms("/s", 0, "sleep"), "; no programs\n");
  const eco = pm2Ecosystem(3, "sleep", "/bin/sleep");
  const apps = JSON.parse(eco.slice("module.exports = ".length, -2)).apps;
  assert.equal(apps.length, 3);
  assert.deepEqual(apps[0], {
    name: "a1",
    script: "/bin/sleep",
    args: ["3600"],
    interpreter: "none",
    exec_mode: "fork",
    autorestart: true,
    kill_signal: "SIGTERM",
  });
});

Deno.test("flood agents: yes with and without newlines, output rotated (or /dev/null for PM2)", () => {
  const conf = supervisordPrograms("/s", 1, "flood-nonl");
  assert.match(conf, /command=sh -c 'yes \| tr -d '"'"'\\n'"'"''/);
  assert.match(conf, /stdout_logfile_maxbytes=10485760\nstdout_logfile_backups=1\n/);
  assert.doesNotMatch(supervisordPrograms("/s", 1, "log"), /maxbytes/);
  const eco = pm2Ecosystem(1, "flood", "/usr/bin/yes");
  const app = JSON.parse(eco.slice("module.exports = ".length, -2)).apps[0];
  assert.deepEqual([app.args, app.out_file, app.error_file], [[], "/dev/null", "/dev/null"]);
  const c = orchestratorConfig(1, "flood", { socket: "/tmp/x/o.sock", logDir: "/tmp/x/logs" });
  assert.deepEqual([c.log_dir, c.log_max_bytes, c.log_max_files], ["/tmp/x/logs", 10485760, 1]);
  const agent = (c.agents as { tool_call_template: unknown }[])[0];
  assert.deepEqual(agent.tool_call_template, {
    call_template_type: "cli",
    command: "yes",
    args: [],
  });
});

Deno.test("hyperfine JSON, argv quoting and cpuinfo parsing", () => {
  const t = parseHyperfineJson(JSON.stringify({
    results: [{
      command: "x",
      mean: 0.02,
      median: 0.019,
      min: 0.015,
      max: 0.03,
      times: [0.02, 0.019],
    }],
  }));
  assert.equal(t.medianMs, 19);
  assert.equal(t.runs, 2);
  assert.throws(() => parseHyperfineJson("{}"), /no results/);
  assert.equal(quoteWord("/usr/bin/deno"), "/usr/bin/deno");
  assert.equal(quoteWord("it's"), `'it'"'"'s'`);
  assert.equal(cpuinfoValue("processor\t: 0\nmodel name\t: AMD EPYC\n", "model name"), "AMD EPYC");
  assert.equal(cpuinfoValue("", "model name"), null);
});

Deno.test("reload scenario: a new version of the config changes agent a1 only, in both systems' configs", () => {
  const paths = { socket: "/tmp/x/o.sock", logDir: null };
  const v0 = orchestratorConfig(3, "sleep", paths).agents as { tool_call_template: unknown }[];
  const v2 = orchestratorConfig(3, "sleep", paths, { version: 2 }).agents as {
    tool_call_template: unknown;
  }[];
  assert.deepEqual(v2[0].tool_call_template, {
    call_template_type: "cli",
    command: "sleep",
    args: ["3602"],
  });
  assert.deepEqual(v2.slice(1), v0.slice(1));
  const programs = supervisordPrograms("/s", 2, "sleep", 1);
  assert.match(programs, /\[program:a1\]\ncommand=sleep 3601\n/);
  assert.match(programs, /\[program:a2\]\ncommand=sleep 3600\n/);
  for (const mode of ["smoke", "quick", "full"] as const) {
    const { reload } = planFor(mode);
    assert.ok(reload.agents >= 10 && reload.reps >= 1, mode);
  }
  assert.equal(planFor("full").reload.agents, 500);
});
