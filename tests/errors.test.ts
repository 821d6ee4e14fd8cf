// Every bad input is a MattingError with its documented code (src/errors.ts), raised before any work
// or allocation it would make pointless, and the engine stays usable afterwards.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting, type MattingErrorCode } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, noiseImage, randomTrimap } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

async function rejection(promise: Promise<unknown>, code: MattingErrorCode): Promise<MattingError> {
  const error = await promise.then(
    () => { throw new Error(`expected a MattingError ${code}, but the call succeeded`); },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MattingError);
  expect((error as MattingError).name).toBe("MattingError");
  expect((error as MattingError).code, (error as Error).message).toBe(code);
  return error as MattingError;
}

const image = noiseImage(9, 8, 1);
const trimap = randomTrimap(9, 8, 2);
// Anything passes through the public types here: these tests are about what JavaScript callers may send.
const estimate = (img: unknown, tri: unknown, options?: unknown) =>
  matting.estimateAlpha(img as never, tri as never, options as never);

describe("input errors", () => {
  it("SIZE_MISMATCH when image and trimap differ in size, naming both sizes", async () => {
    const error = await rejection(estimate(noiseImage(6, 5, 3), { width: 5, height: 6, data: new Uint8Array(30) }), "SIZE_MISMATCH");
    expect(error.message).toMatch(/5x6.*6x5/);
  });

  it("BAD_CHANNELS when the data length fits no channel count", async () => {
    await rejection(estimate({ width: 9, height: 8, data: new Uint8Array(9 * 8 * 2) }, trimap), "BAD_CHANNELS");
    await rejection(estimate({ width: 9, height: 8, data: new Uint8Array(9 * 8 * 3 + 1) }, trimap), "BAD_CHANNELS");
    await rejection(estimate({ width: 9, height: 8, data: new Float32Array(9 * 8 * 4) }, trimap), "BAD_CHANNELS");
    const error = await rejection(estimate(image, { width: 9, height: 8, data: new Uint8Array(9 * 8 * 2) }), "BAD_CHANNELS");
    expect(error.message).toMatch(/trimap/);
    expect(error.message).toContain(String(9 * 8 * 2));
  });

  it("EMPTY_IMAGE for zero width or height", async () => {
    await rejection(estimate({ width: 0, height: 5, data: new Uint8Array(0) }, { width: 0, height: 5, data: new Uint8Array(0) }), "EMPTY_IMAGE");
    await rejection(estimate({ width: 5, height: 0, data: new Uint8Array(0) }, { width: 5, height: 0, data: new Uint8Array(0) }), "EMPTY_IMAGE");
    await rejection(estimate(image, { width: 0, height: 0, data: new Uint8Array(0) }), "EMPTY_IMAGE");
  });

  it("IMAGE_TOO_SMALL when one window does not fit", async () => {
    await rejection(estimate(noiseImage(2, 5, 4), randomTrimap(2, 5, 5)), "IMAGE_TOO_SMALL");
    await rejection(estimate(noiseImage(5, 2, 4), randomTrimap(5, 2, 5)), "IMAGE_TOO_SMALL");
    const error = await rejection(estimate(noiseImage(4, 9, 6), randomTrimap(4, 9, 7), { radius: 2 }), "IMAGE_TOO_SMALL");
    expect(error.message).toMatch(/5x5/);
  });

  // Information flow mixes each unknown pixel's 20 nearest other pixels: an image of fewer than 21 pixels has no
  // such 20 (it read out of bounds before this was refused), and every size from 21 pixels up is solved.
  it.each(["ifm", "combined"] as const)("%s: IMAGE_TOO_SMALL under 21 pixels, an alpha in [0, 1] from 21 up", async (method) => {
    for (let width = 3; width <= 8; width++) {
      for (let height = 3; height <= 8; height++) {
        const n = width * height;
        const photo = noiseImage(width, height, width * 10 + height);
        const labels = { width, height, data: Uint8Array.from({ length: n }, (_, p) => [0, 255, 128][p % 3]) };
        if (n < 21) {
          const error = await rejection(estimate(photo, labels, { method }), "IMAGE_TOO_SMALL");
          expect(error.message).toMatch(/21 pixels/);
          expect(error.details).toMatchObject({ width, height, minimumPixels: 21 });
        } else {
          const { alpha } = await estimate(photo, labels, { method });
          expect(alpha.every((a) => a >= 0 && a <= 1)).toBe(true);
        }
      }
    }
  });

  it.each([NaN, -0.5, 1.5, Infinity, -Infinity])("INVALID_VALUE for %s in a Float32 image or trimap", async (bad) => {
    const data = new Float32Array(9 * 8 * 3).fill(0.5);
    data[3 * 20 + 1] = bad;
    const error = await rejection(estimate({ width: 9, height: 8, data }, trimap), "INVALID_VALUE");
    expect(error.message).toMatch(/image.*x=2, y=2/);
    expect(error.details).toMatchObject({ index: 61 });

    const floatTrimap = Float32Array.from(trimap.data, (v) => v / 255);
    floatTrimap[30] = bad;
    const trimapError = await rejection(estimate(image, { width: 9, height: 8, data: floatTrimap }), "INVALID_VALUE");
    expect(trimapError.message).toMatch(/trimap.*x=3, y=3/);
  });

  it("NO_FOREGROUND and NO_BACKGROUND say which is missing", async () => {
    const noForeground = Uint8Array.from(trimap.data, (v) => (v === 255 ? 128 : v));
    const fg = await rejection(estimate(image, { width: 9, height: 8, data: noForeground }), "NO_FOREGROUND");
    expect(fg.message).toMatch(/foreground/);
    const noBackground = Uint8Array.from(trimap.data, (v) => (v === 0 ? 128 : v));
    const bg = await rejection(estimate(image, { width: 9, height: 8, data: noBackground }), "NO_BACKGROUND");
    expect(bg.message).toMatch(/background/);
    await rejection(estimate(image, { width: 9, height: 8, data: new Float32Array(72).fill(0.5) }), "NO_FOREGROUND");
  });

  it.each([
    ["null image", null, trimap],
    ["string image", "photo.png", trimap],
    ["Int16Array data", { width: 9, height: 8, data: new Int16Array(9 * 8 * 3) }, trimap],
    ["Float64Array data", { width: 9, height: 8, data: new Float64Array(9 * 8 * 3) }, trimap],
    ["plain array data", { width: 9, height: 8, data: Array.from({ length: 9 * 8 * 3 }, () => 0) }, trimap],
    ["missing data", { width: 9, height: 8 }, trimap],
    ["negative width", { width: -9, height: 8, data: image.data }, trimap],
    ["fractional height", { width: 9, height: 8.5, data: image.data }, trimap],
    ["string width", { width: "9", height: 8, data: image.data }, trimap],
    ["null trimap", image, null],
    ["trimap as DataView", image, { width: 9, height: 8, data: new DataView(new ArrayBuffer(72)) }],
  ])("INVALID_INPUT for %s", async (_, img, tri) => {
    await rejection(estimate(img, tri), "INVALID_INPUT");
  });

  it.each([
    ["epsilon 0", { epsilon: 0 }],
    ["epsilon NaN", { epsilon: NaN }],
    ["epsilon negative", { epsilon: -1e-7 }],
    ["epsilon below 1e-12 (flat windows would turn to rounding noise)", { epsilon: 1e-13 }],
    ["epsilon 1e-60", { epsilon: 1e-60 }],
    ["epsilon above 1", { epsilon: 1.5 }],
    ["radius 0", { radius: 0 }],
    ["radius 1.5", { radius: 1.5 }],
    ["radius 9", { radius: 9 }],
    ["radius as a string", { radius: "1" }],
    ["tolerance 2", { tolerance: 2 }],
    ["tolerance 0", { tolerance: 0 }],
    ["maxIterations 0", { maxIterations: 0 }],
    ["maxIterations 2.5", { maxIterations: 2.5 }],
    ["onProgress not a function", { onProgress: "log" }],
    ["signal not an AbortSignal", { signal: {} }],
    ["options null", null],
    ["options a number", 3],
  ])("INVALID_OPTION for %s", async (_, options) => {
    await rejection(estimate(image, trimap, options), "INVALID_OPTION");
  });
});

