/**
 * Telemetry intake (tinker-wire-spec.md §11): `POST /api/v1/telemetry` must answer
 * `{"status":"accepted"}` or the SDK retries the batch forever. The last `capacity` batches are
 * kept so tests can check what an SDK reported (`GET /_admin/telemetry`).
 */
export interface TelemetryBatch {
  received_at: string;
  session_id: string;
  platform: string;
  sdk_version: string;
  process_uuid?: string;
  events: Array<Record<string, unknown>>;
}

/** A ring buffer of received telemetry batches. */
export class TelemetryIntake {
  #batches: TelemetryBatch[] = [];
  #capacity: number;
  #received = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  add(batch: TelemetryBatch): void {
    this.#received++;
    this.#batches.push(batch);
    if (this.#batches.length > this.#capacity) this.#batches.shift();
  }

  /** The kept batches, oldest first, and the total received since start. */
  snapshot(): { received: number; batches: TelemetryBatch[] } {
    return { received: this.#received, batches: [...this.#batches] };
  }
}
