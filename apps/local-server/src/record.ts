import { createWriteStream, type WriteStream } from "node:fs";

/**
 * `--record FILE`: every request the server receives, as one JSON line, with the status it
 * answered. The parity harness (tools/parity) replays and diffs these. Bodies are kept
 * verbatim: UTF-8 text for JSON, base64 for anything binary (protobuf, zstd).
 */
export interface RecordedRequest {
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body_encoding: "utf8" | "base64" | "none";
  body: string;
  status: number;
}

/** Appends recorded requests to a JSON-lines file. */
export class RequestRecorder {
  #stream: WriteStream;

  constructor(file: string) {
    this.#stream = createWriteStream(file, { flags: "a" });
  }

  /** Writes one request line (headers as received, lower-case names). */
  write(entry: Omit<RecordedRequest, "body_encoding" | "body">, body: Buffer, contentType: string): void {
    const textual = /json|text/.test(contentType) && isUtf8(body);
    const line: RecordedRequest = {
      ...entry,
      body_encoding: body.length === 0 ? "none" : textual ? "utf8" : "base64",
      body: body.length === 0 ? "" : textual ? body.toString("utf8") : body.toString("base64"),
    };
    this.#stream.write(`${JSON.stringify(line)}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#stream.end(resolve));
  }
}

function isUtf8(body: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}
