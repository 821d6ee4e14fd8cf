// inSlices (src/slices.ts): the pieces cover [0, total) once, in order, with a pause after each; the first piece is
// `first` when given (the multigrid set-up sizes it by rows or nodes), else the 256th of the total; `size` fixes them all.
import { describe, expect, it } from "vitest";
import { inSlices } from "../dist/slices.js";

async function pieces(total: number, size?: number, first?: number) {
  const seen: [number, number][] = [];
  const fractions: number[] = [];
  await inSlices(total, (from, to) => void seen.push([from, to]), async (fraction) => void fractions.push(fraction), size, first);
  return { seen, fractions };
}

describe("inSlices", () => {
  it.each([[65536, undefined, undefined], [65536, undefined, 65536], [65536, undefined, 100000], [65536, undefined, 3000], [1000, 7, undefined], [5, undefined, 1], [1, undefined, undefined]])(
    "total %i, size %s, first %s: contiguous pieces over the whole range, a pause after each", async (total, size, first) => {
      const { seen, fractions } = await pieces(total, size, first);
      expect(seen[0][0]).toBe(0);
      expect(seen.at(-1)![1]).toBe(total);
      for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBe(seen[i - 1][1]);
      for (const [from, to] of seen) expect(to).toBeGreaterThan(from);
      expect(fractions).toEqual(seen.map(([, to]) => to / total));
      const expectedFirst = Math.min(total, size ?? Math.max(1, Math.ceil(first ?? total / 256)));
      expect(seen[0][1]).toBe(expectedFirst);
      if (size !== undefined) for (const [from, to] of seen) expect(to - from).toBe(Math.min(size, total - from));
    });

  it("a first piece of the whole range runs in one piece", async () => {
    expect((await pieces(65536, undefined, 65536)).seen).toEqual([[0, 65536]]);
  });
});
