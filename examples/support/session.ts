import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceClient, type ServiceClientOptions } from "@tinker-ts/clients";
import { getTokenizer, type HubOptions, type Tokenizer } from "@tinker-ts/tokenizer";
import type { EmulatorInfo } from "@tinker-ts/types";
import { seedQwen3TokenizerCache } from "./hub-cache.js";
import { openTarget, type Target, type TargetOptions } from "./target.js";

/** The base model every example fine-tunes (its tokenizer ships with the repository). */
export const BASE_MODEL = "Qwen/Qwen3-8B";

/**
 * Learning rates per kind of server. tinker-local's tiny model is a small random network whose only
 * trainable parts are LoRA adapters: it learns at about 1e-2 (apps/local-server/src/tiny/README.md).
 * An 8B model on the real service wants the cookbook's order of magnitude.
 */
export const LEARNING_RATES = { emulator: 2e-2, service: 2e-4 } as const;

/**
 * How to name the model a session trains, honestly: on tinker-local's tiny backend it is a small
 * LoRA model that only shares the base model's tokenizer.
 */
export function describeModel(baseModel: string, emulator: EmulatorInfo | undefined): string {
  if (emulator?.backend === "tiny") {
    const short = baseModel.slice(baseModel.indexOf("/") + 1);
    return `tiny LoRA model with ${short}'s tokenizer, emulating ${baseModel}`;
  }
  if (emulator !== undefined)
    return `${baseModel} on tinker-local's ${emulator.backend} backend (no real model)`;
  return baseModel;
}

/** Options of {@link openExampleSession}. */
export interface ExampleSessionOptions extends Omit<TargetOptions, "hub"> {
  /** Metadata attached to the Tinker session (shown by `tinker session list`). */
  readonly userMetadata?: Readonly<Record<string, string>>;
  /** Extra ServiceClient options (instrumentation, logger …). */
  readonly client?: Omit<ServiceClientOptions, "apiKey" | "baseUrl">;
}

/** Everything an example needs: a connected ServiceClient, the base model and its tokenizer. */
export interface ExampleSession {
  readonly target: Target;
  readonly service: ServiceClient;
  readonly baseModel: string;
  /** The base model's real tokenizer (Qwen3), loaded offline from a seeded temporary Hub cache. */
  readonly tokenizer: Tokenizer;
  /** Hub options of that cache (pass them to `getTokenizer()` of a training or sampling client). */
  readonly hub: HubOptions;
  /**
   * What the server says about itself when it is tinker-local (`ServiceClient.getEmulatorInfo()`),
   * whether it runs in this process or elsewhere; undefined on the real service.
   */
  readonly emulator: EmulatorInfo | undefined;
  /** What the examples talk to, for a human: the target, named as the server identified itself. */
  readonly serviceDescription: string;
  /** The trained model, named honestly (see {@link describeModel}). */
  readonly modelDescription: string;
  /** A learning rate suited to the server, as it identified itself (see {@link LEARNING_RATES}). */
  readonly learningRate: number;
  /** Closes the client, stops the embedded server and removes the temporary files. */
  close(): Promise<void>;
}

/**
 * Opens what an example runs against (see `openTarget`): the target, a temporary Hub cache
 * seeded with the Qwen3 tokenizer, the tokenizer itself and a ServiceClient. Against the local
 * server the client ignores the caller's Tinker environment and credentials file, so a stray
 * `TINKER_PROJECT_ID` cannot leak into an offline run.
 */
export async function openExampleSession(options: ExampleSessionOptions = {}): Promise<ExampleSession> {
  const workDir = await mkdtemp(join(tmpdir(), "tinker-ts-example-"));
  const cleanups: Array<() => Promise<void>> = [() => rm(workDir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const hub = await seedQwen3TokenizerCache(join(workDir, "hub"));
    const target = await openTarget({ ...options, hub });
    cleanups.push(() => target.close());
    const tokenizer = await getTokenizer(BASE_MODEL, hub);
    const isolated: Partial<ServiceClientOptions> =
      target.kind === "local" ? { env: {}, credentialsFile: false, telemetry: false } : {};
    const service = new ServiceClient({
      ...isolated,
      ...options.client,
      apiKey: target.apiKey,
      ...(target.baseUrl === undefined ? {} : { baseUrl: target.baseUrl }),
      ...(options.userMetadata === undefined ? {} : { userMetadata: options.userMetadata }),
    });
    cleanups.push(() => service.close());
    const emulator = await service.getEmulatorInfo();
    return {
      target,
      service,
      baseModel: BASE_MODEL,
      tokenizer,
      hub,
      emulator,
      serviceDescription:
        target.kind === "remote" && emulator !== undefined
          ? `tinker-local ${emulator.version} at ${target.baseUrl} (backend ${emulator.backend}; recognised by its client config)`
          : target.description,
      modelDescription: describeModel(BASE_MODEL, emulator),
      learningRate: emulator === undefined ? LEARNING_RATES.service : LEARNING_RATES.emulator,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
