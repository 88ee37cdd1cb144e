import { startHarness } from "../tests/control/_helpers.ts";
import { formatAuditLine } from "../lib/control/audit.ts";
import { parseRequest } from "../lib/control/protocol.ts";
import { encodeJsonFrame } from "../lib/control/frame.ts";
const h = await startHarness({ cli_audit_log_path: null });
const N = 50000;
function t(name: string, fn: () => void) {
  for (let i = 0; i < 2000; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn();
  console.log(name, ((performance.now() - t0) * 1000 / N).toFixed(2), "µs");
}
const payload = new TextEncoder().encode(JSON.stringify({ command: "status", args: ["web"] }));
t("parse", () => parseRequest(payload));
t("status", () => h.orchestrator.status("web"));
t(
  "stringify+encode",
  () => encodeJsonFrame(JSON.stringify({ status: "success", data: h.orchestrator.status("web") })),
);
t(
  "audit fmt",
  () =>
    formatAuditLine({
      time: new Date(),
      user: "root",
      reported: true,
      command: "status",
      agent: "web",
      result: "success",
      code: 200,
      durationMs: 0.1,
      uid: 0,
      pid: 1,
    }),
);
t(
  "event append",
  () =>
    h.store.append({
      event_name: "COMMAND_EXECUTED",
      agent_name: "web",
      data: { command: "status", args: ["web"], user: "root", result: "success", code: 200 },
    }),
);
await h.close();
