import type {
  BillingUsageResponse,
  CheckpointsListResponse,
  GetSessionResponse,
  TrainingRun,
  TrainingRunsResponse,
  WeightsInfoResponse,
  WhoamiResponse,
} from "@tinker-ts/types";

/**
 * The part of `@tinker-ts/clients`' RestClient the commands use (tinker-wire-spec.md §10.2, in
 * camelCase). Commands are written against this shape, so they read as what they need from the
 * server; the real RestClient is what runs them (see `clients.ts`). Calls take no AbortSignal:
 * SIGINT closes the ServiceClient, which rejects every call in flight.
 */
export interface CliRestApi {
  getTrainingRun(trainingRunId: string): PromiseLike<TrainingRun>;
  /** One page of `GET /training_runs` (`cursor.total_count` counts every run). */
  listTrainingRunsPage(options: PageOptions): PromiseLike<TrainingRunsResponse>;
  listCheckpoints(trainingRunId: string): PromiseLike<CheckpointsListResponse>;
  /** One page of `GET /checkpoints` (newest first). */
  listUserCheckpointsPage(options: PageOptions): PromiseLike<CheckpointsListResponse>;
  /** One page of `GET /sessions`: session ids, newest first. */
  listSessionsPage(options: PageOptions): PromiseLike<{ sessions: string[] }>;
  getSession(sessionId: string): PromiseLike<GetSessionResponse>;
  getWeightsInfoByTinkerPath(tinkerPath: string): PromiseLike<WeightsInfoResponse>;
  getCheckpointArchiveUrlFromTinkerPath(
    tinkerPath: string,
  ): PromiseLike<{ url: string; expires: string | Date }>;
  deleteCheckpointFromTinkerPath(tinkerPath: string): PromiseLike<unknown>;
  publishCheckpointFromTinkerPath(tinkerPath: string): PromiseLike<unknown>;
  unpublishCheckpointFromTinkerPath(tinkerPath: string): PromiseLike<unknown>;
  setCheckpointTtlFromTinkerPath(tinkerPath: string, ttlSeconds: number | null): PromiseLike<unknown>;
  /** Polls the trace export until it is ready and resolves with the signed URL. */
  exportSessionTrace(sessionId: string): PromiseLike<string>;
  getBillingUsage(startingOn: string, endingBefore: string): PromiseLike<BillingUsageResponse>;
  whoami(): PromiseLike<WhoamiResponse>;
}

/** Offset pagination (§3.2). */
export interface PageOptions {
  limit: number;
  offset: number;
}
