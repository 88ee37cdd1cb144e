import assert from "node:assert/strict";
import {
  AGENT_STATES,
  canTransition,
  isLive,
  isSettled,
  SETTLED_STATES,
  TRANSITIONS,
} from "../../lib/agent/state.ts";

Deno.test("state table: every target is a state and no state moves to itself", () => {
  for (const [from, targets] of Object.entries(TRANSITIONS)) {
    for (const to of targets) {
      assert.ok(AGENT_STATES.includes(to), `${from} -> ${to}`);
      assert.notEqual(from, to);
    }
  }
});

Deno.test("state table: stopping -> stopped only; settled states restart through pending", () => {
  assert.deepEqual([...TRANSITIONS.stopping], ["stopped"]);
  for (const s of ["stopped", "completed", "failed", "fatal"] as const) {
    assert.deepEqual([...TRANSITIONS[s]], ["pending"]);
  }
  assert.equal(canTransition("running", "stopped"), false, "a stop goes through stopping");
  assert.equal(canTransition("backoff", "starting"), true);
  assert.equal(isLive("paused"), true);
  assert.equal(isLive("backoff"), false);
});

Deno.test("settled states: exactly those whose only move is back to pending", () => {
  for (const state of AGENT_STATES) {
    const onlyPending = TRANSITIONS[state].length === 1 && TRANSITIONS[state][0] === "pending";
    assert.equal(isSettled(state), onlyPending, state);
    assert.equal(SETTLED_STATES.includes(state), onlyPending, state);
  }
});