describe("TOO_LARGE", () => {
  it("rejects a side beyond the supported limit before looking at the data", async () => {
    const error = await rejection(estimate({ width: 1_048_577, height: 1, data: new Uint8Array(3) }, trimap), "TOO_LARGE");
    expect(error.message).toContain("1048577");
  });

  it("rejects an image whose working set exceeds wasm32 memory, with the numbers, without growing memory", async () => {
    // 12000x12000 needs well over 30 bytes of wasm memory per pixel (f64 RGB alone is 24): > 4 GiB.
    // The arrays are never read, so the operating system never commits their pages.
    const width = 12_000, height = 12_000;
    const before = matting.wasmMemoryBytes;
    const error = await rejection(
      estimate({ width, height, data: new Uint8Array(width * height * 3) }, { width, height, data: new Uint8Array(width * height) }),
      "TOO_LARGE",
    );
    expect(error.message).toMatch(/12000x12000/);
    expect(error.message).toMatch(/GiB/);
    expect(Number(error.details.neededBytes)).toBeGreaterThan(Number(error.details.limitBytes));
    expect(matting.wasmMemoryBytes).toBe(before);
  });

  it("rejects a Laplacian too large for memory (radius 8, all unknown) before building it, and stays usable", async () => {
    // 640 000 unknowns with (4r+1)^2 = 1089 neighbours each: several GiB of matrix alone.
    const width = 800, height = 800;
    const data = new Uint8Array(width * height).fill(128);
    data[0] = 255;
    data[data.length - 1] = 0;
    const error = await rejection(estimate(noiseImage(width, height, 8), { width, height, data }, { radius: 8 }), "TOO_LARGE");
    expect(error.message).toMatch(/unknown pixels/);
    expect(matting.wasmMemoryBytes).toBeLessThan(256 * 1024 * 1024);
    const { alpha } = await estimate(image, trimap);
    expect(alpha).toHaveLength(72);
  });
});

