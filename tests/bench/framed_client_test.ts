import assert from "node:assert/strict";
import {
  closedLoopRate,
  encodeRequestFrame,
  FramedClient,
  frameOf,
  isSuccessAnswer,
  sequentialLatencies,
} from "../../bench/measure/framed_client.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads exactly one request frame's body from `conn`; null on EOF. */
async function readRequest(conn: Deno.Conn): Promise<Uint8Array | null> {
  const need = async (n: number) => {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const r = await conn.read(out.subarray(got));
      if (r === null) return null;
      got += r;
    }
    return out;
  };
  const head = await need(4);
  if (head === null) return null;
  return await need(new DataView(head.buffer).getUint32(0));
}

/**
 * A real UNIX-socket server for one connection: for the i-th request it
 * writes `script[i]`'s chunks, pausing between them so they arrive apart;
 * `"close"` closes the connection instead; after the script it closes the
 * connection. Records the request bodies.
 */
async function tinyServer(script: (Uint8Array[] | "close")[]) {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "fc" });
  const path = `${dir}/s.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const requests: string[] = [];
  const served = (async () => {
    const conn = await listener.accept();
    try {
      for (const step of script) {
        const req = await readRequest(conn);
        if (req === null) return;
        requests.push(dec(req));
        if (step === "close") return;
        for (const [i, chunk] of step.entries()) {
          if (i > 0) await sleep(15);
          let w = 0;
          while (w < chunk.length) w += await conn.write(chunk.subarray(w));
        }
      }
    } finally {
      conn.close();
    }
  })();
  return {
    path,
    requests,
    async close() {
      listener.close();
      await served.catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** `frame` cut at the given byte offsets. */
function split(frame: Uint8Array, ...at: number[]): Uint8Array[] {
  const cuts = [0, ...at, frame.length];
  return cuts.slice(1).map((end, i) => frame.subarray(cuts[i], end));
}

Deno.test("encodeRequestFrame: 4-byte big-endian length, then the UTF-8 JSON", () => {
  const f = encodeRequestFrame({ command: "status", args: ["é"] });
  const json = '{"command":"status","args":["é"]}';
  assert.equal(new DataView(f.buffer).getUint32(0), enc(json).length);
  assert.equal(dec(f.subarray(4)), json);
  assert.throws(() => encodeRequestFrame(undefined), /not JSON-serialisable/);
});

Deno.test("isSuccessAnswer: byte compare of the prefix at an offset", () => {
  const b = enc('xx{"status":"success","data":1}');
  assert.equal(isSuccessAnswer(b, 2, b.length - 2), true);
  assert.equal(isSuccessAnswer(b, 0, b.length), false);
  assert.equal(isSuccessAnswer(enc('{"status":"succ'), 0, 15), false);
  assert.equal(isSuccessAnswer(enc('{"status":"error","code":404}'), 0, 29), false);
});

Deno.test("FramedClient: header and body delivered in pieces; first answer parsed", async () => {
  const answer = frameOf(enc('{"status":"success","data":{"agents":[{"name":"a1"}]}}'));
  const server = await tinyServer([
    split(answer, 1, 3, 6, 20),
    split(answer, 4),
    [answer],
  ]);
  const c = await FramedClient.connect(server.path);
  try {
    const frame = encodeRequestFrame({ command: "status" });
    await c.call(frame);
    assert.deepEqual(c.firstAnswer, { status: "success", data: { agents: [{ name: "a1" }] } });
    assert.equal(c.lastAnswerBytes, answer.length - 4);
    await c.call(frame);
    await c.call(frame);
    assert.deepEqual(server.requests, Array(3).fill('{"command":"status"}'));
  } finally {
    c.close();
    await server.close();
  }
});

Deno.test("FramedClient: a non-success answer throws with its text; the connection stays usable", async () => {
  const ok = frameOf(enc('{"status":"success","data":null}'));
  const err = frameOf(enc('{"status":"error","code":404,"error":"Agent \\"zz\\" not found"}'));
  const server = await tinyServer([[ok], [err], [ok]]);
  const c = await FramedClient.connect(server.path);
  try {
    const frame = encodeRequestFrame({ command: "status", args: ["zz"] });
    await c.call(frame);
    await assert.rejects(
      c.call(frame),
      /Answer is not a success: \{"status":"error","code":404,"error":"Agent \\"zz\\" not found"\}/,
    );
    await c.call(frame);
  } finally {
    c.close();
    await server.close();
  }
});

Deno.test("FramedClient: an answer bigger than its buffer grows it, in two reads", async () => {
  const big = frameOf(enc(`{"status":"success","data":"${"y".repeat(200_000)}"}`));
  const small = frameOf(enc('{"status":"success","data":0}'));
  const server = await tinyServer([split(big, 2, 100_000), [small], [big]]);
  const c = await FramedClient.connect(server.path);
  try {
    const frame = encodeRequestFrame({ command: "ps" });
    await c.call(frame);
    assert.equal((c.firstAnswer as { data: string }).data.length, 200_000);
    await c.call(frame);
    assert.equal(c.lastAnswerBytes, small.length - 4);
    await c.call(frame);
    assert.equal(c.lastAnswerBytes, big.length - 4);
  } finally {
    c.close();
    await server.close();
  }
});

Deno.test("FramedClient: bad first answers, bad headers and a close mid-answer throw", async () => {
  const answer = frameOf(enc('{"status":"success","data":[1,2,3]}'));
  const cases: [Uint8Array[] | "close", RegExp][] = [
    [[frameOf(enc('{"status":"success"'))], /not JSON/],
    [[frameOf(enc('{"status":"success","x":1}'))], /not a success response with data/],
    [[new Uint8Array(4)], /answer of 0 bytes/],
    [[answer.subarray(0, 10)], /Connection closed after 10 of 39 bytes/],
    ["close", /Connection closed after 0 of 4 bytes/],
  ];
  for (const [step, error] of cases) {
    const server = await tinyServer([step]);
    const c = await FramedClient.connect(server.path, { maxAnswerBytes: 1000 });
    try {
      await assert.rejects(c.call(encodeRequestFrame({ command: "status" })), error);
    } finally {
      c.close();
      await server.close();
    }
  }
});

Deno.test("FramedClient: an answer over maxAnswerBytes throws; closed client refuses", async () => {
  const big = frameOf(enc(`{"status":"success","data":"${"z".repeat(2000)}"}`));
  const server = await tinyServer([[big]]);
  const c = await FramedClient.connect(server.path, { maxAnswerBytes: 1000 });
  try {
    await assert.rejects(c.call(encodeRequestFrame({ command: "ps" })), /expected 1 to 1000/);
  } finally {
    c.close();
    await server.close();
  }
  await assert.rejects(c.call(new Uint8Array(4)), /client is closed/);
});

Deno.test("sequentialLatencies and closedLoopRate against a real echoing server", async () => {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "fc" });
  const path = `${dir}/s.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const answer = frameOf(enc('{"status":"success","data":{}}'));
  let served = 0;
  const conns: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push((async () => {
        try {
          while ((await readRequest(conn)) !== null) {
            served++;
            await conn.write(answer);
          }
        } catch {
          // client gone
        } finally {
          conn.close();
        }
      })());
    }
  })();
  try {
    const frame = encodeRequestFrame({ command: "status" });
    const ns = await sequentialLatencies(path, frame, 20, 5);
    assert.equal(ns.length, 20);
    assert.ok(ns.every((v) => v > 0));
    assert.equal(served, 26);
    const rps = await closedLoopRate(path, frame, 4, 100);
    assert.ok(rps > 0);
    assert.ok(served > 26 + 4);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    await Promise.all(conns);
    await Deno.remove(dir, { recursive: true });
  }
});
