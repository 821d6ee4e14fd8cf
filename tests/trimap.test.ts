// Trimap helpers on hand-made masks, and the exact distance transform against brute force.
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../dist/engine.js";
import { createMatting, MattingError, type Matting } from "../dist/entry/node.js";
import { compiledModule, makeEngine, random } from "./helpers.js";

let matting: Matting;
let engine: Engine;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
  engine = await makeEngine();
});

/** Squared distances from the wasm kernel: to the nearest pixel whose mask byte equals target. */
function wasmSquaredDistances(mask: Uint8Array, target: number, width: number, height: number): Promise<Float64Array> {
  return engine.run((arena) => {
    const k = engine.kernels;
    const maskPtr = arena.copyIn(mask);
    const out = arena.alloc(width * height * 8);
    const scratch = arena.alloc(k.distanceScratchBytes(width, height));
    k.squaredDistances(maskPtr, target, width, height, out, scratch);
    return arena.f64(out, width * height).slice();
  });
}

/** O(n^2) reference: the minimum over all target pixels of dx^2 + dy^2. */
function bruteSquaredDistances(mask: Uint8Array, target: number, width: number, height: number): Float64Array {
  const out = new Float64Array(width * height).fill(Infinity);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let best = Infinity;
      for (let v = 0; v < height; v++) {
        for (let u = 0; u < width; u++) {
          if (mask[v * width + u] === target) best = Math.min(best, (x - u) ** 2 + (y - v) ** 2);
        }
      }
      out[y * width + x] = best;
    }
  }
  return out;
}

/** Rows of characters -> bytes: "#" -> 255, "." -> 0, "?" -> 128. */
function picture(rows: string[]): { width: number; height: number; data: Uint8Array } {
  const codes: Record<string, number> = { "#": 255, ".": 0, "?": 128 };
  return { width: rows[0].length, height: rows.length, data: Uint8Array.from(rows.join(""), (ch) => codes[ch]) };
}

describe("squared distance transform", () => {
  it("matches brute force on random masks of many shapes and densities", async () => {
    const next = random(1);
    const sizes = [[1, 1], [1, 9], [9, 1], [2, 2], [17, 5], [5, 17], [23, 19], [32, 32], [40, 7]];
    for (const [width, height] of sizes) {
      for (const density of [0, 0.01, 0.1, 0.5, 0.97, 1]) {
        const mask = Uint8Array.from({ length: width * height }, () => (next() < density ? 1 : 0));
        const expected = bruteSquaredDistances(mask, 1, width, height);
        expect(await wasmSquaredDistances(mask, 1, width, height), `${width}x${height} density ${density}`).toEqual(expected);
      }
    }
  });

  it("is exact far from a single seed pixel (distances beyond any 3x3 erosion count)", async () => {
    const width = 200, height = 150;
    const mask = new Uint8Array(width * height);
    mask[37 * width + 11] = 1;
    const d = await wasmSquaredDistances(mask, 1, width, height);
    expect(d[149 * width + 199]).toBe((199 - 11) ** 2 + (149 - 37) ** 2);
    expect(d[0]).toBe(11 ** 2 + 37 ** 2);
  });
});

describe("trimapFromMask", () => {
  it("puts bands of the given widths on each side of a hand-made square's edge", async () => {
    const mask = picture([
      "...........",
      "...........",
      "...#####...",
      "...#####...",
      "...#####...",
      "...#####...",
      "...#####...",
      "...........",
      "...........",
    ]);
    const trimap = await matting.trimapFromMask(mask, { foreground: 1, background: 1 });
    expect(trimap).toEqual(picture([
      "...........",
      "...?????...",
      "..???????..",
      "..??###??..",
      "..??###??..",
      "..??###??..",
      "..???????..",
      "...?????...",
      "...........",
    ]));
    // Band 2 outside: diagonal corners at distance sqrt(2) join the band, sqrt(5) and sqrt(8) do not.
    const wide = await matting.trimapFromMask(mask, { foreground: 0, background: 2 });
    expect(wide).toEqual(picture([
      "...?????...",
      "..???????..",
      ".??#####??.",
      ".??#####??.",
      ".??#####??.",
      ".??#####??.",
      ".??#####??.",
      "..???????..",
      "...?????...",
    ]));
  });

  it("thresholds at half the range: 8-bit 128 and float 0.5 are inside, 127 and 0.49 outside; RGBA reads the first channel", async () => {
    const bytes = await matting.trimapFromMask({ width: 4, height: 1, data: new Uint8Array([0, 127, 128, 255]) }, { foreground: 0, background: 0 });
    expect([...bytes.data]).toEqual([0, 0, 255, 255]);
    const floats = await matting.trimapFromMask({ width: 4, height: 1, data: new Float32Array([0, 0.49, 0.5, 1]) }, { foreground: 0, background: 0 });
    expect([...floats.data]).toEqual([0, 0, 255, 255]);
    const rgba = new Uint8ClampedArray([0, 255, 255, 255, 200, 0, 0, 0]);
    expect([...(await matting.trimapFromMask({ width: 2, height: 1, data: rgba }, { foreground: 0, background: 0 })).data]).toEqual([0, 255]);
  });

  it("makes a straight edge's bands exactly as wide as asked, and all-inside masks all foreground", async () => {
    const width = 30, height = 4;
    const data = Uint8Array.from({ length: width * height }, (_, i) => (i % width < 12 ? 255 : 0));
    const { data: trimap } = await matting.trimapFromMask({ width, height, data }, { foreground: 3, background: 5 });
    const row = [...trimap.subarray(0, width)];
    expect(row).toEqual(Array.from({ length: width }, (_, x) => (x < 9 ? 255 : x < 17 ? 128 : 0)));
    const full = await matting.trimapFromMask({ width: 5, height: 5, data: new Uint8Array(25).fill(255) });
    expect([...full.data]).toEqual(Array(25).fill(255));
  });
});

