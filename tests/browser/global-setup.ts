// Runs in Node before the browser tests: crops a patch of the bundled lemur (image + trimap) and computes
// Node's alpha on it, then hands all three to the browser through vitest's provide / inject.
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import type { TestProject } from "vitest/node";
import { estimateAlpha } from "../../dist/entry/node.js";

export interface LemurPatch {
  width: number;
  height: number;
  /** RGBA, 0..255. */
  image: number[];
  /** One channel: 0 background, 255 foreground, else unknown. */
  trimap: number[];
  alpha: number[];
}

declare module "vitest" {
  export interface ProvidedContext {
    lemurPatch: LemurPatch;
  }
}

// A 96 x 96 window over the lemur's fur edge: about 7800 unknown pixels beside sure foreground and background.
const patch = { left: 144, top: 320, width: 96, height: 96 };

async function readPatch(name: string, channels: 1 | 4): Promise<Uint8Array> {
  const path = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
  let pipeline = sharp(path).extract(patch);
  pipeline = channels === 1 ? pipeline.extractChannel(0) : pipeline.ensureAlpha();
  return new Uint8Array(await pipeline.raw().toBuffer());
}

export default async function setup(project: TestProject): Promise<void> {
  const { width, height } = patch;
  const image = await readPatch("lemur.png", 4);
  const trimap = await readPatch("lemur_trimap.png", 1);
  const { alpha } = await estimateAlpha({ width, height, data: image }, { width, height, data: trimap });
  project.provide("lemurPatch", { width, height, image: Array.from(image), trimap: Array.from(trimap), alpha: Array.from(alpha) });
}