describe("ABORTED", () => {
  it("rejects at once for an already-aborted signal, with the signal's reason as cause", async () => {
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    controller.abort(reason);
    const error = await rejection(estimate(image, trimap, { signal: controller.signal }), "ABORTED");
    expect(error.cause).toBe(reason);
  });

  it("stops a long solve when the signal fires mid-way, and the engine stays usable", async () => {
    const width = 200, height = 200;
    const before = await estimate(image, trimap);
    const controller = new AbortController();
    let solveReports = 0;
    let abortedAt = 0;
    // The timer starts at the first solve report, so neither a slow Laplacian build on a loaded machine
    // nor a fast solver can make the abort miss the solve.
    const onProgress = (p: { phase: string }) => {
      if (p.phase === "solve" && solveReports++ === 0) setTimeout(() => { abortedAt = performance.now(); controller.abort(); }, 0);
    };
    await rejection(
      estimate(noiseImage(width, height, 9), bandTrimap(width, height, 10, 189), {
        tolerance: 1e-15, maxIterations: 1_000_000, signal: controller.signal, onProgress,
      }),
      "ABORTED",
    );
    // Rejected within a few solver slices of the signal, not after the million iterations.
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(2_000);
    expect(solveReports).toBeGreaterThanOrEqual(1);
    const after = await estimate(image, trimap);
    expect(after.alpha).toEqual(before.alpha);
  });
});

describe("no unknown pixel: the trimap is the answer", () => {
  it.each([
    ["foreground and background", (p: number) => (p % 3 === 0 ? 255 : 0)],
    ["all foreground", () => 255],
    ["all background", () => 0],
  ])("%s", async (_, value) => {
    const data = Uint8Array.from({ length: 72 }, (__, p) => value(p));
    const { alpha, stats } = await estimate(image, { width: 9, height: 8, data });
    expect(alpha).toEqual(Float32Array.from(data, (v) => v / 255));
    expect(stats).toMatchObject({ unknownPixels: 0, iterations: 0, converged: true });
  });

  it("a float trimap of sure values only gives exact 0 and 1", async () => {
    const data = Float32Array.from({ length: 72 }, (_, p) => (p % 2 ? 0.95 : 0.05));
    const { alpha } = await estimate(image, { width: 9, height: 8, data });
    expect(alpha).toEqual(Float32Array.from(data, (v) => (v > 0.5 ? 1 : 0)));
  });

  it("an image smaller than one window is IMAGE_TOO_SMALL even with nothing unknown: shapes are checked before pixels", async () => {
    await rejection(estimate(noiseImage(2, 2, 1), { width: 2, height: 2, data: new Uint8Array(4).fill(255) }), "IMAGE_TOO_SMALL");
  });
});

describe("accepted inputs that are easy to get wrong", () => {
  it("an ImageData-like RGBA Uint8ClampedArray trimap reads its first channel", async () => {
    const expected = await estimate(image, trimap);
    const rgba = new Uint8ClampedArray(72 * 4);
    trimap.data.forEach((v, p) => rgba.set([v, 255 - v, 7, 255], 4 * p));
    const { alpha } = await estimate(image, { width: 9, height: 8, data: rgba });
    expect(alpha).toEqual(expected.alpha);
  });

  it("typed-array views with an offset into a larger buffer", async () => {
    const expected = await estimate(image, trimap);
    const imageBuffer = new Uint8Array(image.data.length + 5);
    imageBuffer.set(image.data, 5);
    const trimapBuffer = new Uint8Array(trimap.data.length + 3);
    trimapBuffer.set(trimap.data, 3);
    const { alpha } = await estimate(
      { width: 9, height: 8, data: imageBuffer.subarray(5) },
      { width: 9, height: 8, data: trimapBuffer.subarray(3) },
    );
    expect(alpha).toEqual(expected.alpha);
  });
});
