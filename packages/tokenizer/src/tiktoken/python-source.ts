/**
 * Reads the two class attributes a Kimi tokenizer is defined by from its repository's
 * `tokenization_kimi.py`, without running Python: `pat_str` (the pre-tokenizer pattern, written as
 * `"|".join([r"""…""", …])` or as one string literal) and `num_reserved_special_tokens`.
 */
export interface KimiTokenizerSource {
  /** The pattern in the syntax of Rust's `regex` / `fancy-regex` (what tiktoken compiles). */
  patStr: string;
  /** Number of special-token ids after the base vocabulary. */
  numReservedSpecialTokens: number | undefined;
}

/**
 * @returns the attributes, or undefined when the file has no `pat_str` in a form read here.
 */
export function readKimiTokenizerSource(source: string): KimiTokenizerSource | undefined {
  const reserved = /^\s*num_reserved_special_tokens\s*=\s*(\d+)\s*$/m.exec(source);
  const numReservedSpecialTokens = reserved ? Number(reserved[1]) : undefined;
  const assignment = /^\s*pat_str\s*=\s*/m.exec(source);
  if (!assignment) return undefined;
  const rest = source.slice(assignment.index + assignment[0].length);
  const joined = /^"\|"\s*\.\s*join\s*\(\s*\[/.exec(rest);
  let patStr: string | undefined;
  if (joined) {
    const items = readLiteralList(rest.slice(joined[0].length));
    patStr = items?.join("|");
  } else {
    patStr = readLiteralList(rest, true)?.[0];
  }
  return patStr === undefined ? undefined : { patStr, numReservedSpecialTokens };
}

/**
 * Reads comma-separated Python string literals (adjacent literals concatenate, parentheses and
 * comments are skipped) up to the closing `]`, or only the first expression when `single`.
 */
function readLiteralList(text: string, single = false): string[] | undefined {
  const items: string[] = [];
  let current: string | undefined;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s|\(|\)|\\/.test(ch)) {
      i++;
    } else if (ch === "#") {
      i = text.indexOf("\n", i);
      if (i < 0) break;
    } else if (ch === "," || ch === "]") {
      if (current !== undefined) items.push(current);
      current = undefined;
      if (ch === "]" || single) return items;
      i++;
    } else {
      const literal = readStringLiteral(text, i);
      if (!literal) {
        // Anything but a literal ends a single-expression assignment; in a list it is unreadable.
        if (single && current !== undefined) return [current];
        return undefined;
      }
      current = (current ?? "") + literal.value;
      i = literal.end;
    }
  }
  return single && current !== undefined ? [current] : undefined;
}

function readStringLiteral(text: string, start: number): { value: string; end: number } | undefined {
  const prefix = /^([rRuUbB]{0,2})("""|'''|"|')/.exec(text.slice(start, start + 5));
  if (!prefix) return undefined;
  const raw = /r/i.test(prefix[1]!);
  const quote = prefix[2]!;
  const bodyStart = start + prefix[0].length;
  let i = bodyStart;
  while (i < text.length) {
    if (text[i] === "\\") {
      i += 2;
    } else if (text.startsWith(quote, i)) {
      const body = text.slice(bodyStart, i);
      return { value: raw ? body : unescapePython(body), end: i + quote.length };
    } else {
      i++;
    }
  }
  return undefined;
}

/** The escapes of a non-raw Python string that a regex pattern can contain. */
function unescapePython(body: string): string {
  const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", "'": "'", '"': '"' };
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/gs, (match, esc: string) => {
    if (esc.length > 1) return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
    // Python keeps unknown escapes such as `\p` or `\s` as they are.
    return simple[esc] ?? match;
  });
}
