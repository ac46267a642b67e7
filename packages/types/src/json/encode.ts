import { safeParse } from "zod/mini";
import type { $ZodType } from "zod/v4/core";
import { InvalidInputError } from "../errors.js";
import { WireBytesSchema, WireDatetimeSchema } from "../schemas/primitives.js";
import { base64ToBytes, bytesToBase64 } from "./base64.js";
import { formatPythonDatetime } from "./python-datetime.js";
import { formatPythonFloat } from "./python-float.js";

/**
 * Schema-driven JSON writer that reproduces the Python SDK's request bytes
 * (tinker-wire-spec.md §1.2): pydantic `model_dump(exclude_unset=False, exclude_none=True,
 * mode="json")` followed by httpx's `json.dumps(ensure_ascii=False, separators=(",", ":"),
 * allow_nan=False)`.
 *
 * It walks a zod wire schema next to the value, so the schema is the single table that decides
 * key order (declaration order), which defaults are sent, which fields are floats (Python `repr`)
 * or integers, and which strings are base64 bytes or datetimes. Along the way it accepts the
 * in-memory forms of the SDK: typed arrays wherever the wire has a number array (`Int32Array`
 * tokens, `Float32Array`/`BigInt64Array` tensor data), `Uint8Array` for bytes, `Date` for
 * datetimes. Everything it rejects is an {@link InvalidInputError} naming the field path.
 */

interface Def {
  type: string;
  shape?: Record<string, $ZodType>;
  catchall?: $ZodType;
  innerType?: $ZodType;
  defaultValue?: unknown;
  element?: $ZodType;
  items?: $ZodType[];
  valueType?: $ZodType;
  options?: $ZodType[];
  values?: unknown[];
  entries?: Record<string, unknown>;
  format?: string;
  checks?: unknown[];
}

const defOf = (schema: $ZodType): Def => schema._zod.def as unknown as Def;

/** Object schemas whose bodies are hand-written dicts in the SDK: null values are sent, not dropped. */
const rawBodies = new WeakSet<$ZodType>();

/** Whether a field's schema takes `null`: `nullable`, or `optional` around `nullable` (nullish). */
function acceptsNull(fieldDef: Def): boolean {
  if (fieldDef.type === "nullable") return true;
  const inner = fieldDef.innerType;
  return fieldDef.type === "optional" && inner !== undefined && defOf(inner).type === "nullable";
}

/**
 * Marks an object schema as a hand-written dict body, whose `null` values go on the wire (the
 * `{"ttl_seconds": null}` body of tinker-wire-spec.md §1.2, 0.38's session finish `"detail": null`),
 * for nullable and nullish fields alike. Returns the schema.
 */
export function sendsNulls<T extends $ZodType>(schema: T): T {
  rawBodies.add(schema);
  return schema;
}

type PathPart = string | number;

