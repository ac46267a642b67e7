import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { InvalidInputError } from "../errors.js";

/**
 * Parses protobuf bytes with a generated schema. Bytes fields of the result are views of `bytes`
 * (no copy); unknown fields are dropped rather than kept.
 *
 * @throws InvalidInputError when the bytes are not a valid encoding of the message.
 */
export function parseMessage<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidInputError(`A protobuf ${schema.name} must be given as a Uint8Array.`);
  }
  try {
    return fromBinary(schema, bytes, { readUnknownFields: false });
  } catch (error) {
    throw new InvalidInputError(
      `Malformed protobuf ${schema.name} (${bytes.byteLength} bytes): ${(error as Error).message}. ` +
        "The body is truncated or is not this message type.",
      { cause: error },
    );
  }
}
