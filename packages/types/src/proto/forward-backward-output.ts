import { InvalidInputError } from "../errors.js";
import type { ForwardBackwardOutput } from "../results.js";
import type { TensorData } from "../tensor-data.js";
import {
  type ArrayRecord,
  type BatchedTensor,
  DType,
  ForwardBackwardOutputSchema,
} from "./gen/tinker_public_pb.js";
import { littleEndianBytes, readInt64 } from "./little-endian.js";
import { parseMessage } from "./parse.js";
import { checkShape, dimension, float32Values, int64Values, readValues, wireElementSize } from "./tensor.js";
import { MessageNode } from "./wire-writer.js";

/**
 * ForwardBackwardOutput ↔ protobuf (tinker-wire-spec.md §5.4). On the wire the per-datum outputs
 * are batched: each `ArrayRecord` holds, per field, one `BatchedTensor` with every datum's
 * elements back to back and int64 byte offsets marking where each datum starts. A record is
 * rectangular (one dtype and one trailing shape per field), so ragged outputs arrive as several
 * records.
 */

function fail(message: string, path: string): never {
  throw new InvalidInputError(`Malformed protobuf ForwardBackwardOutput: ${message}`, { path });
}

/** Byte offsets of a BatchedTensor as numbers, checked against the data they index. */
function byteOffsets(field: BatchedTensor, path: string): number[] {
  const raw = readInt64(field.offsets, `${path}.offsets`);
  const elementSize = wireElementSize(field.dtype);
  return Array.from(raw, (offset, i) => {
    const value = Number(offset);
    const previous = i === 0 ? 0 : Number(raw[i - 1]);
    if (offset < 0n || value > field.data.byteLength || value < previous || value % elementSize !== 0) {
      fail(
        `offsets[${i}] = ${offset} is not a non-decreasing multiple of ${elementSize} within the ` +
          `${field.data.byteLength} data bytes.`,
        `${path}.offsets`,
      );
    }
    return value;
  });
}

/** Splits one field of one record into per-datum tensors shaped `[leading, ...trailing_shape]`. */
function splitField(field: BatchedTensor, path: string): TensorData[] {
  const read = readValues(field.data, field.dtype, `${path}.data`, `${path}.dtype`);
  const offsets = byteOffsets(field, path);
  const trailing = field.trailingShape.map((dim, i) => dimension(dim, `${path}.trailing_shape[${i}]`));
  const trailingElements = trailing.reduce((a, b) => a * b, 1);
  const elementSize = wireElementSize(field.dtype);
  const tensors: TensorData[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) {
    const start = offsets[i]! / elementSize;
    const end = offsets[i + 1]! / elementSize;
    if (trailingElements > 0 && (end - start) % trailingElements !== 0) {
      fail(
        `datum ${i} holds ${end - start} elements, not a multiple of trailing_shape [${trailing.join(", ")}].`,
        path,
      );
    }
    const leading = trailingElements === 0 ? 0 : (end - start) / trailingElements;
    const shape = [leading, ...trailing];
    tensors.push(
      read.dtype === "float32"
        ? { dtype: "float32", data: read.values.subarray(start, end), shape }
        : { dtype: "int64", data: read.values.subarray(start, end), shape },
    );
  }
  return tensors;
}

function decodeRecord(record: ArrayRecord, path: string): Array<Record<string, TensorData>> {
  const fields = Object.entries(record.fields).map(
    ([name, field]) => [name, splitField(field, `${path}.fields.${name}`)] as const,
  );
  // num_datums is authoritative (it survives a server dropping every field); records written
  // before it existed carry 0 and are counted by their first field.
  let count = dimension(record.numDatums, `${path}.num_datums`);
  if (count === 0 && fields.length > 0) count = fields[0]![1].length;
  const datums: Array<Record<string, TensorData>> = Array.from({ length: count }, () => ({}));
  for (const [name, tensors] of fields) {
    if (tensors.length !== count) {
      fail(
        `field "${name}" holds ${tensors.length} datums but the record has ${count}.`,
        `${path}.fields.${name}`,
      );
    }
    tensors.forEach((tensor, i) => {
      datums[i]![name] = tensor;
    });
  }
  return datums;
}

/**
 * Decodes the protobuf result of `forward` / `forward_backward` (tinker-wire-spec.md §5.4, as
 * Python SDK 0.38.0's `response_conv.py` reads it).
 *
 * - With no records, `loss_fn_output_type` is the wire value or `"ArrayRecord"` when empty, and
 *   there are no outputs. Otherwise it is cut after its last `:` (a qualified name becomes the
 *   bare class name).
 * - Each record yields `num_datums` datums (or, when 0, as many as its first field holds); a
 *   record without fields yields `{}` per datum. Records are concatenated in order.
 * - Each field is sliced by its int64 byte offsets (n + 1 entries) and shaped
 *   `[leading, ...trailing_shape]` with `leading = elements / prod(trailing_shape)` (0 when the
 *   product is 0), per record, so ragged outputs work.
 * - FLOAT32 → float32 and INT64 → int64 views of `bytes` when aligned (copies otherwise);
 *   INT32 → int64 and BFLOAT16 → float32 are widened copies.
 * - `metrics` are copied as numbers.
 *
 * @throws InvalidInputError for malformed bytes, an unknown dtype, offsets that are not
 *   non-decreasing element-aligned positions inside the data, or a field whose datum count differs
 *   from its record's.
 */
