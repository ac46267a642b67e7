/**
 * What {@link createBpeCore} builds a byte-level BPE encoder from. Plain data: it is sent to worker
 * threads.
 */
export type BpeCoreSpec = {
  /** Tokens recognised verbatim anywhere in the text (special and added tokens) → id. */
  addedTokens: Readonly<Record<string, number>>;
  /** Pre-tokenizer pattern as JavaScript RegExp source for the `u` flag. */
  pattern: string;
} & (
  | {
      /**
       * tiktoken: `tokens` are base64 byte strings, index = rank; a pair merges if the
       * concatenation has a rank; a piece that is a token is never split; text the pattern does
       * not match is dropped (as tiktoken's `find_iter` drops it).
       */
      kind: "tiktoken";
      tokens: readonly string[];
    }
  | {
      /**
       * tokenizers' BPE model over GPT-2 byte-level symbols: pairs merge in `merges` order; a word
       * in the vocabulary is taken whole only with `ignoreMerges`; text between pattern matches is
       * kept as its own piece (the Split pre-tokenizer's `Isolated` behaviour).
       */
      kind: "merges";
      vocab: Readonly<Record<string, number>>;
      merges: readonly (readonly [string, string])[];
      ignoreMerges: boolean;
      /** NFC-normalize the text between added tokens first (a `NFC` normalizer). */
      nfc: boolean;
      /** Ids the post-processor puts around a single text when special tokens are added. */
      prefix: readonly number[];
      suffix: readonly number[];
    }
);

/** A byte-level BPE encoder. */
export interface BpeCore {
  /** Token ids of `text`; added tokens written in the text are always recognised. */
  encode(text: string, addSpecialTokens: boolean): number[];
  /** tiktoken only: the UTF-8 bytes of `ids` joined; unknown ids are skipped. */
  decodeBytes(ids: readonly number[]): Uint8Array;
}

/**
 * Byte-level BPE as tiktoken and the Rust `tokenizers` run it: the text is cut at added tokens,
 * the rest split with the pre-tokenizer pattern, and each piece merged pair by pair, always the
 * adjacent pair of lowest rank first (the leftmost on ties), until no pair can merge.
 *
 * The merge loop uses a heap, so long pieces cost O(n log n) (js-tiktoken's quadratic loop took
 * over a minute for the 25 000-character runs the Kimi tokenizer allows), and pieces are cached,
 * as the Rust implementations do. For tokenizer.json files this is the fast path of HfBackend:
 * @huggingface/tokenizers gives the same ids but spends most of its time in per-call allocation.
 *
 * This function must stay self-contained (no imports or module-level references): EncodePool runs
 * its source text in worker threads for `encodeBatch`.
 */