/** Formats a field path the way error messages show it: `prompt.chunks[0].tokens[3]`. */
export function formatPath(parts: readonly PathPart[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** Writes one value of the schema it was compiled for onto `w.out`, or fails naming `w.path`. */
type Write = (w: Writer, value: unknown) => void;

class Writer {
  out = "";
  readonly path: PathPart[] = [];

  fail(message: string): never {
    const path = formatPath(this.path);
    throw new InvalidInputError(path === "" ? message : `${path}: ${message}`, { path });
  }
}

/**
 * Encodes `value` as the compact JSON text the Python SDK would send for `schema`.
 *
 * - keys in schema declaration order; `undefined`/`null` optional fields omitted (except in
 *   schemas marked with {@link sendsNulls}); defaults written when the field is unset;
 * - float fields as Python `repr` (`1.0`, `1e-05`, `1e+16`), integer fields as integers
 *   (`BigInt64Array` elements must lie within ±2^53 − 1), free-form JSON values as JavaScript
 *   writes them;
 * - non-ASCII characters raw, never `\u` escaped.
 *
 * Each schema is turned into a writer once (its first encode) and reused: the request bodies of
 * a hot path (every `asample`) pay for the value, not for reading the schema again.
 *
 * @throws InvalidInputError naming the field path for a missing required field, an unknown field,
 *   a wrong type, NaN/±Infinity, an out-of-range integer, invalid base64 or datetime text, or a
 *   string with a lone UTF-16 surrogate (not encodable as UTF-8).
 */
export function encodeWireJson(schema: $ZodType, value: unknown): string {
  const writer = new Writer();
  writerOf(schema)(writer, value);
  return writer.out;
}

// The writer of each schema, compiled from its definition on first use.
const writers = new WeakMap<$ZodType, Write>();

function writerOf(schema: $ZodType): Write {
  let write = writers.get(schema);
  if (!write) {
    write = compile(schema);
    writers.set(schema, write);
  }
  return write;
}

function compile(schema: $ZodType): Write {
  const def = defOf(schema);
  switch (def.type) {
    case "object":
      return objectWriter(schema, def);
    case "optional":
    case "default":
      // The field's own handling of an unset value is the object writer's (see objectWriter).
      return writerOf(def.innerType!);
    case "nullable": {
      const inner = writerOf(def.innerType!);
      return (w: Writer, value: unknown) => {
        if (value === null) w.out += "null";
        else inner(w, value);
      };
    }
    case "string":
      return stringWriter(schema, def);
    case "number":
      return numberWriter(schema, def);
    case "boolean":
      return (w: Writer, value: unknown) => {
        if (typeof value !== "boolean") w.fail(`expected a boolean, got ${describe(value)}`);
        w.out += value ? "true" : "false";
      };
    case "literal": {
      const values = def.values!;
      return (w: Writer, value: unknown) => {
        if (!values.includes(value)) {
          w.fail(`expected ${values.map((v) => JSON.stringify(v)).join(" or ")}, got ${describe(value)}`);
        }
        w.out += JSON.stringify(value);
      };
    }
    case "enum": {
      const allowed = Object.values(def.entries!);
      return (w: Writer, value: unknown) => {
        if (!allowed.includes(value)) {
          w.fail(
            `expected one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(value)}`,
          );
        }
        w.out += JSON.stringify(value);
      };
    }
    case "array":
      return arrayWriter(def.element!);
    case "tuple":
      return tupleWriter(def.items!);
    case "record":
      return recordWriter(def.valueType!);
    case "union":
      return unionWriter(def.options!);
    case "unknown":
    case "any":
      return writeFreeJson;
    default:
      // Only a value that reaches this schema fails, as when the schema was interpreted per value.
      return () => {
        throw new Error(`encodeWireJson: unsupported schema type "${def.type}"`);
      };
  }
}

interface FieldWriter {
  readonly key: string;
  /** The field's definition: its `defaultValue` is read per use (zod may compute it). */
  readonly def: Def;
  readonly nullable: boolean;
  /** `"key":`, and with the comma that separates it from an earlier field. */
  readonly first: string;
  readonly next: string;
  readonly write: Write;
}

function objectWriter(schema: $ZodType, def: Def): Write {
  const shape = def.shape!;
  const fields: FieldWriter[] = Object.keys(shape).map((key) => {
    const fieldDef = defOf(shape[key]!);
    const name = `${JSON.stringify(key)}:`;
    return {
      key,
      def: fieldDef,
      nullable: acceptsNull(fieldDef),
      first: name,
      next: `,${name}`,
      write: writerOf(shape[key]!),
    };
  });
  const openExtras = def.catchall !== undefined && defOf(def.catchall).type === "unknown";
  const refined = def.checks !== undefined && def.checks.length > 0;
  return (w: Writer, value: unknown) => {
    if (!isPlainObject(value)) w.fail(`expected an object, got ${describe(value)}`);
    // Looked up per value, so that a schema marked after its first encode is still honoured.
    const keepNull = rawBodies.has(schema);
    const start = w.out.length;
    w.out += "{";
    let first = true;
    for (const field of fields) {
      const key = field.key;
      let fieldValue = value[key];
      w.path.push(key);
      if (fieldValue === null && !(keepNull && field.nullable)) fieldValue = undefined;
      if (fieldValue === undefined) {
        const kind = field.def.type;
        if (kind === "default") {
          fieldValue = field.def.defaultValue;
        } else if (kind === "optional") {
          w.path.pop();
          continue;
        } else {
          // pydantic's exclude_none drops a None even from a required field; only missing is an error.
          if (value[key] === null) {
            w.path.pop();
            continue;
          }
          w.fail("is required");
        }
      }
      w.out += first ? field.first : field.next;
      first = false;
      field.write(w, fieldValue);
      w.path.pop();
    }
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(shape, key)) continue;
      const extra = value[key];
      if (extra === undefined || extra === null) continue;
      w.path.push(key);
      // pydantic extra="allow" models (optimizer families) send extra fields after the declared ones.
      if (!openExtras) w.fail("is not a field of this model");
      w.out += `${first ? "" : ","}${JSON.stringify(key)}:`;
      first = false;
      writeFreeJson(w, extra);
      w.path.pop();
    }
    w.out += "}";
    if (refined) {
      // Object-level refinements (for example "exactly one of adam_params/optimizer_params") run on
      // the encoded form; only small models carry one.
      const result = safeParse(schema, JSON.parse(w.out.slice(start)));
      if (!result.success) w.fail(result.error.issues.map((issue) => issue.message).join("; "));
    }
  };
}

