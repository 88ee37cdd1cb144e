/**
 * The protocol's sizes (docs/protocol.md, "Framing" and "Commands"): the
 * frame header, the default largest request frame, and the longest list one
 * answer carries.
 *
 * @module
 */

/** Length of the frame header in bytes (a 4-byte big-endian payload length). */
export const HEADER_BYTES = 4;

/** Default largest frame payload: 1 MiB (`command_max_frame_bytes`). */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Longest list one answer carries: the largest `limit` of `history` and
 * `lines` of `logs`, and the most events one event-store query returns.
 */
export const MAX_LIST = 10_000;
