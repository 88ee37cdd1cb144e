import assert from "node:assert/strict";
import { HookList } from "../../lib/control/hook_list.ts";

Deno.test("hook list: runs in order once, survives a throwing hook, and is reused in place", () => {
  const list = new HookList();
  const seen: number[] = [];
  list.add(() => seen.push(1));
  list.add(() => {
    throw new Error("a hook failing");
  });
  list.add(() => seen.push(3));
  assert.equal(list.size, 3);
  list.run();
  assert.deepEqual(seen, [1, 3]);
  assert.equal(list.size, 0);
  list.run();
  assert.deepEqual(seen, [1, 3], "run hooks do not run again");
  list.add(() => seen.push(4));
  list.clear();
  list.run();
  assert.deepEqual(seen, [1, 3], "cleared hooks never run");
  list.add(() => seen.push(5));
  list.run();
  assert.deepEqual(seen, [1, 3, 5]);
});
