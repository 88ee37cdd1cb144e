/** The orchestrator's version, printed by `--version` and sent in `stats`. */
export const VERSION = "0.1.0";
