// What counts as a warning in the output of an install or a build: pnpm's `WARN` lines (a bin it
// could not link, a deprecated package), npm's `npm warn`, esbuild/tsup/turbo `WARNING`s and pnpm's
// "Ignored build scripts" box. A fresh install and build must print none (docs/packaging.md#clean-output).
const WARNING = /\bwarn(ing)?s?\b|ignored build scripts|\bdeprecated\b/i;

/** The lines of `text` that are warnings, trimmed. */
export function warningLines(text) {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => WARNING.test(line));
}