function stringWriter(schema: $ZodType, def: Def): Write {
  if (schema === WireBytesSchema) {
    return (w: Writer, value: unknown) => {
      if (value instanceof Uint8Array) {
        w.out += `"${bytesToBase64(value)}"`;
        return;
      }
      if (typeof value !== "string" || base64ToBytes(value) === undefined) {
        w.fail(`expected bytes (a Uint8Array or a base64 string), got ${describe(value)}`);
      }
      w.out += JSON.stringify(value);
    };
  }
  if (schema === WireDatetimeSchema) {
    return (w: Writer, value: unknown) => {
      const text =
        typeof value === "string" || value instanceof Date ? formatPythonDatetime(value) : undefined;
      if (text === undefined)
        w.fail(`expected a Date or an ISO 8601 datetime string, got ${describe(value)}`);
      w.out += `"${text}"`;
    };
  }
  const checked = def.checks !== undefined && def.checks.length > 0;
  return (w: Writer, value: unknown) => {
    if (typeof value !== "string") w.fail(`expected a string, got ${describe(value)}`);
    if (checked) {
      const result = safeParse(schema, value);
      if (!result.success) w.fail(result.error.issues.map((issue) => issue.message).join("; "));
    }
    w.out += quote(w, value);
  };
}

function numberWriter(schema: $ZodType, def: Def): Write {
  const text = def.format === "safeint" ? intText : floatText;
  if (def.checks === undefined || def.checks.length === 0) {
    return (w: Writer, value: unknown) => {
      w.out += text(w, value);
    };
  }
  return (w: Writer, value: unknown) => {
    const written = text(w, value);
    const result = safeParse(schema, value);
    if (!result.success) w.fail(result.error.issues.map((issue) => issue.message).join("; "));
    w.out += written;
  };
}

function intText(w: Writer, value: unknown): string {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return String(value);
    if (Number.isNaN(value) || !Number.isFinite(value)) {
      w.fail(`is ${value}; JSON cannot carry NaN or ±Infinity, pass a finite integer`);
    }
    if (Number.isInteger(value)) w.fail(`${value} is beyond ±2^53 − 1 and cannot be sent exactly`);
    w.fail(`expected an integer, got ${value}`);
  }
  if (typeof value === "bigint") {
    if (value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) {
      return value.toString();
    }
    w.fail(`${value} is beyond ±2^53 − 1 and cannot be sent exactly`);
  }
  w.fail(`expected an integer, got ${describe(value)}`);
}

function floatText(w: Writer, value: unknown): string {
  if (typeof value !== "number") w.fail(`expected a number, got ${describe(value)}`);
  if (!Number.isFinite(value))
    w.fail(`is ${value}; JSON cannot carry NaN or ±Infinity, pass a finite number`);
  return formatPythonFloat(value);
}

