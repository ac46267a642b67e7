import { TinkerError } from "@tinker-ts/types";

/**
 * The ServiceClient (or the client it made) was closed: thrown by every call made after
 * `close()`, and the reason every promise still pending at `close()` rejects with.
 */
export class ClientClosedError extends TinkerError {
  constructor(message = "The ServiceClient is closed; create a new ServiceClient to make more calls.") {
    super(message);
  }
}

/**
 * A TrainingClient can no longer submit requests because seq_ids it reserved will never reach the
 * server (tinker-wire-spec.md §8.1): a `forwardBackwardCustom` whose loss function threw, or whose
 * future was cancelled before its backward pass was sent. The server runs a model's requests in
 * seq_id order, so every later request would wait forever. `cause` is the original failure.
 */
export class TrainingSequenceBrokenError extends TinkerError {}

/** `RestClient.exportSessionTrace` ended with the server reporting the export as failed (§10.2). */
export class TraceExportFailedError extends TinkerError {
  readonly sessionId: string;

  constructor(sessionId: string, detail: string | null | undefined) {
    super(`Trace export failed for session ${sessionId}: ${detail ?? "no detail given"}`);
    this.sessionId = sessionId;
  }
}

/**
 * `RestClient.whoami` has no identity to read: JWT auth is off on the server and the credential
 * is a plain API key (tinker-wire-spec.md §10.2).
 */
export class WhoamiUnavailableError extends TinkerError {
  constructor() {
    super("whoami requires JWT auth, but the server has it disabled and the credential is a plain API key.");
  }
}
