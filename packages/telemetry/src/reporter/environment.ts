import { randomUUID } from "node:crypto";

const ENABLED_VALUES: ReadonlySet<string> = new Set(["1", "true", "yes", "on"]);

/**
 * Whether the Tinker telemetry reporter should run: `TINKER_TELEMETRY` unset, or one of `1`,
 * `true`, `yes`, `on` in any case (tinker-wire-spec.md §11, §12b). Any other value, including an
 * empty string, turns it off.
 *
 * @param env environment to read; default `process.env`.
 */
export function isTelemetryEnabled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return ENABLED_VALUES.has((env["TINKER_TELEMETRY"] ?? "1").toLowerCase());
}

const PLATFORM_SYSTEMS: Readonly<Record<string, string>> = {
  linux: "Linux",
  darwin: "Darwin",
  win32: "Windows",
  freebsd: "FreeBSD",
  openbsd: "OpenBSD",
  netbsd: "NetBSD",
  sunos: "SunOS",
  aix: "AIX",
  android: "Android",
  cygwin: "CYGWIN_NT",
};

/**
 * Python's `platform.system()` for a Node `process.platform` value (the telemetry body's
 * `platform`, tinker-wire-spec.md §11): `linux` → `Linux`, `darwin` → `Darwin`, `win32` →
 * `Windows`; an unlisted value is passed through.
 */
export function pythonPlatformSystem(platform: string = process.platform): string {
  return PLATFORM_SYSTEMS[platform] ?? platform;
}

let processUuid: string | undefined;

/**
 * The uuid4 identifying this process in telemetry batches (`process_uuid`), created on first use
 * and shared by every reporter. A Node child process is a new process and gets its own.
 */
export function getProcessUuid(): string {
  processUuid ??= randomUUID();
  return processUuid;
}
