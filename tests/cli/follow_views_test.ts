import assert from "node:assert/strict";
import {
  formatEventLine,
  formatLogLine,
  reconnectDelayMs,
  resumeAfter,
} from "../../lib/cli/follow_views.ts";
import { subscribeRequestOptions } from "../../lib/cli/subscribe.ts";
import { COMMON_FLAGS, parseFlags } from "../../lib/cli/flags.ts";
import { spec } from "../../lib/cli/subscribe.ts";

const plain = { color: false };

Deno.test("follow views: an event line has the history columns at fixed widths", () => {
  const e = {
    id: 3,
    event_name: "AGENT_READY",
    agent_name: "web",
    timestamp: "2025-07-27T10:30:00.000Z",
    data: { pid: 42, reason: "probe passed" },
  };
  assert.equal(
    formatEventLine(e, plain),
    '2025-07-27T10:30:00.000Z  AGENT_READY            web  pid=42 reason="probe passed"',
  );
  assert.equal(
    formatEventLine({ ...e, agent_name: null, data: {} }, plain),
    "2025-07-27T10:30:00.000Z  AGENT_READY            -  -",
  );
});

Deno.test("follow views: a log line with and without prefix; control characters escaped unless raw", () => {
  const l = {
    agent: "web",
    stream: "stderr",
    timestamp: "2025-07-27T10:30:00.000Z",
    line: "a\x1b[1mb",
  };
  const o = { ...plain, prefix: true, raw: false };
  assert.equal(formatLogLine(l, o), "2025-07-27T10:30:00.000Z web stderr | a\\x1b[1mb");
  assert.equal(
    formatLogLine({ ...l, timestamp: null }, o),
    `${"-".padEnd(24)} web stderr | a\\x1b[1mb`,
  );
  assert.equal(formatLogLine(l, { ...o, prefix: false }), "a\\x1b[1mb");
  assert.equal(formatLogLine(l, { ...o, prefix: false, raw: true }), "a\x1b[1mb");
  assert.ok(formatLogLine(l, { ...o, color: true }).includes("\x1b[31mstderr\x1b[39m"));
});

Deno.test("follow views: resumeAfter restarts from a new run whose ids do not continue", () => {
  const a = { id: 1, started_at: "2025-07-27T10:00:00.000Z" };
  assert.equal(resumeAfter(50, null, a), null, "first answer: nothing to compare");
  assert.equal(resumeAfter(50, a, a), null, "same run");
  assert.equal(resumeAfter(50, a, { id: 1, started_at: "2025-07-27T11:00:00.000Z" }), 0);
  assert.equal(resumeAfter(50, a, { id: 48, started_at: "x" }), 47, "lost uncommitted tail");
  assert.equal(resumeAfter(50, a, { id: 60, started_at: "x" }), null, "a file store continues");
  assert.equal(resumeAfter(50, a, null), null, "start event pruned: keep the cursor");
});

Deno.test("follow views: reconnect delay doubles from 100 ms to 2 s", () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map(reconnectDelayMs), [
    100,
    200,
    400,
    800,
    1600,
    2000,
    2000,
  ]);
});

Deno.test("subscribe flags: options built from repeatable flags; bad values are usage errors", () => {
  const parse = (argv: string[]) =>
    subscribeRequestOptions(parseFlags(argv, [...spec.flags!, ...COMMON_FLAGS]));
  assert.deepEqual(
    parse([
      "--category",
      "agent",
      "--category",
      "system",
      "--agent",
      "web",
      "--since",
      "12",
      "--snapshot",
    ]),
    { categories: ["agent", "system"], agents: ["web"], since: 12, snapshot: true },
  );
  assert.deepEqual(parse(["--no-events", "--logs", "web", "--logs", "all"]), {
    categories: [],
    logs: true,
  });
  assert.deepEqual(parse(["--logs", "web", "--heartbeat", "0.5"]), {
    logs: ["web"],
    heartbeat: 0.5,
  });
  assert.throws(() => parse(["--since=-1"]), /Flag "--since" must be an event id/);
  assert.throws(() => parse(["--heartbeat", "0"]), /Flag "--heartbeat" must be a positive number/);
  assert.throws(() => parse(["--no-events", "--event", "AGENT_READY"]), /cannot be used/);
});
