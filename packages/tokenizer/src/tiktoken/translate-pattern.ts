/**
 * Translates a tiktoken pre-tokenizer pattern (Rust `fancy-regex` syntax, Unicode mode) into the
 * source of an equivalent JavaScript RegExp for the `u` flag.
 *
 * The differences handled are the ones tiktoken patterns use:
 * - class intersection `[A&&[^B]]` (no `u`-mode equivalent) becomes a lookahead, `(?:(?![B])[A])`;
 * - a bare script name such as `\p{Han}` becomes `\p{Script=Han}`;
 * - `\s`, `\d`, `\w` are Unicode-aware in Rust and become `\p{White_Space}`, `\p{Nd}` and the
 *   Unicode word class (JavaScript's are ASCII-only or, for `\s`, a different set);
 * - inline case-insensitive groups `(?i:…)` (not in Node 20) expand each letter into a class of its
 *   simple case folds, for example `s` into `[sSſ]` (complete for ASCII letters, which is what
 *   tokenizer patterns use; other letters get their upper and lower case only);
 * - `.` excludes only `\n`, as in Rust.
 *
 * @throws SyntaxError for constructs outside this subset (the caller reports the file).
 */
export function translateTiktokenPattern(pattern: string): string {
  const out = new Translator(pattern).run();
  new RegExp(out, "u"); // Fails here, with the translated source in the message, rather than at encode.
  return out;
}

const WORD_CLASS = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}";

/** Code points outside ASCII whose simple case fold is an ASCII letter (Unicode CaseFolding.txt, C/S). */
const EXTRA_FOLDS: Readonly<Record<string, string>> = { k: "\u212A", s: "\u017F" };

class Translator {
  readonly #src: string;
  #pos = 0;

  constructor(src: string) {
    this.#src = src;
  }

