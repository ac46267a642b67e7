import * as z from "zod/mini";
import { DATETIME_PATTERN } from "../json/python-datetime.js";

/**
 * Leaf schemas shared by every wire model. The JSON encoder recognises the datetime and bytes
 * schemas by identity, so models must use these instances (wrapping them in `z.optional()` or
 * `z.nullish()` is fine) rather than building their own.
 */

/** A pydantic `int`: a JSON integer within JavaScript's safe range (±2^53 − 1). */
export const WireIntSchema = z.int();

/** A pydantic `float`: any finite JSON number. Requests write it as Python's `repr` (`1.0`, `1e-05`). */
export const WireFloatSchema = z.number();

/**
 * A pydantic `datetime` in JSON: an ISO 8601 string (tinker-wire-spec.md §1.2). Parsed values stay
 * strings so that microseconds and offsets survive; `new Date(value)` converts when needed.
 */
export const WireDatetimeSchema = z
  .string()
  .check(z.regex(DATETIME_PATTERN, "expected an ISO 8601 datetime"));

/** A pydantic `bytes` field with a base64 serializer: standard base64 with padding (§4.2). */
export const WireBytesSchema = z.base64();

/** Any JSON value (pydantic `Any` / `object`): written as JavaScript writes it. */
export const JsonValueSchema = z.unknown();

/** `dict[str, str]`, for example checkpoint and session `user_metadata`. */
export const StringMapSchema = z.record(z.string(), z.string());

/** `dict[str, Any]`, for example `CreateModelRequest.user_metadata`. */
export const JsonObjectSchema = z.record(z.string(), JsonValueSchema);
