import assert from "node:assert/strict";
import {
  bootSettled,
  MIN_STATUS_INTERVAL_MS,
  ProgressReporter,
  statusText,
} from "../../lib/systemd/progress.ts";

const a = (state: string, autostart = true) => ({ state, autostart });

Deno.test("bootSettled: every autostart agent up, completed, or given up; others do not count", () => {
  assert.equal(bootSettled([]), true);
  assert.equal(bootSettled([a("running"), a("ready"), a("completed")]), true);
  assert.equal(bootSettled([a("ready"), a("fatal"), a("failed"), a("stopped")]), true);
  assert.equal(bootSettled([a("ready"), a("starting")]), false, "starting -> ready is to come");
  assert.equal(bootSettled([a("ready"), a("backoff")]), false, "backoff may still come up");
  assert.equal(bootSettled([a("pending")]), false);
  assert.equal(bootSettled([a("ready"), a("pending", false), a("stopped", false)]), true);
});

Deno.test("statusText: agents up first, then the groups that are not empty", () => {
  assert.equal(statusText([]), "0 agents up");
  assert.equal(statusText([a("ready"), a("fatal")]), "1 agent up, 1 failed");
  assert.equal(
    statusText([
      a("running"),
      a("ready"),
      a("ready"),
      a("failed"),
      a("pending"),
      a("backoff"),
      a("completed", false),
      a("stopped", false),
      a("paused"),
      a("stopping"),
    ]),
    "3 agents up, 2 starting, 1 paused, 1 stopping, 1 completed, 1 failed, 1 stopped",
  );
});

Deno.test("ProgressReporter: READY=1 once, when start-up is over; STATUS= on changes, at most every second", () => {
  const r = new ProgressReporter();
  assert.deepEqual(r.update([a("starting"), a("running")], 0), {
    kind: "status",
    status: "1 agent up, 1 starting",
  });
  // The same line again: nothing.
  assert.equal(r.update([a("starting"), a("running")], 2000), null);
  // Ready is never held back, even right after a status.
  assert.deepEqual(r.update([a("ready"), a("running")], 2001), {
    kind: "ready",
    status: "2 agents up",
  });
  assert.equal(r.ready, true);
  // A change within the second is held back, then sent by a later update with no new data.
  assert.equal(r.update([a("ready"), a("failed")], 2500), null);
  assert.equal(r.pending, true);
  assert.equal(r.update(null, 2001 + MIN_STATUS_INTERVAL_MS - 1), null);
  assert.deepEqual(r.update(null, 2001 + MIN_STATUS_INTERVAL_MS), {
    kind: "status",
    status: "1 agent up, 1 failed",
  });
  assert.equal(r.pending, false);
  // A change that went back before its turn is dropped.
  assert.equal(r.update([a("ready"), a("backoff")], 3100), null);
  assert.equal(r.update([a("ready"), a("failed")], 3200), null);
  assert.equal(r.pending, false);
  // Never a second READY=1.
  assert.deepEqual(r.update([a("ready"), a("ready")], 5000), {
    kind: "status",
    status: "2 agents up",
  });
});
