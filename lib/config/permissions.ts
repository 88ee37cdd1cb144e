/**
 * `command_socket_permissions`: octal strings and integer modes. JSON has no
 * octal literals, so `660` in a config is the decimal 660, almost certainly
 * a typo for `"0660"`.
 *
 * Decision (docs/config.md): strings are octal (`"600"`, `"0600"`, `"0o600"`);
 * integers are accepted as modes when they are 0..511 (0o777) **and** do not
 * look like an octal typo — an integer of three or more digits that are all
 * 0-7 (600, 644, 660, 400 …) is an error with a hint, because no one writes
 * 0o620 as 400. So 384 (= 0o600) and 432 (= 0o660) are accepted.
 *
 * @module
 */

/** A parsed mode, or why it was refused (with an optional `"0660"` hint). */
export type PermissionsParse =
  | { ok: true; mode: number }
  | { ok: false; message: string; hint?: string };

const OCTAL_STRING = /^(?:0[oO]?)?([0-7]{3})$/;

/**
 * Parses a permissions value as written in the config.
 *
 * @example
 * ```ts
 * parsePermissions("0o660"); // { ok: true, mode: 0o660 }
 * parsePermissions(660);     // { ok: false, message: …, hint: "0660" }
 * parsePermissions(384);     // { ok: true, mode: 0o600 }
 * ```
 */
export function parsePermissions(value: unknown): PermissionsParse {
  if (typeof value === "string") {
    const m = OCTAL_STRING.exec(value);
    if (m === null) {
      return {
        ok: false,
        message: `Invalid permissions ${
          JSON.stringify(value.slice(0, 40))
        }: expected three octal digits such as "0600" or "0o660"`,
      };
    }
    return { ok: true, mode: parseInt(m[1], 8) };
  }
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) {
      return { ok: false, message: `Invalid permissions ${value}: expected a file mode` };
    }
    const digits = String(value);
    if (/^[0-7]{3,4}$/.test(digits)) {
      const octal = digits.padStart(4, "0");
      return {
        ok: false,
        message:
          `Permissions ${value} is a decimal number (JSON has no octal): did you mean "${octal}"?`,
        hint: octal,
      };
    }
    if (value > 0o777) {
      return {
        ok: false,
        message: `Invalid permissions ${value}: larger than 511 (0o777); write modes as "0660"`,
      };
    }
    return { ok: true, mode: value };
  }
  return { ok: false, message: 'Invalid permissions: expected a string such as "0600"' };
}

/** `0o660` → `"0660"`. */
export function formatMode(mode: number): string {
  return "0" + mode.toString(8).padStart(3, "0");
}
