/**
 * The CLI audit log of a real `orchestrator run` (docs/operations.md,
 * "Faults"): rotated by size, reopened on SIGUSR1 after logrotate renamed it,
 * and whole lines only when its filesystem is full.
 */

import assert from "node:assert/strict";
import { ControlClient } from "../../lib/control/client.ts";
import { baseConfig, spawnRun, waitUntilServing, writeConfig } from "../cli/_orchestrator.ts";
import { auditLines, until } from "./_helpers.ts";
import { CAN_MOUNT, fill, mountTmpfs } from "../_tmpfs.ts";

/** An audit line as `formatAuditLine` writes it (nothing torn or merged). */
const WHOLE_LINE =
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[CLI\] user=\S+ command=\w+ result=\w+ code=\d+ duration_ms=[\d.]+ uid=\d+ pid=\d+$/;

/** Runs `orchestrator run` with `extra` config; `body` gets a client and the child. */
async function withRun(
  dir: string,
  extra: Record<string, unknown>,
  body: (client: ControlClient, child: Deno.ChildProcess) => Promise<void>,
): Promise<string> {
  const config = await writeConfig(dir, baseConfig(dir, extra));
  const socket = `${dir}/o.sock`;
  const { child, done } = spawnRun(config);
  try {
    await waitUntilServing(socket, done);
    const client = await ControlClient.connect(socket);
    try {
      await body(client, child);
    } finally {
      client.close();
    }
    child.kill("SIGTERM");
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    return result.stderr;
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await done;
  }
}

async function ps(client: ControlClient, times: number): Promise<void> {
  for (let i = 0; i < times; i++) assert.equal((await client.request("ps")).status, "success");
}

Deno.test("audit log: rotated at cli_audit_log_max_bytes, cli_audit_log_max_files kept; reopened on SIGUSR1 after a rename", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "au" });
  const audit = `${dir}/audit.log`;
  try {
    const stderr = await withRun(
      dir,
      { cli_audit_log_max_bytes: 2000, cli_audit_log_max_files: 2 },
      async (client, child) => {
        await ps(client, 100);
        const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
          n.startsWith("audit.log")
        );
        assert.deepEqual(names.sort(), ["audit.log", "audit.log.1", "audit.log.2"]);
        for (const path of [audit, `${audit}.1`, `${audit}.2`]) {
          const size = Deno.statSync(path).size;
          assert.ok(size <= 2000, `${path} holds ${size} bytes`);
          assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
          for (const line of await auditLines(path)) assert.match(line, WHOLE_LINE);
        }
        const rotatedLines = (await auditLines(`${audit}.1`)).length;
        assert.ok(Deno.statSync(`${audit}.1`).size > 2000 - 200, "a rotated file is full");
        assert.ok(rotatedLines > 5);
        // logrotate: rename, then SIGUSR1; the lines that follow go to a new file.
        const before = (await auditLines(audit)).length;
        Deno.renameSync(audit, `${dir}/moved.log`);
        child.kill("SIGUSR1");
        let sent = 0;
        await until(async () => {
          await ps(client, 1);
          sent++;
          return (await Deno.stat(audit).catch(() => null)) !== null;
        });
        await ps(client, 3);
        const moved = await auditLines(`${dir}/moved.log`);
        const fresh = await auditLines(audit);
        assert.equal(moved.length + fresh.length, before + sent + 3, "no line lost or doubled");
        assert.ok(fresh.length >= 4);
      },
    );
    assert.match(stderr, /Received SIGUSR1: reopened 0 agent log files and 1 audit logs/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "audit log: on a full filesystem every line is whole or absent; one error, then the lines lost when it works again",
  ignore: !CAN_MOUNT,
  async fn() {
    await using fs = await mountTmpfs(64);
    if (fs === null) return;
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "au" });
    const audit = `${fs.path}/audit.log`;
    try {
      let sent = 0;
      const stderr = await withRun(dir, { cli_audit_log_path: audit }, async (client, child) => {
        await ps(client, 10);
        const filler = fill(fs.path);
        await ps(client, 200);
        sent = 210;
        assert.ok((await auditLines(audit)).length < 210, "lines were lost");
        const stuck = (await auditLines(audit)).length;
        Deno.removeSync(filler);
        child.kill("SIGUSR1"); // a failing audit log also retries at once on SIGUSR1
        await until(async () => {
          await ps(client, 1);
          sent++;
          return (await auditLines(audit)).length > stuck;
        });
        await ps(client, 5);
        sent += 5;
      });
      const text = await Deno.readTextFile(audit);
      assert.ok(text.endsWith("\n"));
      const lines = text.split("\n").slice(0, -1);
      for (const line of lines) assert.match(line, WHOLE_LINE);
      const errors = stderr.match(/Cannot write CLI audit log "[^"]+": No space left on device/g);
      assert.equal(errors?.length, 1, stderr);
      const recovered = /CLI audit log "[^"]+" is written again: (\d+) lines were lost/.exec(
        stderr,
      );
      assert.ok(recovered !== null, stderr);
      assert.equal(lines.length + Number(recovered[1]), sent, "every request: a line or counted");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