function arrayWriter(element: $ZodType): Write {
  const elementDef = defOf(element);
  const expectArray = (w: Writer, value: unknown): ArrayLike<unknown> => {
    if (!Array.isArray(value) && !isNumericTypedArray(value)) {
      w.fail(`expected an array, got ${describe(value)}`);
    }
    return value as ArrayLike<unknown>;
  };
  if (elementDef.type === "number" && !elementDef.checks?.length) {
    // Token ids and tensor data: no per-element path bookkeeping unless one fails.
    const ints = elementDef.format === "safeint";
    const format = ints ? intText : floatText;
    return (w: Writer, value: unknown) => {
      const items = expectArray(w, value);
      const parts: string[] = new Array(items.length);
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (ints && typeof item === "number" && Number.isSafeInteger(item)) {
          parts[i] = String(item);
          continue;
        }
        w.path.push(i);
        parts[i] = format(w, item);
        w.path.pop();
      }
      w.out += `[${parts.join(",")}]`;
    };
  }
  const write = writerOf(element);
  return (w: Writer, value: unknown) => writeItems(w, expectArray(w, value), write);
}

function tupleWriter(items: $ZodType[]): Write {
  const writes = items.map(writerOf);
  return (w: Writer, value: unknown) => {
    if (!Array.isArray(value) || value.length !== writes.length) {
      w.fail(`expected an array of ${writes.length} items, got ${describe(value)}`);
    }
    w.out += "[";
    for (let i = 0; i < writes.length; i++) {
      if (i > 0) w.out += ",";
      w.path.push(i);
      writes[i]!(w, value[i]);
      w.path.pop();
    }
    w.out += "]";
  };
}

function recordWriter(valueType: $ZodType): Write {
  const write = writerOf(valueType);
  return (w: Writer, value: unknown) => {
    if (!isPlainObject(value)) w.fail(`expected an object, got ${describe(value)}`);
    writeEntries(w, value, write);
  };
}

interface UnionMember {
  readonly write: Write;
  /** The member's literal fields (`type`, `event`, `dtype`) with their allowed values. */
  readonly literals: ReadonlyArray<readonly [string, readonly unknown[]]>;
  /** Whether the member refuses every value of this JavaScript kind, decided without writing. */
  readonly refuses: (value: unknown) => boolean;
}

function unionWriter(options: $ZodType[]): Write {
  const members: UnionMember[] = options.map((option) => ({
    write: writerOf(option),
    literals: literalFieldsOf(option),
    refuses: refusalOf(option),
  }));
  return (w: Writer, value: unknown) => {
    // Skip members whose literal fields contradict the value, so that the error reported is the
    // one of the form the caller meant.
    let candidates = 0;
    let last: UnionMember | undefined;
    for (const member of members) {
      if (!literalMismatch(member, value)) {
        candidates += 1;
        last = member;
      }
    }
    // One form left (a chunk picked by its `type`): write it in place.
    if (candidates === 1) {
      last!.write(w, value);
      return;
    }
    // Otherwise the first member that writes the value wins (the order is the schema's). A member
    // that cannot take this kind of value is passed over without the cost of an error; the error
    // reported is the first candidate's, made only then.
    const start = w.out.length;
    const depth = w.path.length;
    let firstFailed: UnionMember | undefined;
    let firstError: InvalidInputError | undefined;
    for (const member of members) {
      if (literalMismatch(member, value)) continue;
      if (member.refuses(value)) {
        firstFailed ??= member;
        continue;
      }
      try {
        member.write(w, value);
        return;
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        w.out = w.out.slice(0, start);
        w.path.length = depth;
        if (!firstFailed) {
          firstFailed = member;
          firstError = error;
        }
      }
    }
    if (firstFailed && !firstError) firstError = errorOf(w, firstFailed, value);
    w.fail(`matches none of the accepted forms${firstError ? ` (first: ${firstError.message})` : ""}`);
  };
}

