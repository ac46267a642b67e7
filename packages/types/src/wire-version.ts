/**
 * The Python SDK version whose wire protocol tinker-ts speaks, sent as `sdk_version` in
 * `ClientConfigRequest` (`POST /api/v1/client/config` and `/client/dynamic_config`),
 * `CreateSessionRequest` and `TelemetrySendRequest` (tinker-wire-spec.md §2.3, §3.2, §11).
 *
 * The server resolves feature flags from this string, so it must name a Python release whose
 * request and response shapes we match byte for byte — not our own package version, which goes
 * into `User-Agent: Tinker/TypeScript <version>` instead. Bump it only together with the schemas,
 * the serializer and the golden fixtures in `fixtures/wire/json` (docs/protocol-0.38.md lists what
 * changed from the 0.25.0 spec).
 */
export const WIRE_SDK_VERSION = "0.38.0";
