import assert from "node:assert/strict";
import {
  procStatusIds,
  sameClient,
  verifiedCaller,
  whoFor,
  whoOf,
} from "../../lib/control/identity.ts";

Deno.test("identity: the reported user wins, else the uid's name, else unknown", () => {
  assert.deepEqual(whoOf({ user: "ann", uid: 0, pid: 7 }), {
    user: "ann",
    uid: 0,
    pid: 7,
    verified: false,
  });
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

Deno.test("identity: a verified caller wins over its report; a report naming another user is kept", () => {
  const root = { uid: 0, gid: 0, pid: 42, user: "root", groups: [0] };
  assert.deepEqual(whoFor(root, undefined), { user: "root", uid: 0, pid: 42, verified: true });
  assert.deepEqual(whoFor(root, { user: "root", uid: 0, pid: 1 }), {
    user: "root",
    uid: 0,
    pid: 42,
    verified: true,
  });
  assert.deepEqual(whoFor(root, { uid: 0 }).reportedUser, undefined, "the uid's name is the same");
  assert.equal(whoFor(root, { user: "mallory", uid: 0 }).reportedUser, "mallory");
  assert.equal(whoFor(root, { uid: 65534 }).reportedUser, "nobody");
  assert.equal(whoFor(root, { uid: 2 ** 31 - 7 }).reportedUser, String(2 ** 31 - 7));
  assert.equal(whoFor(root, { pid: 9 }).reportedUser, undefined, "no user claimed");
  assert.deepEqual(whoFor(undefined, undefined), { user: "unknown", verified: false });
  assert.deepEqual(whoFor(undefined, { user: "ann" }).verified, false);
});

const STATUS = "Name:\tpython3\nUmask:\t0022\nUid:\t4242\t4242\t4242\t4242\n" +
  "Gid:\t4242\t4242\t4242\t4242\nFDSize:\t64\nGroups:\t65534 100 \nNStgid:\t7\n";

Deno.test("identity: procStatusIds reads the effective uid and the supplementary groups", () => {
  assert.deepEqual(procStatusIds(STATUS), { uid: 4242, groups: [65534, 100] });
  assert.deepEqual(procStatusIds("Uid:\t0\t1000\t0\t0\nGroups:\t\n"), { uid: 1000, groups: [] });
  assert.deepEqual(procStatusIds("garbage"), { uid: null, groups: null });
});

Deno.test("identity: verifiedCaller takes the process's groups while it has the peer's uid, else /etc/group", () => {
  const caller = verifiedCaller({ uid: 4242, gid: 4242, pid: 7 }, () => STATUS);
  assert.deepEqual(caller, {
    uid: 4242,
    gid: 4242,
    pid: 7,
    user: "4242",
    groups: [4242, 65534, 100],
  });
  // The pid now belongs to another user (exited and reused): not its groups.
  const reused = verifiedCaller({ uid: 65534, gid: 65534, pid: 7 }, () => STATUS);
  assert.equal(reused.user, "nobody");
  assert.ok(!reused.groups.includes(100), String(reused.groups));
  assert.ok(reused.groups.includes(65534));
  // Gone: the account databases (root's primary group is 0).
  const gone = verifiedCaller({ uid: 0, gid: 0, pid: 7 }, () => null);
  assert.equal(gone.user, "root");
  assert.ok(gone.groups.includes(0));
  // The real /proc of this process.
  const self = verifiedCaller({ uid: Deno.uid()!, gid: Deno.gid()!, pid: Deno.pid });
  assert.equal(self.pid, Deno.pid);
  assert.ok(self.groups.includes(Deno.gid()!));
});