export function decodeForwardBackwardOutput(bytes: Uint8Array): ForwardBackwardOutput {
  const message = parseMessage(ForwardBackwardOutputSchema, bytes);
  const metrics: Record<string, number> = { ...message.metrics };
  if (message.lossFnOutputs.length === 0) {
    return { loss_fn_output_type: message.lossFnOutputType || "ArrayRecord", loss_fn_outputs: [], metrics };
  }
  const separator = message.lossFnOutputType.lastIndexOf(":");
  return {
    loss_fn_output_type: message.lossFnOutputType.slice(separator + 1),
    loss_fn_outputs: message.lossFnOutputs.flatMap((record, i) =>
      decodeRecord(record, `loss_fn_outputs[${i}]`),
    ),
    metrics,
  };
}

interface FieldLayout {
  dtype: "float32" | "int64";
  trailing: readonly number[];
}

/** Dtype and trailing shape of every field of one datum's output, checked. */
function layoutOf(output: Record<string, TensorData>, path: string): Map<string, FieldLayout> {
  const layout = new Map<string, FieldLayout>();
  for (const [name, tensor] of Object.entries(output)) {
    const fieldPath = `${path}.${name}`;
    if (tensor.sparse_crow_indices !== undefined || tensor.sparse_col_indices !== undefined) {
      throw new InvalidInputError(`${fieldPath} is sparse; loss function outputs must be dense.`, {
        path: fieldPath,
      });
    }
    const dtype = tensor.dtype as string;
    if (dtype !== "float32" && dtype !== "int64") {
      throw new InvalidInputError(`${fieldPath} has unsupported dtype "${dtype}".`, {
        path: `${fieldPath}.dtype`,
      });
    }
    const shape = tensor.shape === undefined ? [] : checkShape(tensor.shape, `${fieldPath}.shape`);
    layout.set(name, { dtype, trailing: shape.slice(1) });
  }
  return layout;
}

function sameLayout(a: Map<string, FieldLayout>, b: Map<string, FieldLayout>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, field] of a) {
    const other = b.get(name);
    if (other?.dtype !== field.dtype || other.trailing.join(",") !== field.trailing.join(",")) return false;
  }
  return true;
}

function fieldNode(
  outputs: ReadonlyArray<Record<string, TensorData>>,
  first: number,
  name: string,
  layout: FieldLayout,
): MessageNode {
  const chunks: Uint8Array[] = [];
  const offsets = new BigInt64Array(outputs.length + 1);
  let position = 0;
  outputs.forEach((output, i) => {
    const tensor = output[name]!;
    const path = `loss_fn_outputs[${first + i}].${name}.data`;
    const values =
      layout.dtype === "float32" ? float32Values(tensor.data, path) : int64Values(tensor.data, path);
    const bytes = littleEndianBytes(values);
    chunks.push(bytes);
    position += bytes.byteLength;
    offsets[i + 1] = BigInt(position);
  });
  const node = new MessageNode();
  if (position > 0) node.gatheredBytes(1, chunks);
  node.bytes(2, littleEndianBytes(offsets));
  node.uint(3, layout.dtype === "float32" ? DType.DTYPE_FLOAT32 : DType.DTYPE_INT64);
  node.packedUints(4, layout.trailing);
  return node;
}

/**
 * Encodes a ForwardBackwardOutput as protobuf, as a Tinker server returns it
 * (tinker-wire-spec.md §5.4; the local server's side of {@link decodeForwardBackwardOutput}).
 *
 * Consecutive datums whose outputs have the same field names, dtypes and trailing shapes
 * (`shape.slice(1)`; a missing shape counts as 1-D) share one `ArrayRecord` with `type_tag` =
 * `loss_fn_output_type`; a change starts a new record, so ragged outputs round-trip. Datums with
 * no fields become records without fields whose `num_datums` still counts them. Field data is
 * gathered straight from the typed arrays into the output buffer.
 *
 * @throws InvalidInputError for sparse output tensors, an unsupported dtype or a malformed shape
 *   (with `path`, for example `loss_fn_outputs[2].logprobs`).
 */
export function encodeForwardBackwardOutput(output: ForwardBackwardOutput): Uint8Array {
  const root = new MessageNode();
  if (output.loss_fn_output_type !== "") root.string(1, output.loss_fn_output_type);
  const outputs = output.loss_fn_outputs;
  const layouts = outputs.map((datum, i) => layoutOf(datum, `loss_fn_outputs[${i}]`));
  let first = 0;
  while (first < outputs.length) {
    let end = first + 1;
    while (end < outputs.length && sameLayout(layouts[first]!, layouts[end]!)) end++;
    const record = new MessageNode();
    if (output.loss_fn_output_type !== "") record.string(1, output.loss_fn_output_type);
    const group = outputs.slice(first, end);
    for (const [name, layout] of layouts[first]!) {
      record.mapEntry(2, name, (entry) => entry.message(2, fieldNode(group, first, name, layout)));
    }
    record.uint(3, group.length);
    root.message(2, record);
    first = end;
  }
  for (const [key, value] of Object.entries(output.metrics)) {
    root.mapEntry(3, key, (entry) => entry.double(2, value));
  }
  return root.serialize();
}