export function createBpeCore(spec: BpeCoreSpec): BpeCore {
  /** Pieces at most this long are cached; the cache is emptied when it reaches its capacity. */
  const MAX_CACHED_LENGTH = 256;
  const CACHE_CAPACITY = 100_000;

  // Symbols are strings in which one char is one initial symbol: latin1 bytes for tiktoken, GPT-2's
  // byte-to-unicode characters for tokenizers. Both are cheap Map keys and slices.
  const byteChars: string[] = [];
  let next256 = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
    byteChars.push(String.fromCharCode(printable ? byte : next256++));
  }

  let pairRank: (s: string, i: number, j: number, k: number) => number | undefined;
  let idOf: (symbol: string) => number | undefined;
  let wholeId: (symbols: string) => number | undefined;
  let toSymbols: (piece: string) => string;
  const tokenBytes: string[] = [];
  if (spec.kind === "tiktoken") {
    const ranks = new Map<string, number>();
    spec.tokens.forEach((b64, rank) => {
      const bytes = Buffer.from(b64, "base64").toString("latin1");
      tokenBytes[rank] = bytes;
      ranks.set(bytes, rank);
    });
    pairRank = (s, i, _j, k) => ranks.get(s.slice(i, k));
    idOf = (symbol) => ranks.get(symbol);
    wholeId = idOf;
    toSymbols = (piece) => Buffer.from(piece, "utf8").toString("latin1");
  } else {
    const vocab = new Map(Object.entries(spec.vocab));
    const mergeRanks = new Map<string, Map<string, number>>();
    spec.merges.forEach(([left, right], rank) => {
      let inner = mergeRanks.get(left);
      if (!inner) {
        inner = new Map();
        mergeRanks.set(left, inner);
      }
      if (!inner.has(right)) inner.set(right, rank);
    });
    pairRank = (s, i, j, k) => mergeRanks.get(s.slice(i, j))?.get(s.slice(j, k));
    idOf = (symbol) => vocab.get(symbol);
    wholeId = spec.ignoreMerges ? idOf : () => undefined;
    toSymbols = (piece) => {
      let symbols = "";
      for (const byte of Buffer.from(piece, "utf8")) symbols += byteChars[byte];
      return symbols;
    };
  }

  const mergePiece = (s: string, out: number[]): void => {
    const whole = wholeId(s);
    if (whole !== undefined) {
      out.push(whole);
      return;
    }
    const n = s.length;
    // Parts form a linked list over their start offsets; pairRank of part i joined with the next
    // is kept in `ranks` (-1 when none). Heap keys pack (rank, start) so ties go to the leftmost.
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const ranks = new Float64Array(n).fill(-1);
    const alive = new Uint8Array(n).fill(1);
    const heap: number[] = [];
    const scale = 2 ** Math.max(22, Math.ceil(Math.log2(n + 1)));
    const push = (key: number) => {
      let i = heap.length;
      heap.push(key);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (heap[parent]! <= key) break;
        heap[i] = heap[parent]!;
        i = parent;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        let i = 0;
        for (;;) {
          const left = 2 * i + 1;
          if (left >= heap.length) break;
          const child = left + 1 < heap.length && heap[left + 1]! < heap[left]! ? left + 1 : left;
          if (heap[child]! >= last) break;
          heap[i] = heap[child]!;
          i = child;
        }
        heap[i] = last;
      }
      return top;
    };
    const setPair = (i: number) => {
      const j = next[i]!;
      const rank = j < n ? pairRank(s, i, j, next[j]!) : undefined;
      ranks[i] = rank ?? -1;
      if (rank !== undefined) push(rank * scale + i);
    };
    for (let i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
    for (let i = 0; i < n - 1; i++) setPair(i);
    while (heap.length > 0) {
      const key = pop();
      const rank = Math.floor(key / scale);
      const i = key - rank * scale;
      if (!alive[i] || ranks[i] !== rank) continue; // A stale entry: the pair has changed since.
      const j = next[i]!;
      alive[j] = 0;
      next[i] = next[j]!;
      if (next[j]! < n) prev[next[j]!] = i;
      setPair(i);
      if (prev[i]! >= 0) setPair(prev[i]!);
    }
    for (let i = 0; i < n; i = next[i]!) {
      const id = idOf(s.slice(i, next[i]!));
      if (id === undefined)
        throw new Error(`the symbol ${JSON.stringify(s.slice(i, next[i]!))} is not in the vocabulary`);
      out.push(id);
    }
  };

  const cache = new Map<string, number[]>();
  const encodePiece = (piece: string, out: number[]): void => {
    const cached = cache.get(piece);
    if (cached) {
      for (const id of cached) out.push(id);
      return;
    }
    const ids: number[] = [];
    mergePiece(toSymbols(piece), ids);
    if (piece.length <= MAX_CACHED_LENGTH) {
      if (cache.size >= CACHE_CAPACITY) cache.clear();
      cache.set(piece, ids);
    }
    for (const id of ids) out.push(id);
  };

  const pieceRegex = new RegExp(spec.pattern, "gu");
  const keepGaps = spec.kind === "merges";
  const encodeOrdinary = (text: string, out: number[]): void => {
    pieceRegex.lastIndex = 0;
    let end = 0;
    for (let match = pieceRegex.exec(text); match !== null; match = pieceRegex.exec(text)) {
      if (match[0] === "") {
        pieceRegex.lastIndex++;
        continue;
      }
      if (keepGaps && match.index > end) encodePiece(text.slice(end, match.index), out);
      encodePiece(match[0], out);
      end = match.index + match[0].length;
    }
    if (keepGaps && end < text.length) encodePiece(text.slice(end), out);
  };

  // Longest first, so that an added token that extends another one wins at the same position.
  const addedNames = Object.keys(spec.addedTokens).sort((a, b) => b.length - a.length);
  const addedRegex =
    addedNames.length > 0
      ? new RegExp(addedNames.map((s) => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")).join("|"), "gu")
      : undefined;
  const addedBytes = new Map(
    Object.entries(spec.addedTokens).map(([text, id]) => [id, Buffer.from(text, "utf8").toString("latin1")]),
  );
  const nfc = spec.kind === "merges" && spec.nfc;
  const encodeSection = (text: string, out: number[]) =>
    encodeOrdinary(nfc ? text.normalize("NFC") : text, out);

  return {
    encode(text, addSpecialTokens) {
      const out: number[] = [];
      const wrap = addSpecialTokens && spec.kind === "merges";
      if (wrap) for (const id of spec.prefix) out.push(id);
      let start = 0;
      if (addedRegex) {
        addedRegex.lastIndex = 0;
        for (let match = addedRegex.exec(text); match !== null; match = addedRegex.exec(text)) {
          if (match.index > start) encodeSection(text.slice(start, match.index), out);
          out.push(spec.addedTokens[match[0]]!);
          start = match.index + match[0].length;
        }
      }
      if (start < text.length) encodeSection(text.slice(start), out);
      if (wrap) for (const id of spec.suffix) out.push(id);
      return out;
    },
    decodeBytes(ids) {
      let bytes = "";
      for (const id of ids) bytes += tokenBytes[id] ?? addedBytes.get(id) ?? "";
      return Buffer.from(bytes, "latin1");
    },
  };
}
