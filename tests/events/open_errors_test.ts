/** Files the store cannot use: corrupt, missing directory, not a directory, not writable. */

import assert from "node:assert/strict";
import { EventStore } from "../../lib/events/store.ts";
import { OrchestratorError } from "../../lib/errors.ts";
import { Child, tempDir } from "./helpers.ts";

function refusal(path: string, reason: RegExp): (error: unknown) => boolean {
  return (error) => {
    if (!(error instanceof OrchestratorError) || error.code !== 500) return false;
    const prefix = `Cannot open event store "${path}": `;
    assert.ok(error.message.startsWith(prefix), error.message);
    assert.match(error.message.slice(prefix.length), reason);
    return true;
  };
}

Deno.test("a corrupt file (garbage bytes) is a clear error naming the file, left as it was", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db`;
  const garbage = new Uint8Array(8192).map((_, i) => (i * 7919 + 13) % 251);
  await Deno.writeFile(path, garbage);
  assert.throws(
    () => EventStore.open({ path, retention: 10 }),
    refusal(path, /^file is not a database$/),
  );
  assert.deepEqual(await Deno.readFile(path), garbage);
});

Deno.test("a text file is not a database", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/notes.txt`;
  await Deno.writeTextFile(path, "event_store_path should have pointed elsewhere\n".repeat(200));
  assert.throws(
    () => EventStore.open({ path, retention: 10 }),
    refusal(path, /^file is not a database$/),
  );
});

Deno.test("a missing directory, a path under a regular file, a directory: clear errors", async () => {
  await using dir = await tempDir();
  const missing = `${dir.path}/no/such/dir/events.db`;
  assert.throws(
    () => EventStore.open({ path: missing, retention: 10 }),
    refusal(missing, new RegExp(`^directory "${dir.path}/no/such/dir" does not exist$`)),
  );
  await Deno.writeTextFile(`${dir.path}/file`, "x");
  const underFile = `${dir.path}/file/events.db`;
  assert.throws(
    () => EventStore.open({ path: underFile, retention: 10 }),
    refusal(underFile, /is not a directory/),
  );
  assert.throws(
    () => EventStore.open({ path: dir.path, retention: 10 }),
    refusal(dir.path, /^it is a directory$/),
  );
});

/** A Deno binary and DENO_DIR that uid 65534 can use (ours may sit under /root). */
async function nobodyDeno(base: string): Promise<{ exec: string; env: Record<string, string> }> {
  const bin = `${base}/bin`;
  await Deno.mkdir(bin, { mode: 0o755 });
  const exec = `${bin}/deno`;
  try {
    await Deno.link(Deno.execPath(), exec);
  } catch {
    await Deno.copyFile(Deno.execPath(), exec);
  }
  await Deno.chmod(exec, 0o755);
  const home = `${base}/home`;
  await Deno.mkdir(home);
  await Deno.chown(home, 65534, 65534);
  return { exec, env: { DENO_DIR: `${home}/deno`, HOME: home, NO_COLOR: "1" } };
}

const AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

async function tryAsNobody(
  runtime: { exec: string; env: Record<string, string> },
  path: string,
): Promise<{ ok: boolean; code?: number; message?: string }> {
  await using child = Child.spawn(["try", path], { prefix: AS_NOBODY, ...runtime });
  const line = await child.nextLine(30_000);
  const { stderr } = await child.finish();
  assert.ok(line !== null, `no answer from the child: ${stderr}`);
  return JSON.parse(line);
}

Deno.test({
  name: "not writable (as uid 65534): a read-only directory, a read-only file",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using dir = await tempDir();
    await Deno.chmod(dir.path, 0o755);
    const runtime = await nobodyDeno(dir.path);
    const ro = `${dir.path}/ro`;
    await Deno.mkdir(ro, { mode: 0o755 });

    // A new file in a directory the user cannot write.
    const fresh = `${ro}/events.db`;
    const a = await tryAsNobody(runtime, fresh);
    assert.equal(a.ok, false);
    assert.equal(a.code, 500);
    assert.equal(
      a.message,
      `Cannot open event store "${fresh}": directory "${ro}" is not writable by this user (uid 65534)`,
    );

    // An existing store owned by root, read-only for the user.
    EventStore.open({ path: fresh, retention: 10 }).close();
    const b = await tryAsNobody(runtime, fresh);
    assert.equal(b.ok, false);
    assert.equal(b.code, 500);
    assert.equal(
      b.message,
      `Cannot open event store "${fresh}": the file is not writable by this user (uid 65534)`,
    );

    // A writable file in a read-only directory: the WAL file cannot be created.
    await Deno.chown(fresh, 65534, 65534);
    const c = await tryAsNobody(runtime, fresh);
    assert.equal(
      c.message,
      `Cannot open event store "${fresh}": directory "${ro}" is not writable by this user (uid 65534); SQLite needs to create "events.db-wal" there`,
    );

    // Control: the same user can open a store in a directory it owns.
    const own = `${dir.path}/home/events.db`;
    assert.deepEqual(await tryAsNobody(runtime, own), { ok: true });
  },
});
