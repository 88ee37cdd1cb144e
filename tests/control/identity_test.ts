import assert from "node:assert/strict";
import { sameClient, whoOf } from "../../lib/control/identity.ts";

Deno.test("identity: the reported user wins, else the uid's name, else unknown", () => {
  assert.deepEqual(whoOf({ user: "ann", uid: 0, pid: 7 }), { user: "ann", uid: 0, pid: 7 });
  assert.equal(whoOf({ uid: 0 }).user, "root");
  assert.equal(whoOf({ user: "" }).user, "unknown");
  assert.equal(whoOf({ uid: 2 ** 31 - 7 }).user, "unknown");
});

Deno.test("identity: sameClient compares every field a request can report", () => {
  const ann = { user: "ann", uid: 1, pid: 5 };
  assert.equal(sameClient(ann, undefined), false);
  assert.equal(sameClient(ann, { ...ann }), true);
  assert.equal(sameClient(ann, { ...ann, pid: 6 }), false);
  assert.equal(sameClient(ann, { ...ann, uid: 2 }), false);
  assert.equal(sameClient(ann, { ...ann, user: "bob" }), false);
  assert.equal(sameClient({ uid: 1 }, { uid: 1, user: "ann" }), false);
});
