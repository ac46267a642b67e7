import { WIRE_SDK_VERSION } from "@tinker-ts/types";
import type { CommandContext } from "../context.js";
import type { CommandOutput } from "../output/output.js";
import { CLI_VERSION } from "../version.js";

/** What `tinker version` reports. */
export interface VersionInfo {
  /** Version of @tinker-ts/cli. */
  version: string;
  /** Python SDK version whose wire protocol this build speaks (sent as `sdk_version`). */
  wire_sdk_version: string;
  /** Node.js version running the CLI. */
  node: string;
}

/** The versions, as data. */
export function versionInfo(): VersionInfo {
  return { version: CLI_VERSION, wire_sdk_version: WIRE_SDK_VERSION, node: process.version };
}

/** `tinker version`: prints `tinker <version>` like the Python CLI (tinker-wire-spec.md §13), or JSON. */
export async function versionCommand(_ctx: CommandContext): Promise<CommandOutput> {
  const info = versionInfo();
  return { kind: "text", text: `tinker ${info.version}`, json: info };
}
