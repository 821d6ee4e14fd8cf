// Shared by the CLI tests: run the built command line as a user would, on files the tests write with sharp.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import { constants, deflateRawSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, expect } from "vitest";
import { estimateAlpha } from "../dist/entry/node.js";

const root = fileURLToPath(new URL("..", import.meta.url));
/** The built command line's entry point. */
export const cli = join(root, "dist/cli/main.js");
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

export interface CliOptions {
  /** Added to the environment. */
  env?: Record<string, string>;
  /** Flags for node itself, before the CLI's path. */
  nodeArgs?: string[];
  /** A command that runs node, such as ["prlimit", "--fsize=600"]. */
  wrapper?: string[];
  /** Kills the CLI (SIGKILL) if it has not finished by then, so a hang fails the test rather than stalling it. */
  killAfterMs?: number;
}

/** Starts the built CLI; `outcome` settles when it has exited and its output is read. */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; outcome: Promise<Outcome> } {
  const command = [...(options.wrapper ?? []), process.execPath, ...(options.nodeArgs ?? []), cli, ...args];
  const child = spawn(command[0], command.slice(1), { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  const outcome = new Promise<Outcome>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, outcome };
}

/** The bit of `signal` in the masks of /proc/PID/status ("SigCgt: 0000000000004a02": bit n - 1 for signal n). */
const signalBit = (signal: "SIGINT" | "SIGTERM") => 1n << BigInt(osConstants.signals[signal] - 1);

async function signalMasks(pid: number): Promise<Record<string, bigint>> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Object.fromEntries([...status.matchAll(/^(Sig\w+|ShdPnd):\s*([0-9a-f]+)$/gm)].map(([, name, hex]) => [name, BigInt(`0x${hex}`)]));
}

/**
 * Waits (Linux /proc) until `pid` has no `signal` pending: two signals of one kind sent while the first is still
 * pending merge into one. (Node catches SIGINT and SIGTERM from its start, so this says nothing about whether the
 * CLI listens for them yet: see `listening`.)
 */
export async function untilNonePending(pid: number, signal: "SIGINT" | "SIGTERM", timeoutMs = 30_000): Promise<void> {
  const bit = signalBit(signal);
  for (const started = Date.now(); Date.now() - started < timeoutMs; await new Promise((done) => setTimeout(done, 20))) {
    const masks = await signalMasks(pid);
    if (((masks.SigPnd | masks.ShdPnd) & bit) === 0n) return;
  }
  throw new Error(`process ${pid} still had ${signal} pending after ${timeoutMs} ms`);
}

/** Options for startCli that preload tests/fixtures/report-stop-listeners.cjs, reporting to `file`. */
export function reportingListeners(file: string): CliOptions {
  return { nodeArgs: ["--require", join(root, "tests/fixtures/report-stop-listeners.cjs")], env: { MATTING_TEST_LISTENING_FILE: file } };
}

/**
 * Waits until a CLI started with reportingListeners(file) listens for `signal` itself. A fixed delay instead fails on
 * a loaded machine, where starting node alone can take seconds, and node's own handler then kills it (code null).
 */
export async function listening(file: string, signal: "SIGINT" | "SIGTERM", timeoutMs = 30_000): Promise<void> {
  for (const started = Date.now(); Date.now() - started < timeoutMs; await new Promise((done) => setTimeout(done, 20))) {
    const lines = await readFile(file, "utf8").catch(() => "");
    if (lines.split("\n").includes(signal)) return;
  }
  throw new Error(`the CLI did not listen for ${signal} within ${timeoutMs} ms`);
}

export function runCli(args: string[]): Promise<Outcome> {
  return startCli(args).outcome;
}

/** CRC-32 (ISO 3309, as PNG chunks use), bit by bit: the few bytes of a chunk header need no table. */
function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, "latin1");
  chunk.set(data, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/**
 * A zlib stream of `length` zero bytes, built without compressing them all: one megabyte of zeros compressed
 * and sync-flushed is a run of deflate blocks that refer only to themselves, so copies of it can follow each
 * other; a final block for the rest, and the Adler-32 of n zeros, (n mod 65521) << 16 | 1, close it.
 */
function zerosDeflated(length: number): Buffer {
  const piece = 1 << 20;
  const block = deflateRawSync(Buffer.alloc(piece), { finishFlush: constants.Z_SYNC_FLUSH });
  const last = deflateRawSync(Buffer.alloc(length % piece));
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((length % 65521) << 16) | 1) >>> 0);
  return Buffer.concat([Buffer.of(0x78, 0x01), ...Array<Buffer>(Math.floor(length / piece)).fill(block), last, adler]);
}

/**
 * A valid PNG of all-zero pixels whose header declares `width` x `height`: a decompression bomb, a few
 * kilobytes that decode to gigabytes. Colour type 0 is grey, 2 RGB; `bitDepth` 1 to 16.
 */
export function zeroPng(width: number, height: number, bitDepth: 1 | 8 | 16, colourType: 0 | 2): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = bitDepth;
  header[9] = colourType;
  const rowBytes = 1 + Math.ceil((width * (colourType === 2 ? 3 : 1) * bitDepth) / 8); // a filter byte, then samples
  const signature = Buffer.of(137, 80, 78, 71, 13, 10, 26, 10);
  return Buffer.concat([signature, pngChunk("IHDR", header), pngChunk("IDAT", zerosDeflated(rowBytes * height)), pngChunk("IEND", Buffer.alloc(0))]);
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
