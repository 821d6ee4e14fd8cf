// The built command line against hostile inputs: decompression bombs, devices and pipes are refused from the
// file's header or type, before anything is decoded, in bounded memory.
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError } from "../dist/entry/node.js";
import { DEFAULT_MAX_PIXELS, wasmBytesAtLeast } from "../dist/cli/limits.js";
import { file, lines, pic, raw, startCli, tempDir, useTempDir, W, H, writeTrimap, zeroPng } from "./cli-helpers.js";

useTempDir();

/** Peak resident memory a refusal may take: node and sharp loaded, no picture decoded. */
const REFUSAL_RSS_BYTES = 300 * 1024 * 1024;

/**
 * Runs the CLI with a preloaded module that records its peak resident set size as it exits, so the test can
 * tell that nothing large was decoded (a 16383x16383 decode alone takes over a gigabyte).
 */
async function runMeasured(args: string[], extraEnv: Record<string, string> = {}) {
  const rssFile = file(`rss-${Math.random().toString(36).slice(2)}.txt`);
  const { outcome } = startCli(args, {
    nodeArgs: ["--import", file("rss-probe.mjs")], env: { MATTING_RSS_FILE: rssFile, ...extraEnv }, killAfterMs: 30_000,
  });
  const result = await outcome;
  const peakBytes = Number(await readFile(rssFile, "utf8")) * 1024; // maxRSS is in kilobytes
  return { ...result, peakBytes };
}

describe("matting CLI: inputs are checked on their header and file type before decoding", () => {
  beforeAll(async () => {
    await writeFile(file("rss-probe.mjs"), [
      'import { writeFileSync } from "node:fs";',
      'process.on("exit", () => writeFileSync(process.env.MATTING_RSS_FILE, String(process.resourceUsage().maxRSS)));',
    ].join("\n"));
    await writeFile(file("bomb-1bit.png"), zeroPng(16383, 16383, 1, 0));
    await writeFile(file("bomb-16bit.png"), zeroPng(16383, 16383, 16, 2));
    await raw(pic.rgb, W, H, 3).png().toFile(file("ok.png"));
    await writeTrimap("ok-trimap.png", pic.trimap, W, H);
  });

  it("a 33 KB 1-bit PNG of 16383x16383 pixels, as photo and trimap, is refused (TOO_LARGE) in little memory", async () => {
    const bomb = file("bomb-1bit.png");
    expect((await readFile(bomb)).length).toBeLessThan(40_000);
    const result = await runMeasured([bomb, bomb, "--alpha", file("never.png")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(lines(result.stderr)).toEqual([
      `matting: ${bomb}: the file declares 16383x16383 pixels (268.4 million); at most 100 million are decoded (--max-pixels) (TOO_LARGE)`,
    ]);
    expect(result.peakBytes).toBeLessThan(REFUSAL_RSS_BYTES);
  });

  it("a 1.6 MB 16-bit RGB PNG of 16383x16383 under a raised --max-pixels is refused by the wasm32 budget, in little memory", async () => {
    const bomb = file("bomb-16bit.png");
    const result = await runMeasured([bomb, file("bomb-1bit.png"), "--alpha", file("never.png"), "--max-pixels", "300000000"]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `matting: ${bomb}: a 16383x16383 photo (268.4 million pixels) with 16-bit samples needs at least 11.25 GiB ` +
      "of WebAssembly memory to matte; wasm32 allows 4 GiB (TOO_LARGE)",
    ]);
    expect(result.peakBytes).toBeLessThan(REFUSAL_RSS_BYTES);
  });

  it("a bomb trimap, mask or background beside a small photo is refused before anything is decoded", async () => {
    const bomb = file("bomb-1bit.png");
    const runs = [
      [file("ok.png"), bomb, "--alpha", file("never.png")],
      [file("ok.png"), "--mask", bomb, "--trimap-out", file("never.png")],
      [file("ok.png"), file("ok-trimap.png"), "--background", bomb, "--composite", file("never.png")],
      // Within --max-pixels, a trimap of another size than the photo is refused on its header too.
      [file("ok.png"), bomb, "--alpha", file("never.png"), "--max-pixels", "300000000"],
    ];
    const results = await Promise.all(runs.map((args) => runMeasured(args)));
    for (const [i, result] of results.entries()) {
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toContain(`matting: ${bomb}: `);
      expect(result.stderr).toContain(i < 3 ? "(TOO_LARGE)" : `is 16383x16383 but the image is ${W}x${H} (SIZE_MISMATCH)`);
      expect(result.peakBytes).toBeLessThan(REFUSAL_RSS_BYTES);
    }
  });

  it("--max-pixels sets the limit: the same photo is refused one pixel below its size and matted at it", async () => {
    const refused = await runMeasured([file("ok.png"), file("ok-trimap.png"), "--alpha", file("limit.png"), "--max-pixels", String(W * H - 1)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`declares ${W}x${H} pixels (${W * H}); at most ${W * H - 1} are decoded (--max-pixels) (TOO_LARGE)`);
    const accepted = await runMeasured([file("ok.png"), file("ok-trimap.png"), "--alpha", file("limit.png"), "--max-pixels", String(W * H), "-q"]);
    expect(accepted).toMatchObject({ code: 0, stdout: "", stderr: "" });
    expect(DEFAULT_MAX_PIXELS).toBe(100_000_000);
  });

  it("a device, a named pipe or a folder is refused as an input without reading it", async () => {
    const fifo = file("pipe.png");
    execFileSync("mkfifo", [fifo]);
    const cases = [
      { path: "/dev/zero", kind: "a character device" },
      { path: fifo, kind: "a named pipe" },
      { path: tempDir(), kind: "a directory" },
    ];
    const runs = cases.flatMap(({ path, kind }) => [[path, file("ok-trimap.png")], [file("ok.png"), path]].map((args) => ({ path, kind, args })));
    const results = await Promise.all(runs.map(({ args }) => runMeasured([...args, "--alpha", file("never.png")])));
    for (const [i, result] of results.entries()) {
      const { path, kind } = runs[i];
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toEqual([`matting: ${path}: cannot read: ${kind}, not an image file (READ_FAILED)`]);
      expect(result.peakBytes).toBeLessThan(REFUSAL_RSS_BYTES);
    }
  });

  it("the CLI's wasm32 floor is never more than the library asks for (8-bit and 16-bit photos)", async () => {
    // An engine held at its initial memory refuses any real image; its TOO_LARGE says how much it needed.
    const engine = await createMatting({ maxMemoryBytes: 1 });
    try {
      for (const [width, height] of [[1000, 700], [640, 1601]]) {
        const n = width * height;
        const trimap = { width, height, data: Uint8Array.from({ length: n }, (_, i) => (i % width < 10 ? 255 : i % width > width - 10 ? 0 : 128)) };
        for (const sixteenBit of [false, true]) {
          const image = { width, height, data: sixteenBit ? new Float32Array(n * 3).fill(0.5) : new Uint8Array(n * 3).fill(128) };
          const error = await engine.estimateAlpha(image, trimap).then(() => undefined, (e: unknown) => e);
          expect(error).toBeInstanceOf(MattingError);
          expect((error as MattingError).code).toBe("TOO_LARGE");
          expect((error as MattingError).details.neededBytes).toBeGreaterThanOrEqual(wasmBytesAtLeast(n, sixteenBit));
        }
      }
    } finally {
      engine.close();
    }
  });
});
