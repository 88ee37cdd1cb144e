import assert from "node:assert/strict";
import { createServer } from "node:net";
import { isCloseOnExec, libcAvailable, monotonicMicros, setCloseOnExec } from "../lib/libc.ts";
import { handleFd, peerCredentials, socketKind } from "../lib/control/peer_cred.ts";

Deno.test("libc: available on Linux with FFI allowed", () => {
  assert.equal(libcAvailable(), Deno.build.os === "linux");
});

Deno.test("monotonicMicros: CLOCK_MONOTONIC, not the wall clock: close to /proc/uptime and advancing", async () => {
  const a = monotonicMicros()!;
  const uptimeUs = Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]) * 1e6;
  // CLOCK_BOOTTIME (uptime) = CLOCK_MONOTONIC + time suspended; 10 ms steps.
  assert.ok(Number(a) <= uptimeUs + 20_000, `${a} vs uptime ${uptimeUs}`);
  assert.ok(Number(a) < Date.now() * 1000 / 2, "far below the wall clock");
  await new Promise((r) => setTimeout(r, 30));
  const b = monotonicMicros()!;
  assert.ok(b - a >= 25_000n && b - a < 5_000_000n, `${b - a} µs`);
});

Deno.test("peer_cred: a listening node:net socket's kind; bad descriptors and handles give null", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "pc" });
  const server = createServer();
  try {
    await new Promise<void>((resolve) => server.listen(`${dir}/s.sock`, resolve));
    const fd = handleFd(server)!;
    assert.ok(fd > 2);
    assert.deepEqual(socketKind(fd), { domain: 1, type: 1, listening: true });
    assert.equal(setCloseOnExec(fd), true);
    assert.equal(isCloseOnExec(fd), true);
  } finally {
    await new Promise((r) => server.close(r));
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(handleFd({}), null);
  assert.equal(handleFd({ _handle: { fd: -1 } }), null);
  assert.equal(handleFd({ _handle: null }), null);
  assert.equal(socketKind(987_654), "not-socket");
  assert.equal(peerCredentials(987_654), null);
  assert.equal(isCloseOnExec(987_654), null);
  assert.equal(setCloseOnExec(987_654), false);
});
