// The wasm Laplacian (restricted to the unknown pixels, CSR + rhs) against the per-window reference
// of Levin et al. 2008 eq. 12, entry by entry, on the release (SIMD) build and on its scalar twin.
import { beforeAll, describe, expect, it } from "vitest";
import { buildLaplacian, checkTrimapCounts, loadPixels } from "../dist/alpha.js";
import type { Engine } from "../dist/engine.js";
import { checkImage, checkTrimap } from "../dist/validate.js";
import { makeEngine, random, threadEngine } from "./helpers.js";
import { referenceLaplacian, restrictToUnknowns, type RestrictedSystem } from "./reference/laplacian.js";
import { labels8, noiseImage, randomTrimap, smoothImage, unitRgb } from "./synthetic.js";

const RELATIVE = 1e-5;

interface WasmSystem {
  rows: number;
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float64Array;
  rhs: Float64Array;
  diagonal: Float64Array;
}

type Plane = { width: number; height: number; data: Uint8Array | Float32Array };

function wasmSystem(engine: Engine, image: Plane, trimap: Plane, radius: number, epsilon: number, minRowsPerThread?: number): Promise<WasmSystem> {
  return engine.run(async (arena) => {
    const checkedImage = checkImage(image);
    const pixels = loadPixels(arena, engine, checkedImage, checkTrimap(trimap, checkedImage));
    checkTrimapCounts(pixels.counts);
    const system = await buildLaplacian(arena, engine, pixels, image.width, image.height, radius, epsilon, minRowsPerThread);
    const { rows, nonzeros } = system;
    return {
      rows,
      rowStart: arena.i32(system.rowStart, rows + 1).slice(),
      columns: arena.i32(system.columns, nonzeros).slice(),
      values: arena.f64(system.values, nonzeros).slice(),
      rhs: arena.f64(system.rhs, rows).slice(),
      diagonal: arena.f64(system.diagonal, rows).slice(),
    };
  });
}

/** Largest magnitude in the reference system: the scale below which a difference counts as rounding. */
function systemScale(reference: RestrictedSystem): number {
  let scale = 0;
  for (const row of reference.rows) for (const v of row.values()) scale = Math.max(scale, Math.abs(v));
  return scale;
}

function close(actual: number, expected: number, scale: number): boolean {
  // Relative to the entry itself; entries that cancel to (nearly) zero are compared to the system's scale.
  return Math.abs(actual - expected) <= RELATIVE * Math.max(Math.abs(expected), 1e-3 * scale);
}

/** Collects every disagreement (structure, values, rhs, diagonal) so a failure shows all of them at once. */
function compare(wasm: WasmSystem, reference: RestrictedSystem): string[] {
  const problems: string[] = [];
  const scale = systemScale(reference);
  if (wasm.rows !== reference.rows.length) return [`rows: wasm ${wasm.rows}, reference ${reference.rows.length}`];
  for (let u = 0; u < wasm.rows; u++) {
    const expected = reference.rows[u];
    const seen = new Set<number>();
    let previous = -1;
    for (let e = wasm.rowStart[u]; e < wasm.rowStart[u + 1]; e++) {
      const v = wasm.columns[e];
      if (v <= previous) problems.push(`row ${u}: columns not ascending at ${v}`);
      previous = v;
      seen.add(v);
      const want = expected.get(v);
      if (want === undefined) problems.push(`row ${u}: entry at column ${v} shares no window`);
      else if (!close(wasm.values[e], want, scale)) problems.push(`L[${u}][${v}] = ${wasm.values[e]}, reference ${want}`);
    }
    for (const v of expected.keys()) if (!seen.has(v)) problems.push(`row ${u}: missing column ${v}`);
    if (!close(wasm.diagonal[u], expected.get(u) ?? NaN, scale)) problems.push(`diagonal ${u} = ${wasm.diagonal[u]}, reference ${expected.get(u)}`);
    if (!close(wasm.rhs[u], reference.rhs[u], scale)) problems.push(`rhs ${u} = ${wasm.rhs[u]}, reference ${reference.rhs[u]}`);
  }
  return problems.slice(0, 20);
}

interface Case {
  name: string;
  image: Plane;
  trimap: Plane;
  channels: number;
  trimapChannels: number;
  radius: number;
  epsilon: number;
}

const sizes: [number, number][] = [[5, 7], [9, 13], [11, 6], [7, 5], [13, 9], [6, 11]];

