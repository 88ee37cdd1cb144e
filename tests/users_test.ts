import assert from "node:assert/strict";
import {
  groupId,
  groupsOfUser,
  parseGroups,
  parsePasswd,
  parsePasswdEntries,
  userEntry,
  userName,
} from "../lib/users.ts";

Deno.test("users: /etc/passwd entries; malformed lines and comments skipped", () => {
  const text = "root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\n:x:5:5::/:/bin/sh\n" +
    "alice:x:1000:1000::/home/alice:/bin/sh\nbad:x:-1:0::/:/bin/sh\nalias:x:1000:7::/:/bin/sh\n";
  assert.deepEqual(parsePasswdEntries(text), [
    { name: "root", uid: 0, gid: 0 },
    { name: "alice", uid: 1000, gid: 1000 },
    { name: "alias", uid: 1000, gid: 7 },
  ]);
  assert.deepEqual([...parsePasswd(text)], [[0, "root"], [1000, "alice"]], "the first name wins");
});

Deno.test("users: /etc/group entries with their members", () => {
  const text = "root:x:0:\nops:x:1500:alice, bob\nnogroup:x:65534:\nbroken:x:z:alice\n";
  assert.deepEqual(parseGroups(text), [
    { name: "root", gid: 0, members: [] },
    { name: "ops", gid: 1500, members: ["alice", "bob"] },
    { name: "nogroup", gid: 65534, members: [] },
  ]);
});

Deno.test("users: this machine's accounts by name and id", () => {
  assert.equal(userName(0), "root");
  assert.equal(userEntry("root")?.uid, 0);
  assert.equal(userEntry("no-such-user-xq"), undefined);
  assert.equal(groupId("root"), 0);
  assert.equal(groupId("no-such-group-xq"), undefined);
  assert.ok(groupsOfUser("root").includes(0));
  assert.deepEqual(groupsOfUser("no-such-user-xq"), []);
});
