/**
 * Shared helpers of the config tests.
 *
 * @module
 */

/** A fixed environment: the real PATH, a HOME, nothing else. */
export function testEnv(
  extra: Record<string, string> = {},
): { get(name: string): string | undefined } {
  const vars = new Map<string, string>([
    ["PATH", Deno.env.get("PATH") ?? "/usr/bin:/bin"],
    ["HOME", "/root"],
    ...Object.entries(extra),
  ]);
  return { get: (name) => vars.get(name) };
}

/** Directory of the table-driven test configs. */
export const TESTDATA = new URL("../testdata/configs/", import.meta.url);

/** Repository root. */
export const ROOT = new URL("../../", import.meta.url);
