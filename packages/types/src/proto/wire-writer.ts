/**
 * A protobuf writer that measures before it writes, so a message is serialized into one buffer of
 * exactly the right size and every payload (token ids, tensor bytes) is copied once.
 *
 * `@bufbuild/protobuf`'s `toBinary` writes each nested message into its own chunk and copies it
 * again into its parent, so a tensor nested four levels deep (request → datum → map entry →
 * tensor) would be copied four times. Here callers build a light tree of {@link MessageNode}s
 * (one node per message, never per element), sizes are computed bottom-up and cached, and a
 * single pass writes tags, lengths and payloads into the final buffer.
 *
 * Callers decide presence: a field is written exactly when a method is called for it, in call
 * order. Encoders call them in field-number order, as the Python runtime serializes. A tree is
 * built completely before it is serialized (sizes are cached on first use).
 */

import { InvalidInputError } from "../errors.js";

/**
 * A `bytes` payload no longer has the length it had when its field was added: the typed array's
 * ArrayBuffer was transferred (detached) between building a tree and serializing it.
 */
function changedPayload(): InvalidInputError {
  return new InvalidInputError(
    "A typed array of the request lost its data before the request was written (its ArrayBuffer " +
      "was transferred or detached after the call); keep the arrays intact until the request is sent.",
  );
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;

const utf8 = new TextEncoder();

/** UTF-8 length of `value` (lone surrogates count as U+FFFD, 3 bytes, as TextEncoder writes them). */
function utf8Length(value: string): number {
  let length = value.length;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      length += 1;
      continue;
    }
    // Three bytes for one UTF-16 unit, or four for the two units of a surrogate pair.
    length += 2;
    const next = value.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
  }
  return length;
}

// Part kinds. Every part is one `Part` object of the same shape, so the size and write loops
// stay monomorphic: with a union of differently shaped literals they ran several times slower.
const VARINT = 0;
const DOUBLE = 1;
const STRING = 2;
const BYTES = 3;
const PACKED = 4;
const MESSAGE = 5;

const NO_CHUNKS: readonly Uint8Array[] = [];
const NO_VALUES: readonly number[] = [];

class Part {
  constructor(
    readonly kind: number,
    readonly tag: number,
    /** VARINT / DOUBLE: the value. */
    readonly value: number,
    /** STRING / BYTES / PACKED: payload length in bytes. */
    readonly length: number,
    readonly text: string,
    readonly chunks: readonly Uint8Array[],
    readonly values: readonly number[],
    readonly node: MessageNode | null,
  ) {}
}

/** Bytes needed for `value` as an unsigned varint; `value` is a non-negative safe integer. */
function varintSize(value: number): number {
  let size = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  let pos = offset;
  let rest = value;
  while (rest >= 0x80) {
    buf[pos++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  buf[pos++] = rest;
  return pos;
}

function assertUnsigned(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`protobuf varint must be a non-negative safe integer, got ${value}`);
  }
}

/** One protobuf message under construction; see the module comment. */
export class MessageNode {
  private readonly parts: Part[] = [];
  private cachedSize = -1;

  /** Writes a varint field (int32/int64/uint32/bool/enum) holding a non-negative safe integer. */
  uint(field: number, value: number): this {
    assertUnsigned(value);
    return this.push(new Part(VARINT, field * 8 + WIRE_VARINT, value, 0, "", NO_CHUNKS, NO_VALUES, null));
  }

  /** Writes a `double` field as 8 little-endian bytes. */
  double(field: number, value: number): this {
    return this.push(new Part(DOUBLE, field * 8 + WIRE_FIXED64, value, 0, "", NO_CHUNKS, NO_VALUES, null));
  }

  /** Writes a `string` field as UTF-8 (encoded straight into the output buffer). */
  string(field: number, value: string): this {
    const tag = field * 8 + WIRE_LENGTH_DELIMITED;
    return this.push(new Part(STRING, tag, 0, utf8Length(value), value, NO_CHUNKS, NO_VALUES, null));
  }

  /** Writes a `bytes` field; the bytes are copied only when the message is serialized. */
  bytes(field: number, value: Uint8Array): this {
    return this.gatheredBytes(field, [value]);
  }

  /** Writes one `bytes` field whose content is the concatenation of `chunks`, without joining them first. */
  gatheredBytes(field: number, chunks: readonly Uint8Array[]): this {
    let length = 0;
    for (const chunk of chunks) length += chunk.byteLength;
    return this.push(
      new Part(BYTES, field * 8 + WIRE_LENGTH_DELIMITED, 0, length, "", chunks, NO_VALUES, null),
    );
  }

