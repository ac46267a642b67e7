import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

/**
 * A throwaway verdaccio registry for the release rehearsal: bound to 127.0.0.1 only, storage and
 * users in a temporary directory, `@tinker-ts/*` served only from what was published to it (never
 * proxied, so a same-named package elsewhere cannot stand in for ours), every other package
 * proxied from the upstream registry.
 */

/** The verdaccio config for `dir`, proxying to `upstream`. */
export function verdaccioConfig(dir: string, upstream: string): string {
  return [
    `storage: ${JSON.stringify(join(dir, "storage"))}`,
    "auth:",
    "  htpasswd:",
    `    file: ${JSON.stringify(join(dir, "htpasswd"))}`,
    "    max_users: 1",
    "uplinks:",
    "  upstream:",
    `    url: ${JSON.stringify(upstream)}`,
    "    timeout: 60s",
    "packages:",
    "  '@tinker-ts/*':",
    "    access: $all",
    "    publish: $authenticated",
    "  '**':",
    "    access: $all",
    "    publish: $authenticated",
    "    proxy: upstream",
    "web:",
    "  enable: false",
    "log: { type: stdout, format: pretty, level: warn }",
    "",
  ].join("\n");
}

/** A free TCP port on 127.0.0.1 (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A running registry. */
export interface Registry {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** An auth token of the one user, who may publish. */
  readonly token: string;
  /** Stops the registry process. */
  stop(): Promise<void>;
}

/**
 * Starts verdaccio (`bin`) with its config and storage in `dir`, waits until it answers, and
 * creates the user that publishes. Polls at most `attempts` times, 250 ms apart.
 * @throws Error when it exits or does not answer in time, with its output.
 */
export async function startRegistry(
  bin: string,
  dir: string,
  upstream: string,
  attempts = 240,
): Promise<Registry> {
  const config = join(dir, "config.yaml");
  await writeFile(config, verdaccioConfig(dir, upstream));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(bin, ["--config", config, "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const stop = () => stopChild(child);
  try {
    await waitForPing(url, child, attempts);
    const token = await addUser(url);
    return { url, token, stop };
  } catch (error) {
    await stop();
    throw new Error(`verdaccio did not start: ${(error as Error).message}\n${output}`);
  }
}

async function waitForPing(url: string, child: ChildProcess, attempts: number): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}`);
    const ok = await fetch(new URL("-/ping", url)).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no answer from ${url} after ${attempts} tries`);
}

/** Registers the publishing user through the npm login API and returns its token. */
async function addUser(url: string): Promise<string> {
  const name = "rehearsal";
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password: "rehearsal-password", type: "user", roles: [] }),
  });
  const body = (await response.json()) as { token?: string };
  if (!response.ok || typeof body.token !== "string") {
    throw new Error(`adding a user answered HTTP ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.token;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
