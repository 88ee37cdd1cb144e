import assert from "node:assert/strict";
import { OrchestratorError } from "../../lib/errors.ts";
import { monotonicMicros } from "../../lib/libc.ts";
import {
  MAX_STATUS_CHARS,
  notifyAddress,
  reloadingState,
  sdNotify,
  statusState,
  SystemdNotifier,
} from "../../lib/systemd/notify.ts";
import { withReceiver } from "./_receiver.ts";

function mapEnv(values: Record<string, string>) {
  const map = new Map(Object.entries(values));
  return {
    map,
    env: { get: (k: string) => map.get(k), delete: (k: string) => void map.delete(k) },
  };
}

Deno.test("notifyAddress: a path ends with a NUL, an @name becomes an abstract name", () => {
  const path = notifyAddress("/run/systemd/notify");
  assert.deepEqual([...path.subarray(0, 2)], [1, 0]); // AF_UNIX, little-endian
  assert.equal(new TextDecoder().decode(path.subarray(2)), "/run/systemd/notify\0");
  const abstract = notifyAddress("@sd-notify");
  assert.equal(new TextDecoder().decode(abstract.subarray(2)), "\0sd-notify");
  assert.equal(abstract.length, 2 + 1 + "sd-notify".length);
});

Deno.test("notifyAddress: relative paths, vsock addresses, empty and too long names are errors", () => {
  for (const bad of ["run/notify", "vsock:2:1234", "@", "/" + "x".repeat(107)]) {
    assert.throws(
      () => notifyAddress(bad),
      (e: unknown) =>
        e instanceof OrchestratorError && e.message.startsWith("Unsupported NOTIFY_SOCKET"),
      bad,
    );
  }
  assert.equal(notifyAddress("/" + "x".repeat(106)).length, 2 + 108);
});

Deno.test("statusState: one line, bounded; reloadingState: with MONOTONIC_USEC when the clock is known", () => {
  assert.equal(statusState("3 agents up\nREADY=1"), "STATUS=3 agents up READY=1");
  const long = statusState("y".repeat(10_000));
  assert.equal(long.length, "STATUS=".length + MAX_STATUS_CHARS);
  assert.ok(long.endsWith("…"));
  assert.equal(reloadingState(null), "RELOADING=1");
  assert.equal(reloadingState(123456789n), "RELOADING=1\nMONOTONIC_USEC=123456789");
});

Deno.test("sdNotify: without a socket it sends nothing and says so", () => {
  assert.equal(sdNotify("READY=1", undefined), false);
  assert.equal(sdNotify("READY=1", ""), false);
  assert.equal(new SystemdNotifier(null).ready(), false);
});

Deno.test("sdNotify: the datagram reaches a socket at a path", async () => {
  await withReceiver(async (address, receiver) => {
    assert.equal(sdNotify("READY=1\nSTATUS=3 agents up", address), true);
    assert.equal(await receiver.next(), "READY=1\nSTATUS=3 agents up");
  });
});

Deno.test("sdNotify: the datagram reaches an abstract socket (@name)", async () => {
  await withReceiver(async (address, receiver) => {
    assert.equal(sdNotify("STOPPING=1", address), true);
    assert.equal(await receiver.next(), "STOPPING=1");
  }, "abstract");
});

Deno.test("sdNotify: nobody listening is a clear error naming the socket; the notifier reports it to onError", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "sn" });
  try {
    assert.throws(
      () => sdNotify("READY=1", `${dir}/none`),
      (e: unknown) =>
        e instanceof OrchestratorError &&
        e.message === `Cannot notify the service manager at "${dir}/none": ENOENT`,
    );
    const errors: string[] = [];
    const notifier = new SystemdNotifier(`${dir}/none`, { onError: (e) => errors.push(e.message) });
    assert.equal(notifier.ready(), false);
    assert.deepEqual(errors, [`Cannot notify the service manager at "${dir}/none": ENOENT`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SystemdNotifier.fromEnv: takes NOTIFY_SOCKET and the watchdog variables out of the environment", () => {
  const { map, env } = mapEnv({
    NOTIFY_SOCKET: "/run/systemd/notify",
    WATCHDOG_USEC: "20000000",
    WATCHDOG_PID: "4242",
    PATH: "/usr/bin",
  });
  const notifier = SystemdNotifier.fromEnv({ env, pid: 4242 });
  assert.equal(notifier.socket, "/run/systemd/notify");
  assert.equal(notifier.watchdogIntervalMs, 10_000);
  assert.deepEqual([...map.keys()], ["PATH"]);

  const other = SystemdNotifier.fromEnv({
    env: mapEnv({ NOTIFY_SOCKET: "@x", WATCHDOG_USEC: "20000000", WATCHDOG_PID: "1" }).env,
    pid: 4242,
  });
  assert.equal(other.watchdogIntervalMs, null, "the watchdog is another process's");

  const bad = mapEnv({ NOTIFY_SOCKET: "@x", WATCHDOG_USEC: "soon" });
  assert.throws(
    () => SystemdNotifier.fromEnv({ env: bad.env, pid: 1 }),
    /Invalid WATCHDOG_USEC "soon": not a count of microseconds/,
  );
  assert.equal(bad.map.size, 0, "removed even when malformed");
});

Deno.test("SystemdNotifier: READY/STATUS, RELOADING with the monotonic clock, STOPPING, and WATCHDOG=1 at half WATCHDOG_USEC", async () => {
  await withReceiver(async (address, receiver) => {
    const errors: string[] = [];
    const notifier = SystemdNotifier.fromEnv({
      env: mapEnv({ NOTIFY_SOCKET: address, WATCHDOG_USEC: "100000" }).env,
      onError: (e) => errors.push(e.message),
    });
    assert.equal(notifier.watchdogIntervalMs, 50);

    assert.equal(notifier.ready("2 agents up"), true);
    assert.equal(await receiver.next(), "READY=1\nSTATUS=2 agents up");
    assert.equal(notifier.status("reloading config"), true);
    assert.equal(await receiver.next(), "STATUS=reloading config");

    const before = monotonicMicros()!;
    notifier.reloading();
    const after = monotonicMicros()!;
    const reloading = (await receiver.next())!;
    const m = /^RELOADING=1\nMONOTONIC_USEC=(\d+)$/.exec(reloading);
    assert.ok(m, reloading);
    assert.ok(BigInt(m[1]) >= before && BigInt(m[1]) <= after);

    notifier.startWatchdog();
    notifier.startWatchdog(); // once only
    const start = performance.now();
    for (let i = 0; i < 4; i++) assert.equal(await receiver.next(2_000), "WATCHDOG=1");
    // One now, then every 50 ms: the fourth comes after at least ~150 ms.
    assert.ok(performance.now() - start >= 140, `${performance.now() - start} ms`);

    notifier.stopping();
    let line: string | null;
    for (let i = 0; (line = await receiver.next(2_000)) === "WATCHDOG=1" && i < 100; i++);
    assert.equal(line, "STOPPING=1");
    notifier.stopWatchdog();
    // At 50 ms a running pinger would send ~8 in 400 ms; only ones already on their way may come.
    let late = 0;
    const end = Date.now() + 400;
    while (Date.now() < end) {
      const got = await receiver.next(Math.max(1, end - Date.now()));
      if (got !== null) late++;
    }
    assert.ok(late <= 1, `${late} pings after stopWatchdog`);
    assert.deepEqual(errors, []);
  });
});
