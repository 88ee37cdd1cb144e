import assert from "node:assert/strict";
import {
  allowedCommands,
  allowedFor,
  authorize,
  compilePolicies,
  matchPolicy,
} from "../../lib/control/authorize.ts";
import { COMMAND_NAMES } from "../../lib/protocol/commands.ts";

Deno.test("authorize: null allows every command, shutdown included", () => {
  const allowed = allowedCommands({ allowed_commands: null, blocked_commands: [] });
  for (const name of COMMAND_NAMES) assert.equal(authorize(name, allowed).ok, true, name);
});

Deno.test("authorize: presets", () => {
  const basic = allowedCommands({ allowed_commands: "basic", blocked_commands: [] });
  assert.deepEqual([...basic].sort(), ["ps", "status"]);
  const monitoring = allowedCommands({ allowed_commands: "monitoring", blocked_commands: [] });
  assert.equal(authorize("report", monitoring).ok, true);
  assert.equal(authorize("start", monitoring).ok, false);
  const control = allowedCommands({ allowed_commands: "control", blocked_commands: [] });
  assert.equal(authorize("call", control).ok, true);
  assert.equal(authorize("shutdown", control).ok, false);
});

Deno.test("authorize: blocked wins over allowed", () => {
  const allowed = allowedCommands({
    allowed_commands: ["ps", "shutdown"],
    blocked_commands: ["shutdown"],
  });
  assert.deepEqual(authorize("shutdown", allowed), {
    ok: false,
    code: 403,
    message: "Command 'shutdown' not allowed",
    result: "blocked",
  });
  assert.equal(authorize("ps", allowed).ok, true);
});

Deno.test("authorize: an unknown command is 404 even when not whitelisted", () => {
  const allowed = allowedCommands({ allowed_commands: "basic", blocked_commands: [] });
  const out = authorize("frobnicate", allowed);
  assert.equal(out.ok, false);
  if (!out.ok) {
    assert.equal(out.code, 404);
    assert.equal(out.message, "Unknown command 'frobnicate'");
  }
});

const caller = (uid: number, user: string, groups: number[]) => ({
  uid,
  gid: groups[0] ?? uid,
  pid: 1,
  user,
  groups,
});

const POLICIES = compilePolicies({
  blocked_commands: ["shutdown"],
  command_policies: [
    { users: ["alice", 1001], groups: [], allowed_commands: "all", blocked_commands: ["call"] },
    { users: [], groups: ["ops", 1600], allowed_commands: "control", blocked_commands: [] },
    { users: [], groups: ["no-such-group-xq"], allowed_commands: "all", blocked_commands: [] },
  ],
}, (name) => name === "ops" ? 1500 : undefined);

Deno.test("authorize: the first policy naming the caller's user (name or uid) decides", () => {
  const basic = allowedCommands({ allowed_commands: "basic", blocked_commands: ["shutdown"] });
  const alice = allowedFor(caller(1000, "alice", [1000]), POLICIES, basic);
  assert.equal(authorize("restart", alice).ok, true);
  assert.equal(authorize("call", alice).ok, false, "the policy's own blocked list");
  assert.equal(authorize("shutdown", alice).ok, false, "the global blocked list always wins");
  const byUid = allowedFor(caller(1001, "1001", [1001]), POLICIES, basic);
  assert.equal(byUid, alice);
});

Deno.test("authorize: a group matches the primary or a supplementary gid; names resolve to gids", () => {
  const basic = allowedCommands({ allowed_commands: "basic", blocked_commands: [] });
  const primary = allowedFor(caller(2000, "bob", [1500]), POLICIES, basic);
  assert.equal(authorize("stop", primary).ok, true);
  const supplementary = allowedFor(caller(2001, "carol", [2001, 1600]), POLICIES, basic);
  assert.equal(authorize("stop", supplementary).ok, true);
  assert.equal(authorize("shutdown", supplementary).ok, false);
  // A user in both an earlier user entry and a group entry: the first entry decides.
  const both = matchPolicy(caller(1000, "alice", [1500]), POLICIES);
  assert.equal(both, POLICIES[0]);
});

Deno.test("authorize: no policy names the caller, or the caller is not verified: allowed_commands", () => {
  const basic = allowedCommands({ allowed_commands: "basic", blocked_commands: [] });
  assert.equal(allowedFor(caller(3000, "dave", [3000]), POLICIES, basic), basic);
  assert.equal(allowedFor(undefined, POLICIES, basic), basic);
  assert.equal(POLICIES[2].gids.size, 0, "an unknown group name matches nobody");
  assert.equal(authorize("stats", basic).ok, false);
});
