import assert from "node:assert/strict";
import {
  describeExit,
  exitFailure,
  pollUntil,
  runCommand,
  startDaemon,
  waitForSocket,
  within,
} from "../../bench/measure/child.ts";
import { timeCli } from "../../bench/measure/cli_timing.ts";
import { isAlive, waitGone } from "../../bench/measure/proc.ts";

Deno.test("timeCli: own timing counts runs after warm-up; a failing command throws", async () => {
  const t = await timeCli(["true"], {
    runs: 3,
    warmup: 1,
    jsonPath: "/dev/null",
    hyperfine: false,
  });
  assert.equal(t.tool, "own timing");
  assert.equal(t.runs, 3);
  assert.ok(t.minMs <= t.medianMs && t.medianMs <= t.maxMs);
  await assert.rejects(
    timeCli(["false"], { runs: 1, warmup: 0, jsonPath: "/dev/null", hyperfine: false }),
    /exited 1/,
  );
});

Deno.test("runCommand: a command over its time limit is killed with its group", async () => {
  const r = await runCommand(["sh", "-c", "sleep 30 & sleep 30"], { timeoutMs: 200 });
  assert.equal(r.timedOut, true);
  assert.notEqual(r.code, 0);
});

Deno.test("startDaemon: pid is the daemon's own, output goes to the log, exitFailure tells why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-child" });
  const log = `${dir}/d.log`;
  try {
    const child = startDaemon(["sh", "-c", "echo started; echo oops >&2; exec sleep 30"], {
      logFile: log,
    });
    try {
      // the log is written and the shell exec'd the daemon in place: same pid
      await pollUntil(async () => {
        const text = await Deno.readTextFile(log).catch(() => "");
        const cmd = await Deno.readTextFile(`/proc/${child.pid}/cmdline`).catch(() => "");
        return text.includes("oops") && cmd.startsWith("sleep\0") ? true : null;
      }, { timeoutMs: 5000, intervalMs: 10, what: "daemon running" });
      assert.ok(isAlive(child.pid));
      assert.deepEqual(Deno.readTextFileSync(`/proc/${child.pid}/cmdline`).split("\0"), [
        "sleep",
        "30",
        "",
      ]);
    } finally {
      Deno.kill(-child.pid, "SIGTERM");
    }
    const status = await child.status;
    assert.deepEqual(await waitGone([child.pid], { timeoutMs: 2000 }), []);
    assert.equal(exitFailure(status, log), "exited with signal SIGTERM: started | oops");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("within and pollUntil: bounded waits", async () => {
  assert.equal(await within(new Promise(() => {}), 10), "timeout");
  assert.equal(await within(Promise.resolve(7), 1000), 7);
  await assert.rejects(
    pollUntil(() => Promise.resolve(null), { timeoutMs: 30, intervalMs: 5, what: "never" }),
    /Timed out after 30 ms: never/,
  );
});

Deno.test("describeExit: first error line and the last two, colours stripped", () => {
  const log =
    "starting\n\x1b[31merror\x1b[0m: Uncaught ReferenceError: x\n  at a\n  at b\n  at c\n";
  assert.equal(
    describeExit({ success: false, code: 1, signal: null }, log),
    "exited with code 1: error: Uncaught ReferenceError: x | at b | at c",
  );
  assert.equal(describeExit({ success: false, code: 2, signal: null }, ""), "exited with code 2");
});

Deno.test("waitForSocket: resolves once the socket accepts, throws at its timeout", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ws" });
  const path = `${dir}/s`;
  try {
    await assert.rejects(waitForSocket(path, 100), /Timed out after 100 ms/);
    const listener = Deno.listen({ transport: "unix", path });
    const accepting = (async () => {
      for await (const conn of listener) conn.close();
    })();
    await waitForSocket(path, 2000);
    listener.close();
    await accepting.catch(() => {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
