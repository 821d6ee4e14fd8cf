// Shared matting's maps against plain twins, on both builds: the distance map (assembly/methods/sm-rays.ts
// smDistanceMap) against a two-pass chamfer transform over the 8-neighbourhood (each pixel's chessboard distance to
// the nearest foreground and to the nearest background pixel, capped at min(255, width + height)), and the path
// energies' table of central differences (assembly/methods/sm-path.ts smGradients) against the same differences
// taken in f64 and rounded to f32, bit for bit. The sizes take the SIMD build's edges (rows of 1, 2, 3 pixels, fewer
// than 8, 9 or 10, not a multiple of 8), distances beyond the cap, and labels missing altogether.
import { describe, expect, it } from "vitest";
import type { Arena } from "../dist/engine.js";
import { makeEngine, random } from "./helpers.js";

/** Chessboard distance to the nearest pixel labelled `target` (width + height where there is none), in two passes. */
function chamfer(labels: Uint8Array, width: number, height: number, target: number): Int32Array {
  const far = width + height, d = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (labels[y * width + x] === target) continue;
      let best = far - 1;
      if (x > 0) best = Math.min(best, d[y * width + x - 1]);
      if (y > 0) for (let dx = -1; dx <= 1; dx++) if (x + dx >= 0 && x + dx < width) best = Math.min(best, d[(y - 1) * width + x + dx]);
      d[y * width + x] = best + 1;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      let best = d[y * width + x];
      if (x < width - 1) best = Math.min(best, d[y * width + x + 1] + 1);
      if (y < height - 1) for (let dx = -1; dx <= 1; dx++) if (x + dx >= 0 && x + dx < width) best = Math.min(best, d[(y + 1) * width + x + dx] + 1);
      d[y * width + x] = best;
    }
  }
  return d;
}

/** The expected map: foreground distance in the low byte, background in the high, each min(255, d). */
function expectedMap(labels: Uint8Array, width: number, height: number): Uint16Array {
  const fg = chamfer(labels, width, height, 1), bg = chamfer(labels, width, height, 0);
  return Uint16Array.from(fg, (f, i) => Math.min(255, f) | (Math.min(255, bg[i]) << 8));
}

/** Labels 0, 1, 2 drawn with the given weights (background, foreground; the rest unknown). */
function randomLabels(width: number, height: number, seed: number, background: number, foreground: number): Uint8Array {
  const next = random(seed);
  return Uint8Array.from({ length: width * height }, () => {
    const u = next();
    return u < background ? 0 : u < background + foreground ? 1 : 2;
  });
}

const cases: { name: string; width: number; height: number; labels: () => Uint8Array }[] = [];
for (const [width, height] of [[1, 1], [1, 9], [9, 1], [7, 5], [8, 8], [9, 6], [10, 3], [16, 4], [17, 11], [25, 9], [64, 33]]) {
  cases.push({ name: `${width}x${height} scattered`, width, height, labels: () => randomLabels(width, height, width * 31 + height, 0.05, 0.05) });
  cases.push({ name: `${width}x${height} dense`, width, height, labels: () => randomLabels(width, height, width * 37 + height, 0.3, 0.3) });
}
cases.push({ name: "40x30 only foreground known", width: 40, height: 30, labels: () => randomLabels(40, 30, 5, 0, 0.02) });
cases.push({ name: "33x21 nothing known", width: 33, height: 21, labels: () => new Uint8Array(33 * 21).fill(2) });
cases.push({ name: "301x4 one background pixel at each end, distances beyond 255", width: 301, height: 4, labels: () => {
  const labels = new Uint8Array(301 * 4).fill(2);
  labels[0] = 0;
  labels[301 * 4 - 1] = 1;
  return labels;
} });
cases.push({ name: "270x270 one foreground pixel in the middle", width: 270, height: 270, labels: () => {
  const labels = new Uint8Array(270 * 270).fill(2);
  labels[135 * 270 + 135] = 1;
  labels[3] = 0;
  return labels;
} });

describe.each(["release", "scalar"] as const)("smDistanceMap, %s build", (build) => {
  it.each(cases)("$name", async ({ width, height, labels }) => {
    const engine = await makeEngine(build);
    const kernels = engine.kernels as unknown as { smDistanceMap(labels: number, width: number, height: number, map: number): void };
    const input = labels();
    const map = await engine.run((arena: Arena) => {
      const n = width * height, at = arena.copyIn(input), out = arena.alloc(n * 2 + 16);
      // Stale bytes where the map goes: the kernel must write every pixel.
      arena.u8(out, n * 2 + 16).fill(0x5a);
      kernels.smDistanceMap(at, width, height, out);
      return new Uint16Array(arena.u8(out, n * 2).slice().buffer);
    });
    const expected = expectedMap(input, width, height);
    let wrong = 0;
    for (let i = 0; i < expected.length; i++) if (map[i] !== expected[i]) wrong++;
    expect(wrong).toBe(0);
  });
});

/** The table as smGradients documents it: per pixel gx (R, G, B) then gy (R, G, B), f32, neighbours clamped. */
function expectedGradients(rgb: Float64Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height * 6);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const left = Math.max(0, x - 1), right = Math.min(width - 1, x + 1), up = Math.min(height - 1, y + 1), down = Math.max(0, y - 1);
      for (let c = 0; c < 3; c++) {
        out[(y * width + x) * 6 + c] = 0.5 * (rgb[(y * width + right) * 3 + c] - rgb[(y * width + left) * 3 + c]);
        out[(y * width + x) * 6 + 3 + c] = 0.5 * (rgb[(up * width + x) * 3 + c] - rgb[(down * width + x) * 3 + c]);
      }
    }
  }
  return out;
}

describe.each(["release", "scalar"] as const)("smGradients, %s build", (build) => {
  it.each([[1, 1], [1, 5], [2, 3], [3, 2], [9, 7], [17, 4]])("%ix%i random colours", async (width, height) => {
    const engine = await makeEngine(build);
    const kernels = engine.kernels as unknown as { smGradients(image: number, width: number, height: number, gradients: number): void };
    const next = random(width * 100 + height);
    // Colours of any f64 value in [0, 1], as the user's float input gives them, not only multiples of 1 / 255.
    const rgb = Float64Array.from({ length: width * height * 3 }, () => next());
    const table = await engine.run((arena: Arena) => {
      // 24 bytes a pixel, and the table's 4 bytes of padding, which smGradients must leave as they are.
      const n = width * height, image = arena.copyIn(rgb), out = arena.alloc(n * 24 + 4);
      arena.u8(out, n * 24 + 4).fill(0x5a);
      kernels.smGradients(image, width, height, out);
      return { records: arena.f32(out, n * 6).slice(), padding: arena.u8(out + n * 24, 4).slice() };
    });
    expect(Array.from(table.records)).toEqual(Array.from(expectedGradients(rgb, width, height)));
    expect(Array.from(table.padding)).toEqual([0x5a, 0x5a, 0x5a, 0x5a]);
  });
});
