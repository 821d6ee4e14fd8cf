// Shared by the CLI tests: run the built command line as a user would, on files the tests write with sharp.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, expect } from "vitest";
import { estimateAlpha } from "../dist/entry/node.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist/cli/main.js");
let dir: string;

/** The calling test file's temporary folder. */
export const tempDir = () => dir;

/** Gives the calling test file a temporary folder for its images, removed afterwards. */
export function useTempDir(): void {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "matting-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
}

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], interruptAfterMs?: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    if (interruptAfterMs !== undefined) setTimeout(() => child.kill("SIGINT"), interruptAfterMs);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export const file = (name: string) => join(dir, name);
export const lines = (text: string) => text.split("\n").filter((line) => line.length > 0);

/** Reads an 8-bit PNG as written by the CLI, checking that it has `channels` channels. */
export async function readPng(path: string, channels: 1 | 3 | 4) {
  const meta = await sharp(path).metadata();
  expect([meta.format, meta.channels, meta.depth]).toEqual(["png", channels, "uchar"]);
  // sharp expands grey to RGB on raw output unless told to keep the one channel.
  const decoder = channels === 1 ? sharp(path).extractChannel(0) : sharp(path);
  const { data, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(channels);
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

export const readAlphaPng = (path: string) => readPng(path, 1);

export function maxLevelDifference(got: Uint8Array, alpha: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - alpha[i] * 255));
  return worst;
}

// A soft edge between a warm foreground and a cool background, both varying smoothly, with an unknown band.
export const W = 32, H = 24;
export function scene(width = W, height = H) {
  const rgb = new Uint8Array(width * height * 3);
  const trimap = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const edge = width * 0.45 + 3 * Math.sin(y / 3);
      const a = Math.min(1, Math.max(0, (edge + 3 - x) / 6));
      const fg = [210 - 2 * y, 120 + x, 60];
      const bg = [40, 90 + 2 * y, 200 - x];
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(a * fg[c] + (1 - a) * bg[c]);
      trimap[i] = x < width * 0.3 ? 255 : x >= width * 0.7 ? 0 : 128;
    }
  }
  return { width, height, rgb, trimap };
}

export const raw = (data: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4) =>
  sharp(data, { raw: { width, height, channels } });

export const pic = scene();
export const trimapPath = () => file("trimap.png");

export async function writeTrimap(name: string, data: Uint8Array, width: number, height: number): Promise<string> {
  await raw(data, width, height, 1).toColourspace("b-w").png().toFile(file(name));
  return file(name);
}

export async function referenceAlpha(data: Uint8Array | Float32Array, width = W, height = H, trimap = pic.trimap): Promise<Float32Array> {
  return (await estimateAlpha({ width, height, data }, { width, height, data: trimap })).alpha;
}