function cases(): Case[] {
  const all: Case[] = [];
  let seed = 1;
  // Radius 3 too: the assembly skips lower neighbours unless they are foreground, at every radius.
  for (const radius of [1, 2, 3]) {
    for (const [width, height] of sizes) {
      if (width < 2 * radius + 1 || height < 2 * radius + 1) continue;
      for (const unknownShare of [0.3, 0.8]) {
        seed++;
        const image = noiseImage(width, height, seed);
        const trimap = randomTrimap(width, height, seed * 7, unknownShare);
        all.push({ name: `noise ${width}x${height} r=${radius} unknown~${unknownShare}`, image, trimap, channels: 3, trimapChannels: 1, radius, epsilon: 1e-7 });
      }
    }
  }
  // RGBA input with an RGBA trimap, a float image with a float trimap, a smooth image and a large epsilon.
  const rgba = noiseImage(9, 7, 91);
  const rgbaData = new Uint8Array(9 * 7 * 4);
  const tri = randomTrimap(9, 7, 92);
  const triRgba = new Uint8Array(9 * 7 * 4);
  for (let p = 0; p < 63; p++) {
    rgbaData.set([...rgba.data.subarray(3 * p, 3 * p + 3), 17], 4 * p);
    triRgba.set([tri.data[p], 3, 250, 255], 4 * p);
  }
  all.push({ name: "RGBA image, RGBA trimap 9x7 r=1", image: { width: 9, height: 7, data: rgbaData }, trimap: { width: 9, height: 7, data: triRgba }, channels: 4, trimapChannels: 4, radius: 1, epsilon: 1e-7 });
  const next = random(93);
  const floatImage = Float32Array.from({ length: 11 * 9 * 3 }, () => next());
  const floatTrimap = Float32Array.from({ length: 11 * 9 }, (_, p) => (p === 0 ? 0 : p === 1 ? 1 : next()));
  all.push({ name: "Float32 image and trimap 11x9 r=2", image: { width: 11, height: 9, data: floatImage }, trimap: { width: 11, height: 9, data: floatTrimap }, channels: 3, trimapChannels: 1, radius: 2, epsilon: 1e-7 });
  // Blends of two colours: every window's colours lie on one line, so Sigma_k has rank one and
  // Sigma_k + epsilon/|w| I is nearly singular; its inverse must stay accurate along the line.
  for (const [width, height, radius] of [[14, 5, 2], [9, 7, 1], [11, 13, 2]]) {
    const mix = random(width * height + radius);
    const foreground = [mix(), mix(), mix()], background = [mix(), mix(), mix()];
    const data = new Float32Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const a = mix();
      data.set(foreground.map((f, c) => a * f + (1 - a) * background[c]), 3 * p);
    }
    all.push({ name: `colour line ${width}x${height} r=${radius}`, image: { width, height, data }, trimap: randomTrimap(width, height, width + height, 0.6), channels: 3, trimapChannels: 1, radius, epsilon: 1e-7 });
  }
  // Every other radius the API allows (1 to 8), on images just wider and taller than a window.
  for (const radius of [4, 5, 6, 7, 8]) {
    const width = 2 * radius + 3, height = 2 * radius + 4;
    all.push({ name: `noise ${width}x${height} r=${radius}`, image: noiseImage(width, height, 50 + radius), trimap: randomTrimap(width, height, 60 + radius, 0.6), channels: 3, trimapChannels: 1, radius, epsilon: 1e-7 });
  }
  all.push({ name: "smooth 13x11 r=1 epsilon 1e-4", image: smoothImage(13, 11, 94), trimap: randomTrimap(13, 11, 95, 0.6), channels: 3, trimapChannels: 1, radius: 1, epsilon: 1e-4 });
  all.push({ name: "smooth 13x11 r=2 epsilon 1e-7", image: smoothImage(13, 11, 96), trimap: randomTrimap(13, 11, 97, 0.6), channels: 3, trimapChannels: 1, radius: 2, epsilon: 1e-7 });
  return all;
}

function referenceLabels(trimap: Plane, channels: number): Uint8Array {
  if (trimap.data instanceof Uint8Array) return labels8(trimap.data, channels);
  const data = trimap.data;
  return Uint8Array.from({ length: data.length / channels }, (_, p) => {
    const v = data[p * channels];
    return v <= 0.1 ? 0 : v >= 0.9 ? 1 : 2;
  });
}

function referenceSystem(c: Case): RestrictedSystem {
  const laplacian = referenceLaplacian(unitRgb(c.image.data, c.channels), c.image.width, c.image.height, c.radius, c.epsilon);
  return restrictToUnknowns(laplacian, referenceLabels(c.trimap, c.trimapChannels));
}

