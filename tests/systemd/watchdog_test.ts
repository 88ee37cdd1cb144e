import assert from "node:assert/strict";
import { startWatchdog, watchdogIntervalMs } from "../../lib/systemd/watchdog.ts";

Deno.test("watchdogIntervalMs: half of WATCHDOG_USEC, for this process only", () => {
  assert.equal(watchdogIntervalMs({}, 42), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "0" }, 42), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000" }, 42), 15_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "42" }, 42), 15_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "7" }, 42), null);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "1" }, 42), 1, "at least 1 ms");
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "99999999999999" }, 42), 2 ** 31 - 1);
});

Deno.test("watchdogIntervalMs: malformed values are errors naming the variable", () => {
  assert.throws(
    () => watchdogIntervalMs({ WATCHDOG_USEC: "30s" }, 42),
    /Invalid WATCHDOG_USEC "30s": not a count of microseconds/,
  );
  assert.throws(
    () => watchdogIntervalMs({ WATCHDOG_USEC: "1000", WATCHDOG_PID: "-1" }, 42),
    /Invalid WATCHDOG_PID "-1": not a process id/,
  );
});

Deno.test("startWatchdog: pings at once and on every interval while the event loop runs; a busy loop gets none; stop ends them", async () => {
  const pings: number[] = [];
  const pinger = startWatchdog(() => pings.push(performance.now()), 20);
  try {
    assert.equal(pings.length, 1, "one ping at once");
    const deadline = performance.now() + 5_000;
    while (pings.length < 4 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(pings.length >= 4, `${pings.length} pings in 5 s at 20 ms`);
    assert.ok(pings[3] - pings[0] >= 55, "on the interval, not faster");
    // A blocked event loop sends nothing: that is what lets systemd notice it.
    const before = pings.length;
    const spin = performance.now() + 150;
    while (performance.now() < spin) { /* busy */ }
    assert.equal(pings.length, before);
  } finally {
    pinger.stop();
  }
  const stopped = pings.length;
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(pings.length, stopped);
  pinger.stop(); // idempotent
});
