import assert from "node:assert/strict";
import { harness, sh } from "./_helpers.ts";

Deno.test("output: a fast writer is read continuously and kept within the bound", async () => {
  const h = await harness(() => ({
    output_buffer_bytes: 4096,
    agents: [{
      name: "flood",
      kind: "task",
      autostart: false,
      // ~20 MB of output as fast as the pipe takes it, then a last line.
      tool_call_template: sh("yes 0123456789abcdefghij | head -c 20000000; echo; echo last line"),
    }],
  }));
  try {
    const result = await h.orchestrator.call("flood");
    assert.equal(result.return_code, 0);
    assert.ok(result.stdout.length <= 4096, `kept ${result.stdout.length} chars`);
    assert.ok(result.stdout.endsWith("last line\n"), "the newest output is kept");
    const logs = h.orchestrator.logs("flood", 2);
    assert.deepEqual(logs.stdout, ["0123456789abcdefghij", "last line"]);
    assert.equal(logs.truncated, true);
  } finally {
    await h.close();
  }
});

Deno.test("output: log_dir files are written and rotated at log_max_bytes", async () => {
  const h = await harness((dir) => ({
    log_dir: dir,
    log_max_bytes: 1000,
    log_max_files: 2,
    agents: [{
      name: "w",
      kind: "task",
      autostart: false,
      tool_call_template: sh(
        "i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done; echo err >&2",
      ),
    }],
  }));
  try {
    const r = await h.orchestrator.call("w");
    assert.equal(r.return_code, 0);
    await h.orchestrator.shutdown("flush files");
    const files = [...Deno.readDirSync(h.dir)].map((e) => e.name).sort();
    assert.deepEqual(files, ["w.stderr.log", "w.stdout.log", "w.stdout.log.1", "w.stdout.log.2"]);
    for (const f of ["w.stdout.log", "w.stdout.log.1", "w.stdout.log.2"]) {
      assert.ok((await Deno.stat(`${h.dir}/${f}`)).size <= 1000, f);
    }
    assert.match(await Deno.readTextFile(`${h.dir}/w.stdout.log`), /line 499\n$/);
    assert.equal(await Deno.readTextFile(`${h.dir}/w.stderr.log`), "err\n");
  } finally {
    await h.close();
  }
});

Deno.test("output: capture_output false keeps nothing in memory", async () => {
  const h = await harness(() => ({
    agents: [{
      name: "quiet",
      kind: "task",
      autostart: false,
      tool_call_template: sh("echo secret", { capture_output: false }),
    }],
  }));
  try {
    const r = await h.orchestrator.call("quiet");
    assert.equal(r.return_code, 0);
    assert.equal(r.stdout, "");
    assert.deepEqual(h.orchestrator.logs("quiet").stdout, []);
  } finally {
    await h.close();
  }
});

/** A task agent running `script` under `sh -c`. */
function task(name: string, script: string) {
  return { name, kind: "task" as const, autostart: false, tool_call_template: sh(script) };
}

Deno.test("output: call returns the program's exact bytes (no newline added, \\r kept)", async () => {
  const h = await harness(() => ({
    agents: [
      task("abc", "printf %s abc"),
      task("crlf", "printf 'a\\r\\nb'"),
      task("both", "printf out; printf 'err\\n' >&2"),
      task("line", "head -c 65536 /dev/zero | tr '\\0' x"),
      task("over", "head -c 65537 /dev/zero | tr '\\0' x"),
    ],
  }));
  try {
    const abc = await h.orchestrator.call("abc");
    assert.equal(abc.stdout, "abc");
    assert.equal(abc.stdout_encoding, "utf-8");
    assert.equal(abc.truncated, false);
    assert.equal((await h.orchestrator.call("crlf")).stdout, "a\r\nb");
    const both = await h.orchestrator.call("both");
    assert.deepEqual([both.stdout, both.stderr], ["out", "err\n"]);
    const line = await h.orchestrator.call("line");
    assert.equal(line.stdout, "x".repeat(65536), "a 65,536-byte line fits the 64 KiB bound");
    assert.equal(line.truncated, false);
    const over = await h.orchestrator.call("over");
    assert.equal(over.stdout, "x".repeat(65536), "the newest 65,536 bytes");
    assert.equal(over.truncated, true);
    const again = await h.orchestrator.call("abc");
    assert.equal(again.stdout, "abc", "a run's result holds only that run's bytes");
  } finally {
    await h.close();
  }
});

Deno.test("output: bytes that are not UTF-8 come back losslessly as base64", async () => {
  const h = await harness(() => ({
    agents: [task("bin", "printf '\\377\\376'; printf 'ok\\200' >&2")],
  }));
  try {
    const r = await h.orchestrator.call("bin");
    assert.deepEqual([r.stdout, r.stdout_encoding], ["//4=", "base64"]);
    assert.deepEqual(Uint8Array.fromBase64(r.stderr), new Uint8Array([0x6f, 0x6b, 0x80]));
    assert.equal(r.stderr_encoding, "base64");
  } finally {
    await h.close();
  }
});

Deno.test("output: logs cuts a line past output_line_max_bytes, marks and counts it", async () => {
  const h = await harness(() => ({
    output_line_max_bytes: 10,
    agents: [task("long", "echo short; head -c 5000 /dev/zero | tr '\\0' z; echo; echo end")],
  }));
  try {
    await h.orchestrator.call("long");
    const logs = h.orchestrator.logs("long");
    assert.deepEqual(logs.stdout, ["short", "zzzzzzzzzz…[cut]", "end"]);
    assert.equal(logs.truncated, false);
    assert.deepEqual(logs.counters.stdout, { bytes: 5011, dropped_bytes: 0, cut_lines: 1 });
    assert.deepEqual(logs.counters.stderr, { bytes: 0, dropped_bytes: 0, cut_lines: 0 });
  } finally {
    await h.close();
  }
});

Deno.test("output: logs counts the bytes dropped from the bound", async () => {
  const h = await harness(() => ({
    output_buffer_bytes: 100,
    agents: [task("many", "i=0; while [ $i -lt 100 ]; do echo line-$i; i=$((i+1)); done")],
  }));
  try {
    await h.orchestrator.call("many");
    const logs = h.orchestrator.logs("many", 3);
    assert.deepEqual(logs.stdout, ["line-97", "line-98", "line-99"]);
    assert.equal(logs.truncated, true);
    const bytes = 10 * 7 + 90 * 8;
    assert.deepEqual(logs.counters.stdout, { bytes, dropped_bytes: bytes - 100, cut_lines: 0 });
  } finally {
    await h.close();
  }
});

Deno.test("output: log_pattern sees the first output_line_max_bytes of a line that never ends", async () => {
  const h = await harness(() => ({
    output_line_max_bytes: 64,
    agents: [{
      name: "svc",
      readiness: { log_pattern: "^READY x+$" },
      tool_call_template: sh("printf 'READY '; yes x | tr -d '\\n'"),
    }],
  }));
  try {
    await h.orchestrator.waitFor("svc", ["ready"], 5000);
    assert.equal(h.orchestrator.status("svc").state, "ready");
  } finally {
    await h.close();
  }
});