describe("restricted Laplacian against the eq. 12 reference", () => {
  let release: Engine;
  let scalar: Engine;
  beforeAll(async () => {
    [release, scalar] = await Promise.all([makeEngine("release"), makeEngine("scalar")]);
  });

  it.each(cases().map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const reference = referenceSystem(c);
    const labels = referenceLabels(c.trimap, c.trimapChannels);
    // The cases must exercise unknown pixels on the image border.
    const { width, height } = c.image;
    const onBorder = reference.unknownPixels.some((p) => p % width === 0 || p % width === width - 1 || p < width || p >= width * (height - 1));
    expect(onBorder || labels.every((l) => l !== 2)).toBe(true);
    expect(reference.unknownPixels.length).toBeGreaterThan(0);

    const fromRelease = await wasmSystem(release, c.image, c.trimap, c.radius, c.epsilon);
    const fromScalar = await wasmSystem(scalar, c.image, c.trimap, c.radius, c.epsilon);
    expect(compare(fromRelease, reference)).toEqual([]);
    expect(compare(fromScalar, reference)).toEqual([]);

    // The two builds lay out the same structure and agree to rounding.
    expect(fromScalar.rowStart).toEqual(fromRelease.rowStart);
    expect(fromScalar.columns).toEqual(fromRelease.columns);
    const scale = systemScale(reference);
    fromRelease.values.forEach((v, e) => expect(Math.abs(v - fromScalar.values[e])).toBeLessThanOrEqual(1e-12 * scale));
    fromRelease.rhs.forEach((v, u) => expect(Math.abs(v - fromScalar.rhs[u])).toBeLessThanOrEqual(1e-12 * scale));
  });

  it("matches the reference on a wider sweep of random sizes, trimaps and radii", async () => {
    const next = random(2024);
    for (let trial = 0; trial < 24; trial++) {
      const radius = 1 + Math.floor(next() * 2);
      const minSide = 2 * radius + 1;
      const width = minSide + Math.floor(next() * 9);
      const height = minSide + Math.floor(next() * 9);
      const image = noiseImage(width, height, 1000 + trial);
      const trimap = randomTrimap(width, height, 2000 + trial, 0.2 + 0.7 * next());
      const c: Case = { name: "", image, trimap, channels: 3, trimapChannels: 1, radius, epsilon: 1e-7 };
      const problems = compare(await wasmSystem(release, image, trimap, radius, 1e-7), referenceSystem(c));
      expect(problems, `${width}x${height} r=${radius} trial ${trial}`).toEqual([]);
    }
  });

  // Radius 1 and 2 scatter each window's terms into a ring of slots kept across window rows, radius 3 and up
  // gather them per pixel (assembly/stencil-rows.ts); a build that starts below the image's first row (a
  // thread's band, a slice of one) must begin with clean slots for the rows it finishes.
  it("matches the reference when threads build it in bands, at radius 1 to 3", async () => {
    const engines = await Promise.all([2, 3].map((count) => threadEngine(count)));
    try {
      for (const radius of [1, 2, 3]) {
        // Foreground, background and unknown pixels on every row near every band's start.
        const width = 40, height = 96;
        const data = new Uint8Array(width * height);
        const next = random(70 + radius);
        for (let p = 0; p < data.length; p++) data[p] = p % width % 5 === 0 ? (next() < 0.5 ? 0 : 255) : next() < 0.1 ? 255 : 128;
        const c: Case = { name: "", image: smoothImage(width, height, 80 + radius), trimap: { width, height, data }, channels: 3, trimapChannels: 1, radius, epsilon: 1e-7 };
        const reference = referenceSystem(c);
        for (const engine of engines) {
          const problems = compare(await wasmSystem(engine, c.image, c.trimap, radius, 1e-7, 256), reference);
          expect(problems, `r=${radius}, ${engine.threads} threads`).toEqual([]);
        }
      }
    } finally {
      engines.forEach((engine) => engine.close());
    }
  });

  it("matches the reference when one thread builds it in slices (a box of more than 65536 pixels at radius 1)", async () => {
    const width = 16, height = 4400;
    const c: Case = { name: "", image: smoothImage(width, height, 98), trimap: randomTrimap(width, height, 99, 0.7), channels: 3, trimapChannels: 1, radius: 1, epsilon: 1e-7 };
    expect(compare(await wasmSystem(release, c.image, c.trimap, 1, 1e-7), referenceSystem(c))).toEqual([]);
  });
});
