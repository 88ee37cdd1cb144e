import assert from "node:assert/strict";
import { escapeControls } from "../../lib/cli/escape.ts";
import { formatLogs } from "../../lib/cli/views.ts";

Deno.test("escapeControls: C0 except tab, DEL and C1 become visible escapes; the rest is unchanged", () => {
  assert.equal(
    escapeControls("plain text, tabs\tand \\backslashes"),
    "plain text, tabs\tand \\backslashes",
  );
  assert.equal(escapeControls("\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
  assert.equal(escapeControls("a\rb\x00c\x7fd"), "a\\x0db\\x00c\\x7fd");
  assert.equal(escapeControls("\u009b31m\u0085"), "\\u009b31m\\u0085");
  assert.equal(escapeControls("héllo ✓ \u00a0"), "héllo ✓ \u00a0");
  assert.equal(escapeControls(""), "");
});

Deno.test("formatLogs: lines are escaped unless raw; headers and colour untouched", () => {
  const logs = {
    agent_name: "web",
    stdout: ["\x1b[2J\x1b]0;pwned\x07hello"],
    stderr: ["\u009b2Jerr"],
    truncated: false,
    counters: {
      stdout: { bytes: 20, dropped_bytes: 0, cut_lines: 0 },
      stderr: { bytes: 5, dropped_bytes: 0, cut_lines: 0 },
    },
    lost_bytes: { stdout: 0, stderr: 0 },
  };
  assert.equal(
    formatLogs(logs, { color: false }),
    "==> web stdout <==\n\\x1b[2J\\x1b]0;pwned\\x07hello\n==> web stderr <==\n\\u009b2Jerr",
  );
  assert.equal(
    formatLogs(logs, { color: false, raw: true }),
    "==> web stdout <==\n\x1b[2J\x1b]0;pwned\x07hello\n==> web stderr <==\n\u009b2Jerr",
  );
  assert.ok(
    formatLogs(logs, { color: true }).startsWith(
      "\x1b[1m==> web stdout <==\x1b[22m\n\\x1b[2J",
    ),
  );
});
