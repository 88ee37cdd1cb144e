import assert from "node:assert/strict";
import { CLI, startOrchestrator } from "./_orchestrator.ts";

/** Runs `orchestrator call <args>` and returns its raw output bytes. */
async function callRaw(socket: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "call", ...args, "--socket", socket],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

function task(name: string, script: string) {
  return {
    name,
    kind: "task",
    autostart: false,
    tool_call_template: { call_template_type: "cli", command: "sh", args: ["-c", script] },
  };
}

Deno.test("cli call: prints the task's exact bytes, decoded from base64 when needed", async () => {
  const o = await startOrchestrator({
    agents: [
      task("abc", "printf %s abc"),
      task("crlf", "printf 'a\\r\\nb'"),
      task("bin", "printf '\\377\\376'"),
      task("fail", "printf 'no newline' >&2; exit 3"),
    ],
  });
  const bytes = (...b: number[]) => new Uint8Array(b);
  try {
    const abc = await callRaw(o.socket, ["abc"]);
    assert.equal(abc.code, 0, abc.stderr);
    assert.deepEqual(abc.stdout, new TextEncoder().encode("abc"));
    assert.match(abc.stderr, /^Task exited 0 after \d+\.\d{3} s\n$/);
    const crlf = await callRaw(o.socket, ["crlf"]);
    assert.deepEqual(crlf.stdout, new TextEncoder().encode("a\r\nb"));
    const bin = await callRaw(o.socket, ["bin"]);
    assert.equal(bin.code, 0, bin.stderr);
    assert.deepEqual(bin.stdout, bytes(0xff, 0xfe));
    const json = await callRaw(o.socket, ["bin", "--json"]);
    const data = JSON.parse(new TextDecoder().decode(json.stdout)).data;
    assert.deepEqual([data.stdout, data.stdout_encoding, data.truncated], [
      "//4=",
      "base64",
      false,
    ]);
    const fail = await callRaw(o.socket, ["fail"]);
    assert.equal(fail.code, 1);
    assert.deepEqual(fail.stdout, bytes());
    assert.match(fail.stderr, /^no newline\nTask exited 3 after /);
  } finally {
    await o.stop();
  }
});
