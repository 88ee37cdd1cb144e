/** LineFile (the audit log's file): rotation, reopen after rename, whole lines on a full filesystem. */

import assert from "node:assert/strict";
import { LineFile, type LineFileOptions, reopenLineFiles } from "../lib/line_file.ts";
import { CAN_MOUNT, fill, mountTmpfs } from "./_tmpfs.ts";

const enc = (text: string) => new TextEncoder().encode(text);

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "lf" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A LineFile on a stepping clock that records its errors and recoveries. */
function recorded(path: string, options: Partial<LineFileOptions> = {}) {
  const clock = { now: 0 };
  const errors: unknown[] = [];
  const recoveries: number[] = [];
  const file = LineFile.open(path, {
    maxBytes: 1 << 20,
    maxFiles: 3,
    retryMs: 1000,
    now: () => clock.now,
    onError: (e) => errors.push(e),
    onRecover: (n) => recoveries.push(n),
    ...options,
  });
  return { file, clock, errors, recoveries };
}

function line(i: number): string {
  return `line ${String(i).padStart(4, "0")} ${"x".repeat(39)}\n`; // 50 bytes
}

Deno.test("line file: a line that would pass maxBytes rotates first; .1 … .maxFiles kept, every line whole", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/audit.log`;
  const { file, errors } = recorded(path, { maxBytes: 500, maxFiles: 2 });
  for (let i = 0; i < 40; i++) assert.equal(file.writeLine(enc(line(i))), true);
  file.close();
  assert.deepEqual(errors, []);
  const names = [...Deno.readDirSync(dir.path)].map((e) => e.name).sort();
  assert.deepEqual(names, ["audit.log", "audit.log.1", "audit.log.2"]);
  const texts = [`${path}.2`, `${path}.1`, path].map((p) => Deno.readTextFileSync(p));
  for (const text of texts) {
    assert.ok(text.length <= 500, `a file holds ${text.length} bytes`);
    assert.ok(text.endsWith("\n"));
  }
  const lines = texts.join("").split("\n").filter((l) => l !== "");
  // 10 lines of 50 bytes fit a file: the last three files hold lines 10 … 39, in order.
  assert.deepEqual(lines, Array.from({ length: 30 }, (_, i) => line(i + 10).trimEnd()));
  assert.equal(file.lostLines, 0);
});

Deno.test("line file: reopen after a rename (logrotate) writes to a new file at the path", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/audit.log`;
  const { file } = recorded(path);
  file.writeLine(enc("before\n"));
  Deno.renameSync(path, `${path}.old`);
  file.writeLine(enc("still the old file\n"));
  assert.ok(reopenLineFiles() >= 1);
  file.writeLine(enc("after\n"));
  assert.equal(Deno.readTextFileSync(`${path}.old`), "before\nstill the old file\n");
  assert.equal(Deno.readTextFileSync(path), "after\n");
  assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
  file.close();
  const count = reopenLineFiles();
  file.writeLine(enc("closed\n"));
  assert.equal(Deno.readTextFileSync(path), "after\n", "a closed file writes nothing");
  assert.equal(reopenLineFiles(), count, "a closed file is no longer reopened");
});

Deno.test("line file: a failing write (ENOSPC on /dev/full): one error per episode, every line counted", () => {
  const { file, clock, errors, recoveries } = recorded("/dev/full");
  for (let i = 0; i < 5; i++) {
    assert.equal(file.writeLine(enc(line(i))), false);
    clock.now += 300;
  }
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /No space left/);
  assert.equal(file.lostLines, 5);
  assert.equal(file.failing, true);
  assert.deepEqual(recoveries, []);
  file.close();
});

Deno.test({
  name:
    "line file: on a full filesystem (tmpfs) a line is whole or absent: the part that fit is removed; writing resumes when space returns",
  ignore: !CAN_MOUNT,
  async fn() {
    await using fs = await mountTmpfs(64);
    if (fs === null) return;
    const path = `${fs.path}/audit.log`;
    const { file, clock, errors, recoveries } = recorded(path);
    assert.equal(file.writeLine(enc("first\n")), true);
    const filler = fill(fs.path);
    // The file's page has 4090 bytes left: 81 lines of 50 bytes fit, the 82nd crosses the page.
    let written = 0;
    for (let i = 0; i < 100; i++) {
      if (file.writeLine(enc(line(i)))) written++;
      clock.now += 100;
    }
    assert.equal(written, 81);
    assert.equal(errors.length, 1, "one error for the episode");
    assert.match(String(errors[0]), /No space left/);
    assert.equal(file.lostLines, 19);
    const full = Deno.readTextFileSync(path);
    assert.equal(full, "first\n" + Array.from({ length: 81 }, (_, i) => line(i)).join(""));
    assert.equal(Deno.statSync(path).size, full.length, "no torn bytes past the last line");
    Deno.removeSync(filler);
    clock.now += 1000;
    assert.equal(file.writeLine(enc("after\n")), true);
    assert.deepEqual(recoveries, [19]);
    assert.equal(Deno.readTextFileSync(path), full + "after\n");
    file.close();
  },
});
