import assert from "node:assert/strict";
import { reopenLogFiles, RotatingFile } from "../../lib/agent/logfile.ts";

const enc = (s: string) => new TextEncoder().encode(s);

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ dir: "/tmp", prefix: "lgf" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** A RotatingFile with a hand-driven clock and recorded callbacks. */
function recorded(path: string, extra: { maxBytes?: number; maxFiles?: number } = {}) {
  const clock = { now: 1_000 };
  const errors: unknown[] = [];
  const recoveries: number[] = [];
  const file = new RotatingFile(path, {
    maxBytes: extra.maxBytes ?? 1 << 20,
    maxFiles: extra.maxFiles ?? 2,
    retryMs: 1000,
    now: () => clock.now,
    onError: (e) => errors.push(e),
    onRecover: (lost) => recoveries.push(lost),
  });
  return { file, clock, errors, recoveries };
}

Deno.test("log file: created 0600; a missing directory is one error per episode, bytes counted lost, writing resumes when it is back", async () => {
  await using dir = await tempDir();
  const logDir = `${dir.path}/logs`;
  const { file, clock, errors, recoveries } = recorded(`${logDir}/a.stdout.log`);
  file.write(enc("lost one\n")); // 9 bytes
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof Deno.errors.NotFound);
  assert.equal(file.failing, true);
  file.write(enc("lost two\n")); // within retryMs: not even tried
  clock.now += 1500;
  file.write(enc("lost 3\n")); // retried, fails again: same episode, no new error
  assert.equal(errors.length, 1);
  assert.equal(file.lostBytes, 9 + 9 + 7);

  Deno.mkdirSync(logDir);
  file.write(enc("too soon\n")); // the last attempt was < retryMs ago
  assert.equal(file.lostBytes, 25 + 9);
  clock.now += 1000;
  file.write(enc("back\n"));
  assert.equal(file.failing, false);
  assert.deepEqual(recoveries, [34]);
  assert.equal(Deno.readTextFileSync(`${logDir}/a.stdout.log`), "back\n");
  assert.equal(Deno.statSync(`${logDir}/a.stdout.log`).mode! & 0o777, 0o600);
  file.write(enc("more\n"));
  assert.equal(Deno.readTextFileSync(`${logDir}/a.stdout.log`), "back\nmore\n");
  assert.equal(file.lostBytes, 34);
  assert.equal(errors.length, 1);
  file.close();
});

Deno.test("log file: a write error (ENOSPC on /dev/full) is reported once and every byte is counted", () => {
  const { file, clock, errors } = recorded("/dev/full");
  for (let i = 0; i < 5; i++) {
    file.write(enc("0123456789\n"));
    clock.now += 2000;
  }
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /No space left on device/);
  assert.equal(file.lostBytes, 55);
  assert.equal(file.failing, true);
  file.close();
});

Deno.test("log file: a rotation that cannot rename drops the rest (counted) instead of looping", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/a.log`;
  Deno.mkdirSync(`${path}.1`);
  Deno.writeTextFileSync(`${path}.1/keep`, "x");
  const { file, errors } = recorded(path, { maxBytes: 10, maxFiles: 1 });
  file.write(enc("12345\n67890\nabc\n"));
  assert.equal(errors.length, 1);
  assert.equal(Deno.readTextFileSync(path), "12345\n");
  assert.equal(file.lostBytes, 10);
  file.close();
});

Deno.test("log file: reopenLogFiles after logrotate renamed the file writes to a new file at the path", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/a.log`;
  const file = new RotatingFile(path, { maxBytes: 1 << 20, maxFiles: 2 });
  const other = new RotatingFile(`${dir.path}/b.log`, { maxBytes: 1 << 20, maxFiles: 2 });
  file.write(enc("before\n"));
  other.write(enc("b\n"));
  Deno.renameSync(path, `${path}.rotated`);
  file.write(enc("still old\n"));
  assert.equal(reopenLogFiles(), 2);
  file.write(enc("after\n"));
  assert.equal(Deno.readTextFileSync(`${path}.rotated`), "before\nstill old\n");
  assert.equal(Deno.readTextFileSync(path), "after\n");
  file.close();
  other.close();
  assert.equal(reopenLogFiles(), 0, "closed files are not reopened");
});

Deno.test({
  name:
    "log file: a full filesystem (tmpfs, needs root): one error, bytes lost counted, writing resumes once space returns",
  ignore: Deno.uid() !== 0,
  async fn(t) {
    await using dir = await tempDir();
    const mnt = `${dir.path}/mnt`;
    Deno.mkdirSync(mnt);
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!mount.success) {
      console.warn(
        `skipped: cannot mount a tmpfs: ${new TextDecoder().decode(mount.stderr).trim()}`,
      );
      return;
    }
    try {
      await t.step("fill, fail, free, resume", () => {
        const { file, clock, errors, recoveries } = recorded(`${mnt}/a.stdout.log`);
        file.write(enc("first line\n"));
        assert.equal(errors.length, 0);
        // Fill the filesystem.
        const filler = Deno.openSync(`${mnt}/filler`, { write: true, create: true });
        const block = new Uint8Array(4096);
        try {
          for (;;) filler.writeSync(block);
        } catch (error) {
          assert.match(String(error), /No space left/);
        }
        filler.close();
        const line = enc("x".repeat(99) + "\n");
        for (let i = 0; i < 50; i++) {
          file.write(line);
          clock.now += 300;
        }
        assert.equal(errors.length, 1, "one error for the whole episode");
        assert.match(String(errors[0]), /No space left/);
        const lost = file.lostBytes;
        assert.ok(lost > 0 && lost <= 5000, `lost ${lost}`);
        Deno.removeSync(`${mnt}/filler`);
        clock.now += 1000;
        file.write(enc("after space returned\n"));
        assert.equal(file.failing, false);
        assert.deepEqual(recoveries, [lost]);
        assert.equal(file.lostBytes, lost);
        const text = Deno.readTextFileSync(`${mnt}/a.stdout.log`);
        assert.ok(text.startsWith("first line\n"));
        assert.ok(text.endsWith("after space returned\n"));
        assert.equal(text.length, 11 + 50 * 100 - lost + 21);
        file.close();
      });
    } finally {
      await new Deno.Command("umount", { args: [mnt] }).output();
    }
  },
});
