/**
 * The code of an `encodeBatch` worker thread, run with `new Worker(source, { eval: true })`.
 *
 * It is CommonJS in a string, not a module of this package, so that the same code runs from the
 * TypeScript sources (tests) and from the build: a worker cannot load `.ts` files on Node 20. It
 * rebuilds the library tokenizer from `workerData.spec` (a `WorkerSpec`): an @huggingface/tokenizers
 * `Tokenizer`, a tiktoken (WebAssembly) `Tiktoken` or a js-tiktoken `Tiktoken`, loaded from the
 * paths the parent resolved (`workerData.tokenizersModule`, `workerData.tiktokenWasmModule`,
 * `workerData.tiktokenModule`).
 *
 * Protocol: the parent posts `{ id, texts: Piece[][], addSpecialTokens }`, each text as the pieces
 * `TokenizerBackend.splitForWorker` made (strings to encode, numbers to keep as ids, `{ library }`
 * text for the @huggingface/tokenizers `Tokenizer`); the worker answers them in order with
 * `{ id, ids: Int32Array[] }`, transferring the buffers, or `{ id, error }`.
 */
export const ENCODE_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
const spec = workerData.spec;
const library = () => {
  const { Tokenizer } = require(workerData.tokenizersModule);
  const json = typeof spec.tokenizerJson === "string"
    ? JSON.parse(readFileSync(spec.tokenizerJson, "utf8"))
    : spec.tokenizerJson;
  return new Tokenizer(json, spec.tokenizerConfig);
};
let encode;
if (spec.kind === "hf") {
  const tokenizer = library();
  encode = (pieces, addSpecialTokens) =>
    Int32Array.from(tokenizer.encode(pieces[0], { add_special_tokens: addSpecialTokens }).ids);
} else if (spec.kind === "ranks") {
  // As RankEncoder builds tiktoken and concatenates the pieces (encodePieces); the library is
  // built when a text first holds a piece too long for tiktoken.
  const { Tiktoken } = require(workerData.tiktokenWasmModule);
  const tiktoken = new Tiktoken(spec.ranks, {}, spec.pattern);
  let tokenizer;
  const idsOf = (piece) => {
    if (typeof piece === "number") return [piece];
    if (typeof piece === "string") return tiktoken.encode_ordinary(piece);
    tokenizer ??= library();
    return tokenizer.encode(piece.library, { add_special_tokens: false }).ids;
  };
  encode = (pieces) => {
    const parts = pieces.map(idsOf);
    const ids = new Int32Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
      ids.set(part, at);
      at += part.length;
    }
    return ids;
  };
} else {
  const { Tiktoken } = require(workerData.tiktokenModule);
  const tiktoken = new Tiktoken(spec.bpe);
  encode = (pieces) => {
    const ids = [];
    for (const piece of pieces) for (const id of tiktoken.encode(piece, "all")) ids.push(id);
    return Int32Array.from(ids);
  };
}
parentPort.on("message", ({ id, texts, addSpecialTokens }) => {
  try {
    const ids = texts.map((pieces) => encode(pieces, addSpecialTokens));
    parentPort.postMessage({ id, ids }, ids.map((a) => a.buffer));
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
parentPort.postMessage({ ready: true });
`;
