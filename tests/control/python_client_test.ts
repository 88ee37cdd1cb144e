/**
 * docs/protocol.md carries a Python client verbatim; this test checks the doc
 * and examples/python_client.py agree and runs the file against a real
 * orchestrator.
 */

import assert from "node:assert/strict";
import { startHarness } from "./_helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("protocol doc: the Python client in the doc is examples/python_client.py", async () => {
  const doc = await Deno.readTextFile(`${ROOT}docs/protocol.md`);
  const match = doc.match(/<!-- python_client\.py -->\s*```python\n([\s\S]*?)```\n/);
  assert.ok(match, "the doc has a python block after the marker");
  assert.equal(match[1], await Deno.readTextFile(`${ROOT}examples/python_client.py`));
});

async function py(...args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
  const out = await new Deno.Command("python3", {
    args: [`${ROOT}examples/python_client.py`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.notEqual(text, "", new TextDecoder().decode(out.stderr));
  return { code: out.code, json: JSON.parse(text) };
}

Deno.test("protocol doc: the Python client talks to a real orchestrator", async () => {
  const h = await startHarness();
  try {
    const ps = await py(h.socket, "ps");
    assert.equal(ps.code, 0);
    assert.equal(ps.json.status, "success");
    assert.equal(ps.json.id, 1);
    assert.deepEqual(
      (ps.json.data as { agents: { name: string }[] }).agents.map((a) => a.name),
      ["web", "job"],
    );
    const call = await py(h.socket, "call", "job", "--options", '{"inputs": {"secs": "0"}}');
    assert.equal(call.code, 0);
    assert.equal((call.json.data as { stdout: string }).stdout, "out-0\n");
    const missing = await py(h.socket, "status", "ghost");
    assert.equal(missing.code, 1);
    assert.equal(missing.json.code, 404);
    const history = await py(h.socket, "history", "--options", '{"limit": 1}');
    assert.equal((history.json.data as { events: unknown[] }).events.length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("protocol doc: the Python client subscribes: snapshot, snapshot_end, stored events", async () => {
  const h = await startHarness();
  try {
    const out = await new Deno.Command("python3", {
      args: [
        `${ROOT}examples/python_client.py`,
        h.socket,
        "subscribe",
        "--options",
        '{"snapshot": true, "since": 0, "categories": ["system"]}',
        "--frames",
        "4",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.equal(lines[0].status, "success");
    assert.deepEqual(lines.slice(1).map((f) => [f.type, f.name ?? f.event_name]), [
      ["snapshot", "web"],
      ["snapshot", "job"],
      ["snapshot_end", undefined],
      ["event", "ORCHESTRATOR_STARTED"],
    ]);
    assert.equal(lines[4].id, 1);
  } finally {
    await h.close();
  }
});

Deno.test("protocol doc: the Python client says in one line that it cannot connect (exit 3)", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "opy" });
  try {
    const out = await new Deno.Command("python3", {
      args: [`${ROOT}examples/python_client.py`, `${dir}/none.sock`, "ps"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 3);
    assert.equal(new TextDecoder().decode(out.stdout), "");
    assert.equal(
      new TextDecoder().decode(out.stderr),
      `Cannot connect to "${dir}/none.sock": no such file or directory\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
