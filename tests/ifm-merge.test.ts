// The intra-unknown pairs' merge (mergeIntraUnknown, assembly/methods/ifm-system.ts) against a plain dense
// reference, on both builds: the merged rows give the same Laplacian sum_pairs w (e_u - e_v)(e_u - e_v)^T as the
// rows x k lists they came from, hold no pair of weight 0 or with the dummy row, and hold a pair found from both
// ends (or twice in one row) once, unless its weights' sum is not exact in f32.
import { describe, expect, it } from "vitest";
import type { Arena } from "../dist/engine.js";
import { ifmKernels } from "../dist/methods/ifm-kernels.js";
import { makeEngine, random } from "./helpers.js";

interface Lists { rows: number; k: number; columns: Int32Array; weights: Float32Array }

/** rows x k lists as addIntraUnknown leaves them: symmetric weights per pair, mutual finds, duplicates, zeros, dummies. */
function lists(rows: number, k: number, seed: number): Lists {
  const next = random(seed);
  const pairWeight = new Map<string, number>();
  const weightOf = (u: number, v: number) => {
    const key = `${Math.min(u, v)},${Math.max(u, v)}`;
    // Few mantissa bits, so that any number of finds of one pair sums exactly in f32.
    if (!pairWeight.has(key)) pairWeight.set(key, next() < 0.1 ? 0 : Math.floor(next() * 64) / 1024);
    return pairWeight.get(key)!;
  };
  const columns = new Int32Array(rows * k), weights = new Float32Array(rows * k);
  for (let u = 0; u < rows; u++) {
    for (let j = 0; j < k; j++) {
      const r = next();
      // Mostly rows near u (so that many pairs are found from both ends), some repeats, some known neighbours.
      const v = r < 0.08 ? rows : j > 0 && r < 0.16 ? columns[u * k + j - 1] : (u + 1 + Math.floor(next() * 6) + rows - 3) % rows;
      const target = v === u ? (u + 1) % rows : v;
      columns[u * k + j] = target;
      weights[u * k + j] = target === rows ? 0 : weightOf(u, target);
    }
  }
  return { rows, k, columns, weights };
}

/** The dense Laplacian of pairs (u, v, w); pairs with the dummy row `rows` left out. */
function laplacian(rows: number, pairs: Iterable<[number, number, number]>): Float64Array {
  const l = new Float64Array(rows * rows);
  for (const [u, v, w] of pairs) {
    if (v === rows) continue;
    l[u * rows + u] += w;
    l[v * rows + v] += w;
    l[u * rows + v] -= w;
    l[v * rows + u] -= w;
  }
  return l;
}

function* listPairs({ rows, k, columns, weights }: Lists): Generator<[number, number, number]> {
  for (let u = 0; u < rows; u++) for (let j = 0; j < k; j++) yield [u, columns[u * k + j], weights[u * k + j]];
}

for (const build of ["release", "scalar"] as const) {
  describe(`intra-unknown pairs merged once per pair (${build})`, async () => {
    const engine = await makeEngine(build);
    const k = ifmKernels(engine);

    const merge = (input: Lists) => engine.run(async (arena: Arena) => {
      const columns = arena.alloc(input.rows * input.k * 4), weights = arena.alloc(input.rows * input.k * 4), offsets = arena.alloc((input.rows + 1) * 4);
      arena.i32(columns, input.rows * input.k).set(input.columns);
      arena.f32(weights, input.rows * input.k).set(input.weights);
      const kept = k.mergeIntraUnknown(input.rows, input.k, columns, weights, offsets);
      return { kept, offsets: arena.i32(offsets, input.rows + 1).slice(), columns: arena.i32(columns, kept).slice(), weights: arena.f32(weights, kept).slice() };
    });

    for (const [rows, width, seed] of [[40, 6, 1], [25, 3, 2], [7, 6, 3]]) {
      it(`${rows} rows x ${width}: the same Laplacian from fewer entries, each pair once`, async () => {
        const input = lists(rows, width, seed);
        const merged = await merge(input);
        expect(merged.offsets[0]).toBe(0);
        expect(merged.offsets[rows]).toBe(merged.kept);
        const pairs: [number, number, number][] = [];
        const seen = new Set<string>();
        for (let u = 0; u < rows; u++) {
          expect(merged.offsets[u + 1]).toBeGreaterThanOrEqual(merged.offsets[u]);
          for (let e = merged.offsets[u]; e < merged.offsets[u + 1]; e++) {
            const v = merged.columns[e], w = merged.weights[e];
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThan(rows);
            expect(w).toBeGreaterThan(0);
            // Every find of a pair sums exactly (see lists), so every pair is held once.
            const key = `${Math.min(u, v)},${Math.max(u, v)}`;
            expect(seen.has(key)).toBe(false);
            seen.add(key);
            pairs.push([u, v, w]);
          }
        }
        expect(merged.kept).toBeLessThan(rows * width);
        const expected = laplacian(rows, listPairs(input)), actual = laplacian(rows, pairs);
        for (let i = 0; i < rows * rows; i++) expect(actual[i]).toBeCloseTo(expected[i], 12);
      });
    }

    it("keeps both entries of a pair whose weights do not sum exactly in f32", async () => {
      // Row 0 finds 1 with weight 1 and row 1 finds 0 with 2^-30: 1 + 2^-30 rounds in f32. Row 2 finds 3 twice.
      const input: Lists = {
        rows: 4, k: 2, columns: Int32Array.from([1, 4, 0, 4, 3, 3, 4, 4]), weights: Float32Array.from([1, 0, 2 ** -30, 0, 0.25, 0.25, 0, 0]),
      };
      const merged = await merge(input);
      expect(Array.from(merged.offsets)).toEqual([0, 1, 2, 3, 3]);
      expect(Array.from(merged.columns)).toEqual([1, 0, 3]);
      expect(Array.from(merged.weights)).toEqual([1, 2 ** -30, 0.5]);
    });
  });
}
