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

/**
 * Marks an object schema as a hand-written dict body, whose `null` values go on the wire (the
 * `{"ttl_seconds": null}` body of tinker-wire-spec.md §1.2). Returns the schema.
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

class Writer {
  readonly out: string[] = [];
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
 * @throws InvalidInputError naming the field path for a missing required field, an unknown field,
 *   a wrong type, NaN/±Infinity, an out-of-range integer, invalid base64 or datetime text, or a
 *   string with a lone UTF-16 surrogate (not encodable as UTF-8).
 */
export function encodeWireJson(schema: $ZodType, value: unknown): string {
  const writer = new Writer();
  writeValue(writer, schema, value);
  return writer.out.join("");
}

function writeValue(w: Writer, schema: $ZodType, value: unknown): void {
  const def = defOf(schema);
  switch (def.type) {
    case "object":
      writeObject(w, schema, def, value);
      return;
    case "optional":
    case "default":
      writeValue(w, def.innerType!, value);
      return;
    case "nullable":
      if (value === null) {
        w.out.push("null");
        return;
      }
      writeValue(w, def.innerType!, value);
      return;
    case "string":
      writeString(w, schema, def, value);
      return;
    case "number":
      writeNumber(w, schema, def, value);
      return;
    case "boolean":
      if (typeof value !== "boolean") w.fail(`expected a boolean, got ${describe(value)}`);
      w.out.push(value ? "true" : "false");
      return;
    case "literal":
      if (!def.values!.includes(value)) {
        w.fail(`expected ${def.values!.map((v) => JSON.stringify(v)).join(" or ")}, got ${describe(value)}`);
      }
      w.out.push(JSON.stringify(value));
      return;
    case "enum": {
      const allowed = Object.values(def.entries!);
      if (!allowed.includes(value)) {
        w.fail(`expected one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(value)}`);
      }
      w.out.push(JSON.stringify(value));
      return;
    }
    case "array":
      writeArray(w, def.element!, value);
      return;
    case "tuple":
      writeTuple(w, def.items!, value);
      return;
    case "record":
      writeRecord(w, def.valueType!, value);
      return;
    case "union":
      writeUnion(w, def.options!, value);
      return;
    case "unknown":
    case "any":
      writeFreeJson(w, value);
      return;
    default:
      throw new Error(`encodeWireJson: unsupported schema type "${def.type}"`);
  }
}

function writeObject(w: Writer, schema: $ZodType, def: Def, value: unknown): void {
  if (!isPlainObject(value)) w.fail(`expected an object, got ${describe(value)}`);
  const keepNull = rawBodies.has(schema);
  const shape = def.shape!;
  const start = w.out.length;
  w.out.push("{");
  let first = true;
  for (const key of Object.keys(shape)) {
    const field = shape[key]!;
    let fieldValue = value[key];
    w.path.push(key);
    if (fieldValue === null && !(keepNull && defOf(field).type === "nullable")) fieldValue = undefined;
    if (fieldValue === undefined) {
      const fieldDef = defOf(field);
      if (fieldDef.type === "default") {
        fieldValue = fieldDef.defaultValue;
      } else if (fieldDef.type === "optional") {
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
    w.out.push(first ? "" : ",", JSON.stringify(key), ":");
    first = false;
    writeValue(w, field, fieldValue);
    w.path.pop();
  }
  const catchallType = def.catchall ? defOf(def.catchall).type : undefined;
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(shape, key)) continue;
    const extra = value[key];
    if (extra === undefined || extra === null) continue;
    w.path.push(key);
    // pydantic extra="allow" models (optimizer families) send extra fields after the declared ones.
    if (catchallType !== "unknown") w.fail("is not a field of this model");
    w.out.push(first ? "" : ",", JSON.stringify(key), ":");
    first = false;
    writeFreeJson(w, extra);
    w.path.pop();
  }
  w.out.push("}");
  if (def.checks && def.checks.length > 0) {
    // Object-level refinements (for example "exactly one of adam_params/optimizer_params") run on
    // the encoded form; only small models carry one.
    const result = safeParse(schema, JSON.parse(w.out.slice(start).join("")));
    if (!result.success) w.fail(result.error.issues.map((issue) => issue.message).join("; "));
  }
}

function writeString(w: Writer, schema: $ZodType, def: Def, value: unknown): void {
  if (schema === WireBytesSchema) {
    if (value instanceof Uint8Array) {
      w.out.push(`"${bytesToBase64(value)}"`);
      return;
    }
    if (typeof value !== "string" || base64ToBytes(value) === undefined) {
      w.fail(`expected bytes (a Uint8Array or a base64 string), got ${describe(value)}`);
    }
    w.out.push(JSON.stringify(value));
    return;
  }
  if (schema === WireDatetimeSchema) {
    const text = typeof value === "string" || value instanceof Date ? formatPythonDatetime(value) : undefined;
    if (text === undefined) w.fail(`expected a Date or an ISO 8601 datetime string, got ${describe(value)}`);
    w.out.push(`"${text}"`);
    return;
  }
  if (typeof value !== "string") w.fail(`expected a string, got ${describe(value)}`);
  if (def.checks && def.checks.length > 0) {
    const result = safeParse(schema, value);
    if (!result.success) w.fail(result.error.issues.map((issue) => issue.message).join("; "));
  }
  w.out.push(quote(w, value));
}

