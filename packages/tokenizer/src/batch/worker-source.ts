/**
 * The code of an `encodeBatch` worker thread, run with `new Worker(source, { eval: true })`.
 *
 * It is CommonJS in a string, not a module of this package, so that the same code runs from the
 * TypeScript sources (tests) and from the build: a worker cannot load `.ts` files on Node 20. It
 * rebuilds the library tokenizer from `workerData.spec` (a `WorkerSpec`): an @huggingface/tokenizers
 * `Tokenizer` or a js-tiktoken `Tiktoken`, loaded from the paths the parent resolved
 * (`workerData.tokenizersModule`, `workerData.tiktokenModule`).
 *
 * Protocol: the parent posts `{ id, texts: string[][], addSpecialTokens }` (each text as the
 * pieces it is encoded in); the worker answers `{ id, ids: Int32Array[] }`, transferring the
 * buffers, or `{ id, error }`.
 */
export const ENCODE_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
const spec = workerData.spec;
let encode;
if (spec.kind === "hf") {
  const { Tokenizer } = require(workerData.tokenizersModule);
  const json = typeof spec.tokenizerJson === "string"
    ? JSON.parse(readFileSync(spec.tokenizerJson, "utf8"))
    : spec.tokenizerJson;
  const tokenizer = new Tokenizer(json, spec.tokenizerConfig);
  encode = (pieces, addSpecialTokens) =>
    tokenizer.encode(pieces[0], { add_special_tokens: addSpecialTokens }).ids;
} else {
  const { Tiktoken } = require(workerData.tiktokenModule);
  const tiktoken = new Tiktoken(spec.bpe);
  encode = (pieces) => {
    const ids = [];
    for (const piece of pieces) for (const id of tiktoken.encode(piece, "all")) ids.push(id);
    return ids;
  };
}
parentPort.on("message", ({ id, texts, addSpecialTokens }) => {
  try {
    const ids = texts.map((pieces) => Int32Array.from(encode(pieces, addSpecialTokens)));
    parentPort.postMessage({ id, ids }, ids.map((a) => a.buffer));
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
parentPort.postMessage({ ready: true });
`;
