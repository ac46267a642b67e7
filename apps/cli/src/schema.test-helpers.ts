import { readdirSync, readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { expect } from "vitest";

/** The JSON Schemas of the CLI's JSON output (apps/cli/schema), compiled with ajv. */
const schemaDir = new URL("../schema/", import.meta.url);
const ajv = new Ajv({ allErrors: true, strict: true });
// ajv-formats is CommonJS: under NodeNext its default export arrives as the module object.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;
addFormats(ajv);

/** Schema file names (without `.json`). */
export const schemaNames: string[] = readdirSync(schemaDir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -5))
  .sort();

for (const name of schemaNames) {
  ajv.addSchema(JSON.parse(readFileSync(new URL(`${name}.json`, schemaDir), "utf8")) as object);
}

function validator(name: string): ValidateFunction {
  const validate = ajv.getSchema(`urn:tinker-ts:cli:${name}`);
  if (!validate) throw new Error(`no schema ${name}`);
  return validate;
}

/** Asserts that `value` is valid against the schema `name` (e.g. `run-list`), with ajv's errors as the message. */
export function expectSchema(name: string, value: unknown): void {
  const validate = validator(name);
  const ok = validate(value);
  expect(
    ok,
    `${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value, null, 2).slice(0, 2000)}`,
  ).toBe(true);
}

/** True when `value` is valid against the schema `name` (for tests that a bad value is rejected). */
export function matchesSchema(name: string, value: unknown): boolean {
  return validator(name)(value) === true;
}
