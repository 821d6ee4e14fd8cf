// The BUILT browser entry in Chromium: it fetches dist/matting.wasm beside itself and must give Node's
// alpha on a real image patch; errors must surface as MattingError with the same codes as in Node.
import { describe, expect, inject, it } from "vitest";
import { createMatting, estimateAlpha, MattingError, type RGBImage, type Trimap } from "../../dist/entry/browser.js";

const patch = inject("lemurPatch");
const { width, height } = patch;
const image: RGBImage = { width, height, data: new Uint8ClampedArray(patch.image) };
const trimap: Trimap = { width, height, data: new Uint8Array(patch.trimap) };
const wasmUrl = new URL("../../dist/matting.wasm", import.meta.url);

function maxDifference(alpha: Float32Array, expected: number[]): number {
  expect(alpha.length).toBe(expected.length);
  let max = 0;
  for (let i = 0; i < alpha.length; i++) max = Math.max(max, Math.abs(alpha[i] - expected[i]));
  return max;
}

async function rejection(promise: Promise<unknown>): Promise<MattingError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MattingError);
  return error as MattingError;
}

describe("browser entry in Chromium", () => {
  it("runs in a real browser", () => {
    expect(navigator.userAgent).toMatch(/Chrome\//);
    expect(typeof window).toBe("object");
  });

  it("gives Node's alpha on a lemur patch (within 1e-6), fetching the wasm over HTTP", async () => {
    const { alpha, stats } = await estimateAlpha(image, trimap);
    expect(stats.converged).toBe(true);
    expect(maxDifference(alpha, patch.alpha)).toBeLessThanOrEqual(1e-6);
    const fetched = performance.getEntriesByType("resource").map((entry) => entry.name).filter((name) => name.includes("matting.wasm"));
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched[0]).toMatch(/^https?:/);
  });

  it("accepts a precompiled WebAssembly.Module, the bytes, or a Response", async () => {
    const module = await WebAssembly.compileStreaming(fetch(wasmUrl));
    const bytes = await (await fetch(wasmUrl)).arrayBuffer();
    for (const source of [module, bytes, fetch(wasmUrl)]) {
      const matting = await createMatting({ module: source });
      const { alpha } = await matting.estimateAlpha(image, trimap);
      expect(maxDifference(alpha, patch.alpha)).toBeLessThanOrEqual(1e-6);
      expect(matting.wasmMemoryBytes).toBeGreaterThan(0);
    }
  });

  it("reports bytes that are not WebAssembly as WASM_UNAVAILABLE", async () => {
    expect((await rejection(createMatting({ module: new Uint8Array([0, 1, 2, 3]) }))).code).toBe("WASM_UNAVAILABLE");
  });

  it.each([
    ["SIZE_MISMATCH", () => estimateAlpha(image, { width: width - 1, height, data: new Uint8Array((width - 1) * height) })],
    ["NO_FOREGROUND", () => estimateAlpha(image, { width, height, data: trimap.data.map((v) => (v === 255 ? 128 : v)) })],
    ["NO_BACKGROUND", () => estimateAlpha(image, { width, height, data: trimap.data.map((v) => (v === 0 ? 128 : v)) })],
    ["BAD_CHANNELS", () => estimateAlpha({ width, height, data: new Uint8Array(width * height * 2) }, trimap)],
    ["INVALID_OPTION", () => estimateAlpha(image, trimap, { radius: 0 })],
    ["INVALID_VALUE", () => estimateAlpha({ width, height, data: new Float32Array(width * height * 3).fill(Number.NaN) }, trimap)],
    ["ABORTED", () => estimateAlpha(image, trimap, { signal: AbortSignal.abort() })],
  ] as const)("rejects with MattingError %s", async (code, call) => {
    const error = await rejection(call());
    expect(error.code).toBe(code);
    expect(error.name).toBe("MattingError");
  });

  it("still answers correctly after the failed calls", async () => {
    const { alpha } = await estimateAlpha(image, trimap);
    expect(maxDifference(alpha, patch.alpha)).toBeLessThanOrEqual(1e-6);
  });
});
