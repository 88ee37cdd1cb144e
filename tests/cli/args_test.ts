/**
 * The one flag parser (lib/cli/args.ts): typed values, and one error
 * style for every way a command line can be wrong.
 */

import assert from "node:assert/strict";
import { parseCliArgs } from "../../lib/cli/args.ts";
import { UsageError } from "../../lib/cli/result.ts";

const OPTIONS = {
  json: { type: "boolean" },
  socket: { type: "string" },
  input: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
  "no-color": { type: "boolean" },
} as const;

function parse(args: string[], allowPositionals = true) {
  return parseCliArgs({ args, options: OPTIONS, allowPositionals });
}

function usageError(args: string[], message: string, allowPositionals = true): void {
  assert.throws(
    () => parse(args, allowPositionals),
    (error) => error instanceof UsageError && error.message === message,
    `${JSON.stringify(args)} gives ${JSON.stringify(message)}`,
  );
}

Deno.test("args: typed values, repeats, -h, --no-color and --", () => {
  const out = parse([
    "web",
    "--json",
    "--socket=/s",
    "--input",
    "a=1",
    "--input",
    "b",
    "-h",
    "--no-color",
    "--",
    "--x",
  ]);
  assert.deepEqual(out.positionals, ["web", "--x"]);
  assert.deepEqual({ ...out.values }, {
    json: true,
    socket: "/s",
    input: ["a=1", "b"],
    help: true,
    "no-color": true,
  });
  assert.equal(parse(["--socket", "-"]).values.socket, "-"); // "-" is a value
});

Deno.test("args: unknown flags say what was typed and suggest the closest flag", () => {
  usageError(["--jsn"], 'Unknown flag "--jsn": did you mean "--json"?');
  usageError(["--jsn=1"], 'Unknown flag "--jsn": did you mean "--json"?');
  usageError(["-json"], 'Unknown flag "-json": did you mean "--json"?');
  usageError(["--no-colour"], 'Unknown flag "--no-colour": did you mean "--no-color"?');
  usageError(["--zebra"], 'Unknown flag "--zebra"');
  usageError(["-x"], 'Unknown flag "-x"');
});

Deno.test("args: missing, flag-like and unexpected values, unexpected arguments", () => {
  usageError(["--socket"], 'Flag "--socket" needs a value');
  usageError(
    ["--socket", "--json"],
    'Flag "--socket" needs a value, got the flag-like "--json": write --socket=VALUE for a ' +
      'value that starts with "-"',
  );
  assert.equal(parse(["--socket=--json"]).values.socket, "--json");
  usageError(["--json=yes"], 'Flag "--json" takes no value');
  usageError(["web"], 'Unexpected argument "web"', false);
});
