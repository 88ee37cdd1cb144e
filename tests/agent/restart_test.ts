import assert from "node:assert/strict";
import {
  backoffSeconds,
  decideRestart,
  type RestartInput,
  restartsInWindow,
  shouldRestart,
} from "../../lib/agent/restart.ts";

const BACKOFF = { initial: 0.5, max: 30, factor: 2, reset_after: 60 };
const ok = { code: 0, signal: null };
const bad = { code: 1, signal: null };
const killed = { code: null, signal: "SIGKILL" };

Deno.test("shouldRestart: no never, always always, on-failure only on a failure", () => {
  assert.equal(shouldRestart("no", bad, [0]), false);
  assert.equal(shouldRestart("always", ok, [0]), true);
  assert.equal(shouldRestart("on-failure", ok, [0]), false);
  assert.equal(shouldRestart("on-failure", bad, [0]), true);
  assert.equal(shouldRestart("on-failure", killed, [0]), true);
  assert.equal(shouldRestart("on-failure", bad, [0, 1]), false, "1 is a success code here");
});

Deno.test("backoffSeconds: initial * factor^attempt, capped at max", () => {
  assert.deepEqual([0, 1, 2, 3, 10].map((a) => backoffSeconds(a, BACKOFF)), [0.5, 1, 2, 4, 30]);
  assert.equal(backoffSeconds(5000, BACKOFF), 30, "overflow to Infinity is capped");
  assert.equal(backoffSeconds(3, { ...BACKOFF, initial: 0 }), 0);
});

function input(over: Partial<RestartInput>): RestartInput {
  return {
    policy: "on-failure",
    exit: bad,
    successCodes: [0],
    backoff: BACKOFF,
    maxRestarts: 3,
    restartWindow: 60,
    attempt: 0,
    restartTimes: [],
    upSeconds: 1,
    now: 100_000,
    ...over,
  };
}

Deno.test("decideRestart: running -> backoff with the growing delay", () => {
  const first = decideRestart(input({}));
  assert.deepEqual(first, {
    action: "restart",
    delaySeconds: 0.5,
    attempt: 1,
    restartTimes: [100_000],
  });
  const third = decideRestart(input({ attempt: 2, restartTimes: [98_000, 99_000] }));
  assert.equal(third.action, "restart");
  if (third.action === "restart") assert.equal(third.delaySeconds, 2);
});

Deno.test("decideRestart: backoff -> fatal after max_restarts within the window", () => {
  const d = decideRestart(input({ attempt: 3, restartTimes: [97_000, 98_000, 99_000] }));
  assert.deepEqual(d, { action: "fatal", restarts: 3 });
});

Deno.test("decideRestart: restarts older than the window do not count", () => {
  const d = decideRestart(input({ attempt: 3, restartTimes: [1_000, 2_000, 99_000] }));
  assert.equal(d.action, "restart");
  if (d.action === "restart") assert.deepEqual(d.restartTimes, [99_000, 100_000]);
});

Deno.test("decideRestart: a run that stayed up reset_after resets attempt and count", () => {
  const d = decideRestart(
    input({ attempt: 3, restartTimes: [97_000, 98_000, 99_000], upSeconds: 60 }),
  );
  assert.deepEqual(d, {
    action: "restart",
    delaySeconds: 0.5,
    attempt: 1,
    restartTimes: [100_000],
  });
});

Deno.test("decideRestart: no restart settles as completed or failed", () => {
  assert.deepEqual(decideRestart(input({ exit: ok })), { action: "done", success: true });
  assert.deepEqual(decideRestart(input({ policy: "no" })), { action: "done", success: false });
  assert.deepEqual(decideRestart(input({ maxRestarts: 0 })), { action: "fatal", restarts: 0 });
});

Deno.test("restartsInWindow counts only recent restarts", () => {
  assert.equal(restartsInWindow([1_000, 50_000, 95_000], 10, 100_000), 1);
  assert.equal(restartsInWindow([], 10, 100_000), 0);
});
