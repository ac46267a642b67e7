/** The lines of `text` that are warnings (pnpm WARN, npm warn, WARNING, ignored build scripts, deprecated), trimmed. */
export function warningLines(text: string): string[];
