import assert from "node:assert/strict";
import { LockFile, LockHeldError, parsePid } from "../lib/lock.ts";
import { OrchestratorError } from "../lib/errors.ts";

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ dir: "/tmp", prefix: "lck" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** A child process that takes the lock, prints "locked" and holds it until killed. */
function holder(path: string): { child: Deno.ChildProcess; ready: Promise<string> } {
  const code = `
    import { LockFile } from ${JSON.stringify(new URL("../lib/lock.ts", import.meta.url).href)};
    LockFile.acquire(${JSON.stringify(path)});
    console.log("locked");
    setInterval(() => {}, 1000);
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const ready = reader.read().then((r) => {
    reader.releaseLock();
    return r.value ?? "";
  });
  return { child, ready };
}

Deno.test("parsePid: a decimal pid, else null", () => {
  assert.equal(parsePid("1234\n"), 1234);
  assert.equal(parsePid(" 7 "), 7);
  assert.equal(parsePid(""), null);
  assert.equal(parsePid("0"), null);
  assert.equal(parsePid("-5"), null);
  assert.equal(parsePid("12ab"), null);
  assert.equal(parsePid("99999999999"), null);
});

Deno.test("lock: taken with mode 0600 and our pid; a second taker is refused at once; release removes the file", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/o.sock.lock`;
  const lock = LockFile.acquire(path);
  assert.equal(Deno.readTextFileSync(path), `${Deno.pid}\n`);
  assert.equal(Deno.statSync(path).mode! & 0o777, 0o600);
  const started = performance.now();
  assert.throws(
    () => LockFile.acquire(path),
    (error: unknown) =>
      error instanceof LockHeldError && error.pid === Deno.pid &&
      error.message === `Cannot run: another orchestrator (pid ${Deno.pid}) holds "${path}"`,
  );
  assert.ok(performance.now() - started < 400, "refused without waiting for the holder");
  lock.release();
  lock.release();
  assert.throws(() => Deno.statSync(path), Deno.errors.NotFound);
  LockFile.acquire(path).release();
});

Deno.test("lock: held by another process until it is killed with SIGKILL; a stale file is taken over", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/events.db.lock`;
  const { child, ready } = holder(path);
  try {
    assert.equal((await ready).trim(), "locked");
    assert.throws(
      () => LockFile.acquire(path),
      (error: unknown) => error instanceof LockHeldError && error.pid === child.pid,
    );
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  assert.equal(Deno.readTextFileSync(path), `${child.pid}\n`, "the dead holder's file is left");
  const lock = LockFile.acquire(path);
  assert.equal(Deno.readTextFileSync(path), `${Deno.pid}\n`);
  lock.release();
});

Deno.test("lock: a symlink, a directory and a file of another user are refused, untouched", async () => {
  await using dir = await tempDir();
  const target = `${dir.path}/target`;
  Deno.writeTextFileSync(target, "precious\n");
  const link = `${dir.path}/link.lock`;
  Deno.symlinkSync(target, link);
  assert.throws(
    () => LockFile.acquire(link),
    (error: unknown) =>
      error instanceof OrchestratorError &&
      error.message === `Cannot use lock file "${link}": it is a symbolic link`,
  );
  assert.equal(Deno.readTextFileSync(target), "precious\n");
  const sub = `${dir.path}/d.lock`;
  Deno.mkdirSync(sub);
  assert.throws(
    () => LockFile.acquire(sub),
    (error: unknown) =>
      error instanceof OrchestratorError &&
      error.message.startsWith(`Cannot use lock file "${sub}"`),
  );
  if (Deno.uid() === 0) {
    const foreign = `${dir.path}/foreign.lock`;
    Deno.writeTextFileSync(foreign, "4242\n", { mode: 0o600 });
    Deno.chownSync(foreign, 65534, 65534);
    assert.throws(
      () => LockFile.acquire(foreign),
      (error: unknown) =>
        error instanceof OrchestratorError &&
        error.message ===
          `Cannot use lock file "${foreign}": owned by uid 65534, not by this user (uid 0)`,
    );
    assert.equal(Deno.readTextFileSync(foreign), "4242\n");
  }
});

Deno.test({
  name: "lock: a directory the user cannot write is a clear error (as uid 65534)",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using dir = await tempDir();
    await Deno.chmod(dir.path, 0o755);
    const path = `${dir.path}/o.sock.lock`;
    const code = `
      import { LockFile } from ${JSON.stringify(new URL("../lib/lock.ts", import.meta.url).href)};
      try { LockFile.acquire(${JSON.stringify(path)}); console.log("taken"); }
      catch (error) { console.log(error.message); }
    `;
    const bin = `${dir.path}/deno`;
    try {
      await Deno.link(Deno.execPath(), bin);
    } catch {
      await Deno.copyFile(Deno.execPath(), bin);
    }
    await Deno.chmod(bin, 0o755);
    const home = `${dir.path}/home`;
    await Deno.mkdir(home);
    await Deno.chown(home, 65534, 65534);
    const out = await new Deno.Command("setpriv", {
      args: ["--reuid=65534", "--regid=65534", "--clear-groups", bin, "eval", code],
      env: { DENO_DIR: `${home}/deno`, HOME: home, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(
      new TextDecoder().decode(out.stdout).trim(),
      `Cannot use lock file "${path}": permission denied (can uid 65534 write to "${dir.path}"?)`,
      new TextDecoder().decode(out.stderr),
    );
  },
});
