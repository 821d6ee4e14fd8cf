// The per-pixel passes around every solve (assembly/convert.ts, stencil.ts, aggregation.ts): trimap -> labels and
// counts, labels -> unknown indices and the unknowns' bounding box, indices -> the first level's cells, and the
// solution -> alpha. The release build runs them 16 or 4 pixels at a time where it can; each must give exactly what a
// plain reference gives (and the scalar build), at every length (the groups' tails) and mix of labels: long known runs,
// lone unknowns at group edges, all unknown, none.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Engine } from "../dist/engine.js";
import { makeEngine, random } from "./helpers.js";

let engines: [string, Engine][];
beforeAll(async () => {
  engines = [["release", await makeEngine()], ["scalar", await makeEngine("scalar")]];
});
afterAll(() => engines.forEach(([, engine]) => engine.close()));

/** Trimap values of one of several kinds of layout: runs of 0 and 255 with unknowns between, scattered, all one kind. */
function trimapValues(next: () => number, pixels: number, kind: number): Uint8Array {
  const values = new Uint8Array(pixels);
  let run = 0, value = 0;
  for (let i = 0; i < pixels; i++) {
    if (kind === 0) {
      if (run-- <= 0) {
        run = Math.floor(next() * 40);
        const u = next();
        value = u < 0.4 ? 0 : u < 0.8 ? 255 : 1 + Math.floor(next() * 254);
      }
      values[i] = value;
    } else if (kind === 1) {
      const u = next();
      values[i] = u < 0.45 ? 0 : u < 0.9 ? 255 : [1, 128, 254][Math.floor(next() * 3)];
    } else {
      values[i] = [0, 255, 128, 1][kind - 2];
    }
  }
  return values;
}

const label = (v: number) => (v === 0 ? 0 : v === 255 ? 1 : 2);

describe("per-pixel passes, SIMD against plain references", () => {
  it("labels and counts from 8-bit trimaps of 1, 3 and 4 channels", async () => {
    const next = random(11);
    for (let trial = 0; trial < 60; trial++) {
      const pixels = trial < 20 ? trial : 1 + Math.floor(next() * 300), channels = [1, 1, 3, 4][trial % 4];
      const values = trimapValues(next, pixels, trial % 6);
      const data = new Uint8Array(pixels * channels);
      for (let i = 0; i < pixels; i++) for (let c = 0; c < channels; c++) data[i * channels + c] = c === 0 ? values[i] : Math.floor(next() * 256);
      const expected = Array.from(values, label);
      const counts = [0, 1, 2].map((l) => expected.filter((v) => v === l).length);
      for (const [build, engine] of engines) {
        const got = await engine.run((arena) => {
          const src = arena.alloc(data.length + 16), labels = arena.alloc(pixels + 16), countsAt = arena.alloc(12);
          arena.u8(src, data.length).set(data);
          arena.u8(labels, pixels + 16).fill(7);
          engine.kernels.labelsFromTrimap8(src, pixels, channels, labels, countsAt);
          return { labels: Array.from(arena.u8(labels, pixels + 16)), counts: Array.from(arena.i32(countsAt, 3)) };
        });
        const label = `${build}, trial ${trial}: ${pixels} pixels, ${channels} channels`;
        expect(got.labels.slice(0, pixels), label).toEqual(expected);
        expect(got.labels.slice(pixels), `${label}: nothing written past the end`).toEqual(new Array(16).fill(7));
        expect(got.counts, label).toEqual(counts);
      }
    }
  });

  it("unknown indices, the unknowns' box, the first level's cells and alpha", async () => {
    const next = random(12);
    for (let trial = 0; trial < 60; trial++) {
      const width = 1 + Math.floor(next() * 70), height = 1 + Math.floor(next() * 12), pixels = width * height;
      const labels = Uint8Array.from(trimapValues(next, pixels, trial % 6), label);
      // The references.
      const index: number[] = [];
      let rows = 0;
      for (const l of labels) index.push(l === 2 ? rows++ : -1);
      const margin = trial % 3;
      let x0 = width, y0 = height, x1 = -1, y1 = -1;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (labels[y * width + x] !== 2) continue;
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = y;
        }
      }
      x0 = Math.max(x0 - margin, 0);
      y0 = Math.max(y0 - margin, 0);
      x1 = Math.min(x1 + margin, width - 1);
      y1 = Math.min(y1 + margin, height - 1);
      const box = [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
      const gw = Math.ceil(width / 4), gh = Math.ceil(height / 4);
      const occupied = new Array(gw * gh).fill(false);
      for (let p = 0; p < pixels; p++) if (index[p] >= 0) occupied[Math.floor(Math.floor(p / width) / 4) * gw + Math.floor((p % width) / 4)] = true;
      let nodes = 0;
      const cells = occupied.map((o) => (o ? nodes++ : -1));
      // Solutions outside [0, 1] too, to be clamped.
      const solution = Array.from({ length: rows }, () => next() * 1.4 - 0.2);
      const alpha = Array.from(labels, (l, p) => Math.fround(l === 0 ? 0 : l === 1 ? 1 : Math.min(Math.max(solution[index[p]], 0), 1)));
      for (const [build, engine] of engines) {
        const got = await engine.run((arena) => {
          const k = engine.kernels;
          const labelsAt = arena.alloc(pixels + 16), indexAt = arena.alloc(pixels * 4 + 64), boxAt = arena.alloc(16);
          const cellsAt = arena.alloc(gw * gh * 4), solutionAt = arena.alloc((rows + 1) * 8), alphaAt = arena.alloc(pixels * 4 + 16);
          arena.u8(labelsAt, pixels).set(labels);
          arena.i32(indexAt, pixels + 16).fill(-7);
          arena.f64(solutionAt, rows).set(solution);
          const counted = k.indexUnknowns(labelsAt, pixels, indexAt);
          k.unknownBox(labelsAt, width, height, margin, boxAt);
          const cellCount = k.markFirstCells(indexAt, width, height, cellsAt, gw, gh);
          arena.f32(alphaAt, pixels + 4).fill(-3);
          k.composeAlpha(labelsAt, indexAt, solutionAt, pixels, alphaAt);
          return {
            counted, index: Array.from(arena.i32(indexAt, pixels + 16)), box: Array.from(arena.i32(boxAt, 4)), cellCount,
            cells: Array.from(arena.i32(cellsAt, gw * gh)), alpha: Array.from(arena.f32(alphaAt, pixels + 4)),
          };
        });
        const label = `${build}, trial ${trial}: ${width}x${height}, ${rows} unknown`;
        expect(got.counted, label).toBe(rows);
        expect(got.index, label).toEqual([...index, ...new Array(16).fill(-7)]);
        if (rows > 0) expect(got.box, label).toEqual(box);
        expect({ count: got.cellCount, cells: got.cells }, label).toEqual({ count: nodes, cells });
        expect(got.alpha, label).toEqual([...alpha, -3, -3, -3, -3]);
      }
    }
  });
});
