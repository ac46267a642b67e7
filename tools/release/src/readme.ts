/**
 * Reading the root README the way a newcomer does: the Quickstart program, and the command that
 * starts the emulator for it. The release rehearsal runs both exactly as written.
 */

/**
 * The first ```ts block after the heading `heading` (a `## ` line starting with that text).
 * @throws Error when the heading or its block is missing, naming which.
 */
export function codeBlockAfter(markdown: string, heading: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`## ${heading}`));
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const open = lines.findIndex((line, i) => i > start && line.trim() === "```ts");
  const nextHeading = lines.findIndex((line, i) => i > start && line.startsWith("## "));
  if (open < 0 || (nextHeading >= 0 && open > nextHeading)) {
    throw new Error(`README's "## ${heading}" section has no \`\`\`ts block`);
  }
  const close = lines.findIndex((line, i) => i > open && line.trim() === "```");
  if (close < 0) throw new Error(`README's "## ${heading}" code block is not closed`);
  return lines.slice(open + 1, close).join("\n");
}

/** The environment variable assignments in a text, such as `TINKER_BASE_URL=http://…` (`NAME=value`). */
export function envAssignments(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of text.matchAll(/\b([A-Z][A-Z0-9_]*)=([^\s`]+)/g)) env[match[1]!] = match[2]!;
  return env;
}
