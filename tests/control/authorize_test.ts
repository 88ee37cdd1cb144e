import assert from "node:assert/strict";
import { allowedCommands, authorize } from "../../lib/control/authorize.ts";
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
