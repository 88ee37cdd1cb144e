/** The event-naming values shared by history and subscribe options. */

import assert from "node:assert/strict";
import {
  agentFilter,
  categoryNamed,
  describeValue,
  eventNamed,
  MAX_AGENT_FILTER,
  unknownOption,
} from "../../lib/events/option_values.ts";

Deno.test("option values: categories and events case-insensitive, anything else undefined", () => {
  assert.equal(categoryNamed("AGENT"), "agent");
  assert.equal(categoryNamed("agents"), undefined);
  assert.equal(categoryNamed(1), undefined);
  assert.equal(eventNamed("agent_failed"), "AGENT_FAILED");
  assert.equal(eventNamed("toString"), undefined);
  assert.equal(eventNamed(null), undefined);
});

Deno.test("option values: agent names non-empty and bounded; the first unknown key", () => {
  assert.equal(agentFilter("web"), "web");
  assert.equal(agentFilter(""), undefined);
  assert.equal(agentFilter("a".repeat(MAX_AGENT_FILTER)), "a".repeat(MAX_AGENT_FILTER));
  assert.equal(agentFilter("a".repeat(MAX_AGENT_FILTER + 1)), undefined);
  assert.equal(agentFilter(["web"]), undefined);
  assert.equal(unknownOption({ limit: 1, categroy: "x", z: 0 }, ["limit"]), "categroy");
  assert.equal(unknownOption({ limit: 1 }, ["limit"]), undefined);
});

Deno.test("option values: describeValue quotes and cuts strings, names the rest", () => {
  assert.equal(describeValue("x"), '"x"');
  assert.equal(describeValue("y".repeat(100)), JSON.stringify(`${"y".repeat(80)}…`));
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue([1]), "an array");
  assert.equal(describeValue({}), "an object");
  assert.equal(describeValue(7), "7");
});
