import assert from "node:assert/strict";
import { subscribeOptions } from "../../lib/control/subscribe_options.ts";
import type { ControlRequest } from "../../lib/control/protocol.ts";

const req = (options: Record<string, unknown>, args: string[] = []): ControlRequest => ({
  command: "subscribe",
  args,
  options,
});

Deno.test("subscribe options: defaults, normalized names, lists deduplicated", () => {
  assert.deepEqual(subscribeOptions(req({})), {
    filter: {},
    logs: null,
    since: null,
    snapshot: false,
    heartbeat: 5,
  });
  assert.deepEqual(
    subscribeOptions(req({
      categories: ["AGENT", "agent"],
      events: ["agent_ready"],
      agents: ["web", "db"],
      logs: ["web"],
      since: 0,
      snapshot: true,
      heartbeat: 0.5,
    })),
    {
      filter: { categories: ["agent"], events: ["AGENT_READY"], agents: ["web", "db"] },
      logs: ["web"],
      since: 0,
      snapshot: true,
      heartbeat: 0.5,
    },
  );
  assert.equal(subscribeOptions(req({ logs: true })).logs, "all");
  assert.equal(subscribeOptions(req({ logs: false })).logs, null);
  assert.deepEqual(subscribeOptions(req({ categories: [] })).filter, { categories: [] });
});

Deno.test("subscribe options: every problem is a 400 naming the option", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ categories: "agent" }, /"categories": expected an array of at most 10000/],
    [{ events: ["NOPE"] }, /"events": "NOPE" is not one of event names/],
    [{ agents: [""] }, /"agents": "" is not one of agent names/],
    [{ agents: ["x".repeat(300)] }, /"agents": "x{80}…" is not one/],
    [{ logs: "web" }, /"logs": expected an array/],
    [{ since: 1.5 }, /"since": expected an event id \(an integer ≥ 0\), got 1.5/],
    [{ since: "3" }, /"since": .* got "3"/],
    [{ snapshot: "yes" }, /"snapshot": expected true or false, got "yes"/],
    [{ heartbeat: 0 }, /"heartbeat": expected seconds from 0.05 to 3600, got 0/],
    [{ agents: new Array(10_001).fill("a") }, /at most 10000/],
    [{ catgories: [] }, /^Unknown option "catgories" for command 'subscribe' \(known: /],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => subscribeOptions(req(options)), (e: Error & { code?: number }) => {
      assert.equal(e.code, 400);
      assert.match(e.message, message);
      return true;
    });
  }
  assert.throws(() => subscribeOptions(req({}, ["web"])), /takes no arguments/);
});
