/**
 * `orchestrator run` with forward_output, end to end: agent lines on its
 * stdout, a stdout nobody reads (bounded memory, the socket still answers,
 * dropped lines counted), and log lines in the journal's form when stderr is
 * the journal.
 */

import assert from "node:assert/strict";
import { CLI, cli, startOrchestrator, waitUntilServing, writeConfig } from "./_orchestrator.ts";
import { ControlClient } from "../../lib/control/client.ts";

function agent(name: string, script: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    tool_call_template: { call_template_type: "cli", command: "sh", args: ["-c", script] },
    ...extra,
  };
}

Deno.test("run: forward_output prints 'name | line' and 'name ! line' on stdout", async () => {
  const o = await startOrchestrator({
    forward_output: true,
    agents: [
      agent("web", "echo listening; echo 'disk warning' >&2; sleep 30"),
      agent("quiet", "echo hidden; sleep 30", { forward_output: false }),
    ],
  });
  let out;
  try {
    // Both lines are read and forwarded within the forwarder's short delay.
    for (let i = 0; i < 100; i++) {
      const stats = await cli(["stats", "--json", "--socket", o.socket]);
      if (JSON.parse(stats.stdout).data.forwarded_lines >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    out = await o.stop();
  }
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trimEnd().split("\n").sort();
  assert.deepEqual(lines, ["web ! disk warning", "web | listening"]);
  assert.doesNotMatch(out.stderr, /listening/, "agent lines go to stdout only");
});

/** VmRSS of `pid` in MiB. */
function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

Deno.test("run: a stdout nobody reads drops forwarded lines, memory stays bounded, ps answers", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ofw" });
  const socket = `${dir}/o.sock`;
  const config = await writeConfig(dir, {
    enable_command_interface: true,
    command_socket_path: socket,
    log_cli_commands: false,
    shutdown_timeout: 2,
    forward_output: true,
    agents: [agent("flood", "exec yes 'a line of forwarded output'")],
  });
  // stdout is a pipe this test does not read until the end: it fills (64 KiB), then stalls.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "run", config],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const done = child.status.then((s) => ({ code: s.code, stdout: "", stderr: "" }));
  let client: ControlClient | null = null;
  try {
    await waitUntilServing(socket, done);
    client = await ControlClient.connect(socket, { timeoutMs: 5000 });
    let dropped = 0;
    let slowest = 0;
    let peak = 0;
    const end = Date.now() + 4000;
    while (Date.now() < end) {
      const t = performance.now();
      const ps = await client.request("ps");
      slowest = Math.max(slowest, performance.now() - t);
      assert.equal(ps.status, "success");
      const stats = await client.request("stats");
      assert.equal(stats.status, "success");
      if (stats.status === "success") {
        dropped = (stats.data as { forward_dropped_lines: number }).forward_dropped_lines;
      }
      peak = Math.max(peak, rssMiB(child.pid));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(dropped > 0, "lines were dropped once the pipe was full");
    assert.ok(slowest < 1000, `ps answered within a second while flooding (slowest ${slowest} ms)`);
    assert.ok(peak < 300, `resident memory stayed bounded (peak ${peak.toFixed(0)} MiB)`);
  } finally {
    client?.close();
    child.kill("SIGTERM");
    // Read what it wrote: the pipe drains, the last write completes, and the process exits.
    const text = await new Response(child.stdout).text();
    const status = await child.status;
    await stderr;
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0);
    assert.match(text, /^flood \| a line of forwarded output$/m);
  }
});

Deno.test("run: with stderr the journal, log lines carry syslog priorities and no timestamp", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ojr" });
  try {
    const config = await writeConfig(dir, {
      shutdown_timeout: 2,
      agents: [agent("a", "exit 3", { restart: "no" })],
    });
    const journal = `${dir}/journal`;
    await Deno.writeTextFile(journal, "");
    const st = await Deno.stat(journal);
    const run = (env: Record<string, string>) =>
      new Deno.Command("sh", {
        // stderr appended to the file whose device:inode JOURNAL_STREAM names (or not)
        args: ["-c", 'exec "$@" 2>>"$J"', "sh", Deno.execPath(), "run", "-A", CLI, "run", config],
        env: { NO_COLOR: "1", J: journal, ...env },
        stdout: "null",
        stderr: "null",
      }).spawn();
    const child = run({ JOURNAL_STREAM: `${st.dev}:${st.ino}` });
    for (let i = 0; i < 200 && !(await Deno.readTextFile(journal)).includes("failed"); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    const lines = (await Deno.readTextFile(journal)).trimEnd().split("\n");
    assert.ok(lines.length >= 3, lines.join("\n"));
    for (const line of lines) assert.match(line, /^<[2-7]>orchestrator·/);
    assert.ok(lines.some((l) => l.startsWith("<6>orchestrator·run: Running 1 agents")));
    assert.ok(
      lines.some((l) => l.startsWith('<4>orchestrator·agents: Agent "a": "running" -> "failed"')),
      lines.join("\n"),
    );

    // JOURNAL_STREAM naming another file: the usual timestamped lines.
    await Deno.writeTextFile(journal, "");
    const other = run({ JOURNAL_STREAM: `${st.dev}:${st.ino! + 1}` });
    for (let i = 0; i < 200 && !(await Deno.readTextFile(journal)).includes("failed"); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    other.kill("SIGTERM");
    await other.status;
    assert.match(
      await Deno.readTextFile(journal),
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} .*\[INF\]/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
