import type { TestProject } from "vitest/node";
import { buildBin } from "./build-bin.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the bundled `tinker` executable (see build-bin.ts). */
    cliBin: string;
  }
}

/** Builds the `tinker` executable once for every test file. */
export default async function setup(project: TestProject): Promise<void> {
  project.provide("cliBin", await buildBin());
}
