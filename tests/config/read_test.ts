/**
 * Reading a config is bounded for every kind of file: endless devices stop at
 * the size bound, a FIFO with no writer or a silent one never hangs, and
 * directories and sockets are refused with a clear reason.
 */

import assert from "node:assert/strict";
import { MAX_CONFIG_BYTES, readConfigText } from "../../lib/config/read.ts";
import { cli } from "../cli/_orchestrator.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "ocr" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function mkfifo(path: string): Promise<void> {
  const out = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.equal(out.code, 0, "mkfifo");
}

Deno.test("read: /dev/zero and /dev/urandom stop at the bound", async () => {
  assert.equal(MAX_CONFIG_BYTES, 16 * 1024 * 1024);
  assert.deepEqual(await readConfigText("/dev/zero"), {
    ok: false,
    reason: "larger than 16 MiB",
  });
  assert.deepEqual(await readConfigText("/dev/urandom", { maxBytes: 1024 * 1024 }), {
    ok: false,
    reason: "larger than 1 MiB",
  });
});

Deno.test("read: regular files, too large, missing, directories, sockets, bad UTF-8", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/ok.jsonc`, "{}");
    assert.deepEqual(await readConfigText(`${dir}/ok.jsonc`), { ok: true, text: "{}" });
    await Deno.writeTextFile(`${dir}/big.jsonc`, " ".repeat(2000));
    assert.deepEqual(await readConfigText(`${dir}/big.jsonc`, { maxBytes: 1000 }), {
      ok: false,
      reason: "larger than 1000 bytes",
    });
    await Deno.writeFile(`${dir}/latin1.jsonc`, new Uint8Array([0x7b, 0xe9, 0x7d]));
    assert.deepEqual(await readConfigText(`${dir}/latin1.jsonc`), {
      ok: false,
      reason: "not valid UTF-8",
    });
    assert.deepEqual(await readConfigText(`${dir}/none.jsonc`), {
      ok: false,
      reason: "no such file",
    });
    assert.deepEqual(await readConfigText(dir), { ok: false, reason: "is a directory" });
    const listener = Deno.listen({ transport: "unix", path: `${dir}/s.sock` });
    try {
      assert.deepEqual(await readConfigText(`${dir}/s.sock`), { ok: false, reason: "is a socket" });
    } finally {
      listener.close();
    }
  });
});

Deno.test("read: a FIFO with no writer answers at once", async () => {
  await withDir(async (dir) => {
    await mkfifo(`${dir}/fifo`);
    assert.deepEqual(await readConfigText(`${dir}/fifo`), {
      ok: false,
      reason: "a FIFO with no writer (nothing to read)",
    });
  });
});

Deno.test("read: a FIFO is read to its writer's end; a silent writer hits the idle bound", async () => {
  await withDir(async (dir) => {
    const fifo = `${dir}/fifo`;
    await mkfifo(fifo);
    // Read and write: opening does not wait for a reader, and a writer exists from now on.
    const writer = await Deno.open(fifo, { read: true, write: true });
    await writer.write(new TextEncoder().encode('{"max_workers": 2}'));
    const reading = readConfigText(fifo);
    await new Promise((r) => setTimeout(r, 50));
    writer.close();
    assert.deepEqual(await reading, { ok: true, text: '{"max_workers": 2}' });

    const silent = await Deno.open(fifo, { read: true, write: true });
    try {
      const started = performance.now();
      assert.deepEqual(await readConfigText(fifo, { idleMs: 200 }), {
        ok: false,
        reason: "no data for 0.2 s",
      });
      assert.ok(performance.now() - started < 5_000);
    } finally {
      silent.close();
    }
  });
});

Deno.test("cli: validate /dev/zero, a directory and a FIFO exit 2 with the reason", async () => {
  await withDir(async (dir) => {
    await mkfifo(`${dir}/fifo`);
    const [zero, directory, fifo] = await Promise.all([
      cli(["validate", "/dev/zero"]),
      cli(["validate", dir]),
      cli(["validate", `${dir}/fifo`]),
    ]);
    assert.equal(zero.code, 2);
    assert.equal(zero.stderr.trim(), 'Cannot read config "/dev/zero": larger than 16 MiB');
    assert.equal(directory.code, 2);
    assert.match(directory.stderr, /: is a directory$/m);
    assert.equal(fifo.code, 2);
    assert.match(fifo.stderr, /: a FIFO with no writer \(nothing to read\)$/m);
  });
});