describe("trimapFromAlpha", () => {
  it("cuts alpha at low and high, then widens the unknown region by band pixels", async () => {
    const alpha = new Float32Array(7 * 5);
    alpha.fill(1, 0, 7);
    alpha[2 * 7 + 3] = 0.5;
    alpha[4 * 7 + 6] = 0.04;
    alpha[4 * 7 + 5] = 0.06;
    const plain = await matting.trimapFromAlpha({ width: 7, height: 5, data: alpha });
    expect(plain).toEqual(picture([
      "#######",
      ".......",
      "...?...",
      ".......",
      ".....?.",
    ]));
    const widened = await matting.trimapFromAlpha({ width: 7, height: 5, data: alpha }, { band: 1 });
    expect(widened).toEqual(picture([
      "#######",
      "...?...",
      "..???..",
      "...?.?.",
      "....???",
    ]));
    const bytes = Uint8Array.from(alpha, (a) => Math.round(a * 255));
    const custom = await matting.trimapFromAlpha({ width: 7, height: 5, data: bytes }, { low: 0.3, high: 0.6 });
    expect(custom).toEqual(picture(["#######", ".......", "...?...", ".......", "......."]));
  });
});

describe("trimapStats", () => {
  it("counts each kind as estimateAlpha reads it, for 8-bit, RGBA and float trimaps", async () => {
    const trimap = picture(["#?.", "??.", "..#"]);
    const expected = { pixels: 9, foreground: 2, background: 4, unknown: 3, fractions: { foreground: 2 / 9, background: 4 / 9, unknown: 3 / 9 } };
    expect(await matting.trimapStats(trimap)).toEqual(expected);
    const rgba = new Uint8Array(36);
    trimap.data.forEach((v, i) => rgba.set([v, 0, 0, 255], 4 * i));
    expect(await matting.trimapStats({ width: 3, height: 3, data: rgba })).toEqual(expected);
    const floats = Float32Array.from(trimap.data, (v) => (v === 128 ? 0.5 : v === 255 ? 0.95 : 0.05));
    expect(await matting.trimapStats({ width: 3, height: 3, data: floats })).toEqual(expected);
  });
});

describe("errors", () => {
  const code = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (e instanceof MattingError ? e.code : String(e)));
  it("gives each bad input and option its code", async () => {
    const mask = { width: 2, height: 2, data: new Uint8Array(4) };
    expect(await code(matting.trimapFromMask(new Uint8Array(4) as never))).toBe("INVALID_INPUT");
    expect(await code(matting.trimapFromMask({ width: 2, height: 2, data: new Uint8Array(3) }))).toBe("BAD_CHANNELS");
    expect(await code(matting.trimapFromMask(mask, { foreground: -1 }))).toBe("INVALID_OPTION");
    expect(await code(matting.trimapFromMask(mask, { background: Number.NaN }))).toBe("INVALID_OPTION");
    expect(await code(matting.trimapFromMask({ width: 2, height: 2, data: new Float32Array([0, 1, 2, 0]) }))).toBe("INVALID_VALUE");
    expect(await code(matting.trimapFromAlpha(new Float32Array(4) as never))).toBe("INVALID_INPUT");
    expect(await code(matting.trimapFromAlpha(mask, { low: 0.6, high: 0.5 }))).toBe("INVALID_OPTION");
    expect(await code(matting.trimapFromAlpha(mask, { band: -2 }))).toBe("INVALID_OPTION");
    expect(await code(matting.trimapStats({ width: 0, height: 2, data: new Uint8Array(0) }))).toBe("EMPTY_IMAGE");
  });
});
