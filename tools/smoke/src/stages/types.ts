import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeRequestBody, type RequestBodyName, requestBodySchemas } from "@tinker-ts/types";
import {
  decodeForwardBackwardOutput,
  decodeForwardBackwardRequest,
  decodeSampleResponse,
  encodeForwardBackwardOutput,
  encodeForwardBackwardRequest,
  encodeSampleResponse,
} from "@tinker-ts/types/proto";
import { check, type Stage } from "../stage.js";
import { fixturesDir } from "./paths.js";

interface RequestFixture {
  model: string;
  input: unknown;
  bytes: string;
}

interface ProtoVector {
  message: "ForwardBackwardRequest" | "ForwardBackwardOutput" | "SampleResponse";
  hex: string;
  hex_sorted_maps?: string;
}

const bytesFromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Every request body the SDK sends, and every protobuf vector, against the Python SDK's bytes. */
export const typesStage: Stage = {
  name: "types",
  description:
    "request bodies byte-equal to Python SDK 0.38.0 fixtures; protobuf vectors decode and re-encode",
  async run() {
    const requestsDir = join(fixturesDir, "wire", "json", "requests");
    let requests = 0;
    for (const model of readdirSync(requestsDir)) {
      if (!(model in requestBodySchemas)) continue;
      for (const file of readdirSync(join(requestsDir, model))) {
        const fixture = JSON.parse(readFileSync(join(requestsDir, model, file), "utf8")) as RequestFixture;
        const encoded = encodeRequestBody(model as RequestBodyName, fixture.input as never);
        check(
          encoded === fixture.bytes,
          `${model}/${file}: encodeRequestBody differs from the Python SDK's bytes`,
        );
        requests++;
      }
    }
    check(requests > 0, "no request fixtures found");

    const protoDir = join(fixturesDir, "wire", "proto");
    let vectors = 0;
    for (const file of readdirSync(protoDir).filter((f) => f.endsWith(".json") && !f.startsWith("spec-"))) {
      const vector = JSON.parse(readFileSync(join(protoDir, file), "utf8")) as ProtoVector;
      const bytes = bytesFromHex(vector.hex);
      if (vector.message === "ForwardBackwardRequest") {
        // Python writes map entries in runtime order; its deterministic form sorts them, as we do.
        const again = encodeForwardBackwardRequest(decodeForwardBackwardRequest(bytes));
        check(
          toHex(again) === vector.hex || toHex(again) === vector.hex_sorted_maps,
          `${file}: a decoded ForwardBackwardRequest does not re-encode to the Python bytes`,
        );
      } else if (vector.message === "ForwardBackwardOutput") {
        const decoded = decodeForwardBackwardOutput(bytes);
        const again = decodeForwardBackwardOutput(encodeForwardBackwardOutput(decoded));
        check(
          again.loss_fn_outputs.length === decoded.loss_fn_outputs.length,
          `${file}: output count changed on a round trip`,
        );
      } else {
        const decoded = decodeSampleResponse(bytes);
        const again = decodeSampleResponse(encodeSampleResponse(decoded));
        check(
          again.sequences.length === decoded.sequences.length,
          `${file}: sequence count changed on a round trip`,
        );
      }
      vectors++;
    }
    return `${requests} request bodies byte-equal to the Python SDK's, ${vectors} protobuf vectors round-trip`;
  },
};
