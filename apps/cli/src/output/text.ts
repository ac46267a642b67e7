/**
 * Making server-provided text safe for a terminal: ids, names and metadata come from the server
 * (or from other users, for public checkpoints), and an escape sequence in them must not be able
 * to rewrite the user's screen. Every table cell and title goes through {@link printable}.
 */

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Replaces control characters by visible escapes (`\n`, `\t`, `\x1b`, `\u2028`). */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return code > 0xff
      ? `\\u${code.toString(16).padStart(4, "0")}`
      : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}