  run(): string {
    const out = this.#sequence(false);
    if (this.#pos < this.#src.length) throw new SyntaxError(`unbalanced ')' at ${this.#pos} in ${this.#src}`);
    return out;
  }

  /** Alternatives and atoms up to an unmatched `)` or the end. */
  #sequence(caseInsensitive: boolean): string {
    let out = "";
    while (this.#pos < this.#src.length) {
      const ch = this.#src[this.#pos]!;
      if (ch === ")") return out;
      if (ch === "(") {
        out += this.#group(caseInsensitive);
      } else if (ch === "[") {
        out += this.#class();
      } else if (ch === "\\") {
        out += this.#escape(false, caseInsensitive);
      } else if (ch === ".") {
        this.#pos++;
        out += "[^\\n]";
      } else {
        const char = String.fromCodePoint(this.#src.codePointAt(this.#pos)!);
        this.#pos += char.length;
        out += caseInsensitive && /\p{L}/u.test(char) ? foldClass(char) : char;
      }
    }
    return out;
  }

  #group(caseInsensitive: boolean): string {
    const rest = this.#src.slice(this.#pos);
    const head = /^\((\?i:|\?[:=!]|\?<[=!]|\?)?/.exec(rest)![0];
    if (head === "(?") throw new SyntaxError(`unsupported group ${rest.slice(0, 6)} in ${this.#src}`);
    this.#pos += head.length;
    const inner = this.#sequence(caseInsensitive || head === "(?i:");
    if (this.#src[this.#pos] !== ")") throw new SyntaxError(`unclosed group in ${this.#src}`);
    this.#pos++;
    return `${head === "(?i:" ? "(?:" : head}${inner})`;
  }

  /** A bracket class, possibly with nested classes and `&&` intersections. */
  #class(): string {
    this.#pos++; // [
    const negated = this.#src[this.#pos] === "^";
    if (negated) this.#pos++;
    const operands: string[] = [];
    let atoms = "";
    let nested: string[] = [];
    const flush = () => {
      operands.push(unionOf(atoms, nested));
      atoms = "";
      nested = [];
    };
    let first = true;
    while (this.#pos < this.#src.length) {
      const ch = this.#src[this.#pos]!;
      if (ch === "]" && !first) {
        this.#pos++;
        flush();
        const positive =
          operands.length === 1
            ? operands[0]!
            : `(?:${operands
                .slice(1)
                .map((o) => `(?=${o})`)
                .join("")}${operands[0]})`;
        if (!negated) return positive;
        if (positive.startsWith("[") && !positive.startsWith("[^")) return `[^${positive.slice(1)}`;
        return `(?:(?!${positive})[\\s\\S])`;
      }
      first = false;
      if (this.#src.startsWith("&&", this.#pos)) {
        this.#pos += 2;
        flush();
      } else if (ch === "[") {
        nested.push(this.#class());
      } else if (ch === "\\") {
        atoms += this.#escape(true, false);
      } else {
        const char = String.fromCodePoint(this.#src.codePointAt(this.#pos)!);
        this.#pos += char.length;
        // Characters special inside a JavaScript `u`-mode class are escaped; ranges keep their `-`.
        atoms += /[\]\\/^]/.test(char) ? `\\${char}` : char;
      }
    }
    throw new SyntaxError(`unclosed '[' in ${this.#src}`);
  }

  #escape(inClass: boolean, caseInsensitive: boolean): string {
    const ch = this.#src[this.#pos + 1];
    if (ch === undefined) throw new SyntaxError(`trailing backslash in ${this.#src}`);
    this.#pos += 2;
    switch (ch) {
      case "p":
      case "P":
        return this.#property(ch === "P");
      case "s":
        return "\\p{White_Space}";
      case "S":
        return "\\P{White_Space}";
      case "d":
        return "\\p{Nd}";
      case "D":
        return "\\P{Nd}";
      case "w":
        return inClass ? WORD_CLASS : `[${WORD_CLASS}]`;
      case "W":
        if (inClass) throw new SyntaxError(`\\W inside a class is not supported in ${this.#src}`);
        return `[^${WORD_CLASS}]`;
      default:
        // Letters are escapes (\n, \t, \x41…) in both syntaxes; syntax characters stay escaped; any
        // other escaped character is a literal, which `u` mode rejects in escaped form (`\'`).
        if (ch === "-" && !inClass) return "-";
        if (/[a-zA-Z0-9^$\\.*+?()[\]{}|/-]/.test(ch)) return `\\${ch}`;
        return caseInsensitive && /\p{L}/u.test(ch) ? foldClass(ch) : ch;
    }
  }

  /** `\p{Name}` / `\pL`: general categories and binary properties as they are, scripts as `Script=`. */
  #property(negated: boolean): string {
    let name: string;
    if (this.#src[this.#pos] === "{") {
      const close = this.#src.indexOf("}", this.#pos);
      if (close < 0) throw new SyntaxError(`unclosed \\p{ in ${this.#src}`);
      name = this.#src.slice(this.#pos + 1, close);
      this.#pos = close + 1;
    } else {
      name = this.#src[this.#pos] ?? "";
      this.#pos++;
    }
    const p = negated ? "P" : "p";
    for (const candidate of [name, `Script=${name}`]) {
      try {
        new RegExp(`\\p{${candidate}}`, "u");
        return `\\${p}{${candidate}}`;
      } catch {
        // Not a general category or binary property: try it as a script.
      }
    }
    throw new SyntaxError(`unknown Unicode property \\p{${name}} in ${this.#src}`);
  }
}

/** A class holding `atoms` (JavaScript class contents) or any of the `nested` class expressions. */
function unionOf(atoms: string, nested: string[]): string {
  if (nested.length === 0) return `[${atoms}]`;
  const parts = atoms ? [`[${atoms}]`, ...nested] : nested;
  return parts.length === 1 ? parts[0]! : `(?:${parts.join("|")})`;
}

/** A letter and its simple case folds as a class (`s` → `[sSſ]`), or the letter if it has none. */
function foldClass(letter: string): string {
  const variants = new Set([letter, letter.toLowerCase(), letter.toUpperCase()]);
  for (const v of [...variants]) if (EXTRA_FOLDS[v]) variants.add(EXTRA_FOLDS[v]);
  // Full case mappings such as ß → SS are not simple folds.
  for (const v of [...variants]) if ([...v].length !== 1) variants.delete(v);
  return variants.size === 1 ? letter : `[${[...variants].join("")}]`;
}