/** The InvalidInputError `member` fails `value` with (it is known to fail). */
function errorOf(w: Writer, member: UnionMember, value: unknown): InvalidInputError | undefined {
  const attempt = new Writer();
  attempt.path.push(...w.path);
  try {
    member.write(attempt, value);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  return undefined;
}

/**
 * A check that is true only for values the schema's writer is sure to refuse, by their
 * JavaScript kind: a plain string for a string schema, an array for an array schema, a plain
 * object for an object schema. Anything else is left to the writer.
 */
function refusalOf(schema: $ZodType): (value: unknown) => boolean {
  const { type } = defOf(schema);
  if (type === "string" && schema !== WireBytesSchema && schema !== WireDatetimeSchema) {
    return (value) => typeof value !== "string";
  }
  if (type === "array") return (value) => !Array.isArray(value) && !isNumericTypedArray(value);
  if (type === "object") return (value) => !isPlainObject(value);
  return () => false;
}

function literalMismatch(member: UnionMember, value: unknown): boolean {
  if (member.literals.length === 0 || !isPlainObject(value)) return false;
  for (const [key, allowed] of member.literals) {
    const given = value[key];
    if (given !== undefined && !allowed.includes(given)) return true;
  }
  return false;
}

function literalFieldsOf(option: $ZodType): ReadonlyArray<readonly [string, readonly unknown[]]> {
  const found: (readonly [string, readonly unknown[]])[] = [];
  const def = defOf(option);
  if (def.type === "object") {
    for (const [key, field] of Object.entries(def.shape!)) {
      let fieldDef = defOf(field);
      if (fieldDef.type === "default") fieldDef = defOf(fieldDef.innerType!);
      if (fieldDef.type === "literal") found.push([key, fieldDef.values!]);
    }
  }
  return found;
}

/** pydantic `Any` values: JSON as JavaScript writes it (integral floats come out as `1`, not `1.0`). */
function writeFreeJson(w: Writer, value: unknown): void {
  if (value === null) {
    w.out += "null";
  } else if (typeof value === "boolean") {
    w.out += value ? "true" : "false";
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) w.fail(`is ${value}; JSON cannot carry NaN or ±Infinity`);
    w.out += JSON.stringify(value);
  } else if (typeof value === "bigint") {
    w.out += intText(w, value);
  } else if (typeof value === "string") {
    w.out += quote(w, value);
  } else if (value instanceof Date) {
    const text = formatPythonDatetime(value);
    if (text === undefined) w.fail("is an invalid Date");
    w.out += `"${text}"`;
  } else if (Array.isArray(value) || isNumericTypedArray(value)) {
    writeItems(w, value as ArrayLike<unknown>, writeFreeJson);
  } else if (isPlainObject(value)) {
    writeEntries(w, value, writeFreeJson);
  } else {
    w.fail(`cannot be written as JSON (${describe(value)})`);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function quote(w: Writer, text: string): string {
  // Python keeps non-ASCII raw (ensure_ascii=False) and then fails to UTF-8-encode a lone
  // surrogate; JSON.stringify would escape it instead, so refuse it like the SDK does.
  if (LONE_SURROGATE.test(text)) w.fail("contains a lone UTF-16 surrogate, which UTF-8 cannot encode");
  return JSON.stringify(text);
}

/** `[item, …]`, each item written by `write` with its index on the path. */
function writeItems(w: Writer, items: ArrayLike<unknown>, write: Write): void {
  w.out += "[";
  for (let i = 0; i < items.length; i++) {
    if (i > 0) w.out += ",";
    w.path.push(i);
    write(w, items[i]);
    w.path.pop();
  }
  w.out += "]";
}

/** `{"key": value, …}` over the own keys whose value is defined, each value written by `write`. */
function writeEntries(w: Writer, record: Record<string, unknown>, write: Write): void {
  w.out += "{";
  let first = true;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (item === undefined) continue;
    w.path.push(key);
    w.out += `${first ? "" : ","}${quote(w, key)}:`;
    first = false;
    write(w, item);
    w.path.pop();
  }
  w.out += "}";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isNumericTypedArray(value: unknown): value is ArrayLike<number | bigint> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value instanceof Date) return "a Date";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
