/** rotateFiles and openAppend on real files. */

import assert from "node:assert/strict";
import { closeQuietly } from "../lib/close_quietly.ts";
import { openAppend, rotateFiles } from "../lib/rotation.ts";

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "rot" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

Deno.test("rotation: path -> .1 -> .2, the oldest beyond maxFiles is overwritten, gaps skipped", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/a.log`;
  Deno.writeTextFileSync(path, "new");
  Deno.writeTextFileSync(`${path}.2`, "old");
  rotateFiles(path, 2);
  assert.equal(Deno.readTextFileSync(`${path}.1`), "new");
  assert.equal(Deno.readTextFileSync(`${path}.2`), "old");
  assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
  Deno.writeTextFileSync(path, "newer");
  rotateFiles(path, 2);
  assert.equal(Deno.readTextFileSync(`${path}.1`), "newer");
  assert.equal(Deno.readTextFileSync(`${path}.2`), "new");
  assert.throws(() => Deno.statSync(`${path}.3`), Deno.errors.NotFound);
});

Deno.test("rotation: maxFiles 0 removes the file; a missing file throws", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/a.log`;
  Deno.writeTextFileSync(path, "x");
  rotateFiles(path, 0);
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
  assert.throws(() => rotateFiles(path, 3), Deno.errors.NotFound);
});

Deno.test("rotation: openAppend appends with the size it found; closeQuietly twice is fine", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/a.log`;
  Deno.writeTextFileSync(path, "abc");
  const { file, size } = openAppend(path, 0o600);
  assert.equal(size, 3);
  file.writeSync(new TextEncoder().encode("d"));
  closeQuietly(file);
  closeQuietly(file);
  closeQuietly(null);
  assert.equal(Deno.readTextFileSync(path), "abcd");
  assert.throws(() => openAppend(`${dir.path}/no/such`, 0o600), Deno.errors.NotFound);
});