  /** Writes a packed repeated varint field (for example `repeated int64 shape`); nothing when empty. */
  packedUints(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    let length = 0;
    for (const value of values) {
      assertUnsigned(value);
      length += varintSize(value);
    }
    return this.push(
      new Part(PACKED, field * 8 + WIRE_LENGTH_DELIMITED, 0, length, "", NO_CHUNKS, values, null),
    );
  }

  /** Writes a nested message field; an empty node is written as a zero-length message. */
  message(field: number, node: MessageNode): this {
    return this.push(
      new Part(MESSAGE, field * 8 + WIRE_LENGTH_DELIMITED, 0, 0, "", NO_CHUNKS, NO_VALUES, node),
    );
  }

  /**
   * Writes one entry of a `map<string, V>` field. Like the Python runtime, the key and the value
   * are always written, even when they hold default values.
   */
  mapEntry(field: number, key: string, writeValue: (entry: MessageNode) => void): this {
    const entry = new MessageNode().string(1, key);
    writeValue(entry);
    return this.message(field, entry);
  }

  /** Serialized size in bytes. */
  byteLength(): number {
    if (this.cachedSize >= 0) return this.cachedSize;
    let size = 0;
    for (const part of this.parts) {
      size += varintSize(part.tag);
      switch (part.kind) {
        case VARINT:
          size += varintSize(part.value);
          break;
        case DOUBLE:
          size += 8;
          break;
        case MESSAGE: {
          const length = (part.node as MessageNode).byteLength();
          size += varintSize(length) + length;
          break;
        }
        default:
          size += varintSize(part.length) + part.length;
      }
    }
    this.cachedSize = size;
    return size;
  }

  /** Serializes the message into a new buffer of exactly {@link byteLength} bytes. */
  serialize(): Uint8Array {
    return this.serializeInto(new Uint8Array(this.byteLength()));
  }

  /**
   * Serializes the message into the first {@link byteLength} bytes of `target` (a reused buffer:
   * every one of those bytes is overwritten) and returns the view of them.
   * @throws RangeError when `target` is shorter than the message.
   */
  serializeInto(target: Uint8Array): Uint8Array {
    const size = this.byteLength();
    if (target.byteLength < size) {
      throw new RangeError(`serializeInto needs ${size} bytes, the target has ${target.byteLength}.`);
    }
    const buf = target.byteLength === size ? target : target.subarray(0, size);
    this.writeTo(buf, new DataView(buf.buffer, buf.byteOffset, size), 0);
    return buf;
  }

  private writeTo(buf: Uint8Array, view: DataView, offset: number): number {
    let pos = offset;
    for (const part of this.parts) {
      pos = writeVarint(buf, pos, part.tag);
      switch (part.kind) {
        case VARINT:
          pos = writeVarint(buf, pos, part.value);
          break;
        case DOUBLE:
          view.setFloat64(pos, part.value, true);
          pos += 8;
          break;
        case STRING:
          pos = writeVarint(buf, pos, part.length);
          if (part.length === part.text.length) {
            // ASCII, the common case (names, ids): no encoder call, no allocation.
            for (let i = 0; i < part.length; i++) buf[pos + i] = part.text.charCodeAt(i);
          } else {
            utf8.encodeInto(part.text, buf.subarray(pos, pos + part.length));
          }
          pos += part.length;
          break;
        case BYTES: {
          // A view's length changes only when its ArrayBuffer was transferred (detached) after the
          // tree was built (it then reads as empty, and copying from it throws a bare TypeError).
          let length = 0;
          for (const chunk of part.chunks) length += chunk.byteLength;
          if (length !== part.length) throw changedPayload();
          pos = writeVarint(buf, pos, part.length);
          for (const chunk of part.chunks) {
            buf.set(chunk, pos);
            pos += chunk.byteLength;
          }
          break;
        }
        case PACKED:
          pos = writeVarint(buf, pos, part.length);
          for (const value of part.values) pos = writeVarint(buf, pos, value);
          break;
        default: {
          const node = part.node as MessageNode;
          pos = writeVarint(buf, pos, node.byteLength());
          pos = node.writeTo(buf, view, pos);
        }
      }
    }
    return pos;
  }

  private push(part: Part): this {
    this.parts.push(part);
    this.cachedSize = -1;
    return this;
  }
}