function writeNumber(w: Writer, schema: $ZodType, def: Def, value: unknown): void {
  const text = def.format === "safeint" ? intText(w, value) : floatText(w, value);
  if (def.checks && def.checks.length > 0) {
    const result = safeParse(schema, value);
    if (!result.success) w.fail(result.error.issues.map((issue) => issue.message).join("; "));
  }
  w.out.push(text);
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

function writeArray(w: Writer, element: $ZodType, value: unknown): void {
  if (!Array.isArray(value) && !isNumericTypedArray(value)) {
    w.fail(`expected an array, got ${describe(value)}`);
  }
  const items = value as ArrayLike<unknown>;
  const elementDef = defOf(element);
  const parts: string[] = new Array(items.length);
  if (elementDef.type === "number" && !elementDef.checks?.length) {
    // Fast path for token ids and tensor data: no per-element path bookkeeping unless one fails.
    const format = elementDef.format === "safeint" ? intText : floatText;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item === "number" && elementDef.format === "safeint" && Number.isSafeInteger(item)) {
        parts[i] = String(item);
        continue;
      }
      w.path.push(i);
      parts[i] = format(w, item);
      w.path.pop();
    }
    w.out.push(`[${parts.join(",")}]`);
    return;
  }
  w.out.push("[");
  for (let i = 0; i < items.length; i++) {
    if (i > 0) w.out.push(",");
    w.path.push(i);
    writeValue(w, element, items[i]);
    w.path.pop();
  }
  w.out.push("]");
}

function writeTuple(w: Writer, items: $ZodType[], value: unknown): void {
  if (!Array.isArray(value) || value.length !== items.length) {
    w.fail(`expected an array of ${items.length} items, got ${describe(value)}`);
  }
  w.out.push("[");
  for (let i = 0; i < items.length; i++) {
    if (i > 0) w.out.push(",");
    w.path.push(i);
    writeValue(w, items[i]!, value[i]);
    w.path.pop();
  }
  w.out.push("]");
}

function writeRecord(w: Writer, valueType: $ZodType, value: unknown): void {
  if (!isPlainObject(value)) w.fail(`expected an object, got ${describe(value)}`);
  w.out.push("{");
  let first = true;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined) continue;
    w.path.push(key);
    w.out.push(first ? "" : ",", quote(w, key), ":");
    first = false;
    writeValue(w, valueType, item);
    w.path.pop();
  }
  w.out.push("}");
}

function writeUnion(w: Writer, options: $ZodType[], value: unknown): void {
  // Skip options whose literal fields (`type`, `event`, `dtype`) contradict the value, so that
  // the error reported is the one of the form the caller meant.
  const candidates = options.filter((option) => !literalMismatch(option, value));
  // One form left (a chunk picked by its `type`): write it in place. On failure `w` is thrown
  // away by whoever catches, and the error is the one the loop below would throw.
  if (candidates.length === 1) {
    writeValue(w, candidates[0]!, value);
    return;
  }
  let firstError: InvalidInputError | undefined;
  for (const option of candidates) {
    const attempt = new Writer();
    attempt.path.push(...w.path);
    try {
      writeValue(attempt, option, value);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      firstError ??= error;
      continue;
    }
    w.out.push(attempt.out.join(""));
    return;
  }
  if (candidates.length === 1 && firstError) throw firstError;
  w.fail(`matches none of the accepted forms${firstError ? ` (first: ${firstError.message})` : ""}`);
}

function literalMismatch(option: $ZodType, value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const [key, allowed] of literalFieldsOf(option)) {
    const given = value[key];
    if (given !== undefined && !allowed.includes(given)) return true;
  }
  return false;
}

// The literal fields of each union member, found once per schema rather than once per value.
const literalFields = new WeakMap<$ZodType, ReadonlyArray<readonly [string, readonly unknown[]]>>();

function literalFieldsOf(option: $ZodType): ReadonlyArray<readonly [string, readonly unknown[]]> {
  let fields = literalFields.get(option);
  if (fields) return fields;
  const found: (readonly [string, readonly unknown[]])[] = [];
  const def = defOf(option);
  if (def.type === "object") {
    for (const [key, field] of Object.entries(def.shape!)) {
      let fieldDef = defOf(field);
      if (fieldDef.type === "default") fieldDef = defOf(fieldDef.innerType!);
      if (fieldDef.type === "literal") found.push([key, fieldDef.values!]);
    }
  }
  fields = found;
  literalFields.set(option, fields);
  return fields;
}

/** pydantic `Any` values: JSON as JavaScript writes it (integral floats come out as `1`, not `1.0`). */
function writeFreeJson(w: Writer, value: unknown): void {
  if (value === null) {
    w.out.push("null");
  } else if (typeof value === "boolean") {
    w.out.push(value ? "true" : "false");
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) w.fail(`is ${value}; JSON cannot carry NaN or ±Infinity`);
    w.out.push(JSON.stringify(value));
  } else if (typeof value === "bigint") {
    w.out.push(intText(w, value));
  } else if (typeof value === "string") {
    w.out.push(quote(w, value));
  } else if (value instanceof Date) {
    const text = formatPythonDatetime(value);
    if (text === undefined) w.fail("is an invalid Date");
    w.out.push(`"${text}"`);
  } else if (Array.isArray(value) || isNumericTypedArray(value)) {
    const items = value as ArrayLike<unknown>;
    w.out.push("[");
    for (let i = 0; i < items.length; i++) {
      if (i > 0) w.out.push(",");
      w.path.push(i);
      writeFreeJson(w, items[i]);
      w.path.pop();
    }
    w.out.push("]");
  } else if (isPlainObject(value)) {
    w.out.push("{");
    let first = true;
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      w.path.push(key);
      w.out.push(first ? "" : ",", quote(w, key), ":");
      first = false;
      writeFreeJson(w, item);
      w.path.pop();
    }
    w.out.push("}");
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
