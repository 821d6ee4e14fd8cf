// The side-by-side benchmark's helpers (bench/anchor.ts): chunk order, paired ratios, run.py's output read back,
// where the shared folder is found, and our engines' alternating runs (bench/common.ts). No Python and no ../shared: run.py's output is given as text.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chunks, parseAnchorOutput, ratioSummary } from "../bench/anchor.js";
import { type Plane, alternatingRuns, findShared } from "../bench/common.js";
import type { Matting } from "../dist/entry/node.js";

describe("chunks", () => {
  it("splits in order, the last run shorter, every item once", () => {
    expect(chunks(["a", "b", "c", "d", "e", "f", "g"], 3)).toEqual([["a", "b", "c"], ["d", "e", "f"], ["g"]]);
    expect(chunks(["a", "b"], 5)).toEqual([["a", "b"]]);
    expect(chunks([], 2)).toEqual([]);
  });

  it("refuses a size that is not a positive integer", () => {
    expect(() => chunks(["a"], 0)).toThrow(/positive integer/);
    expect(() => chunks(["a"], 1.5)).toThrow(/positive integer/);
  });
});

describe("ratioSummary", () => {
  it("gives per-case ratios, their median, the ratio of the totals and the worst", () => {
    const r = ratioSummary([1, 2, 3, 8], [4, 4, 4, 10]);
    expect(r.ratios).toEqual([0.25, 0.5, 0.75, 0.8]);
    expect(r.medianRatio).toBeCloseTo(0.625, 12);
    expect(r.totalRatio).toBeCloseTo(14 / 22, 12);
    expect(r.worstRatio).toBe(0.8);
    expect(r.oursMedian).toBe(2.5);
    expect(r.anchorMedian).toBe(4);
    expect([r.oursTotal, r.anchorTotal]).toEqual([14, 22]);
  });

  it("the median of an odd count is the middle ratio, not the ratio of the medians", () => {
    const r = ratioSummary([1, 10, 2], [10, 20, 1]);
    expect(r.medianRatio).toBe(0.5);
    expect(r.oursMedian / r.anchorMedian).toBe(0.2);
  });

  it("refuses unpaired times", () => {
    expect(() => ratioSummary([1, 2], [1])).toThrow(/2 times of ours against 1/);
  });
});

describe("parseAnchorOutput", () => {
  it("gives a name timed several times in a row (--repeat) the median of its runs", () => {
    const files: Record<string, Uint8Array> = { "GT02.trimap2.f32": new Uint8Array(8) };
    const line = (ms: number) => JSON.stringify({ name: "GT02.trimap2", method: "cf", width: 2, height: 1, unknown: 2, ms });
    const found = parseAnchorOutput([line(900), line(2500), line(1000)].join("\n"), (file) => files[file]);
    expect(found.get("GT02")!.runs).toEqual([900, 2500, 1000]);
    expect(found.get("GT02")!.ms).toBe(1000);
    expect(found.get("GT02")!.alpha.length).toBe(2);
  });

  it("keys cases by image name and reads each alpha as little-endian float32", () => {
    const alpha = new Float32Array([0, 0.25, 1]);
    const files: Record<string, Uint8Array> = { "GT01.trimap1.f32": new Uint8Array(alpha.buffer), "GT19.png.f32": new Uint8Array(4) };
    const stdout = [
      "numba warning on stdout",
      JSON.stringify({ name: "GT01.trimap1", method: "cf", width: 3, height: 1, unknown: 1, ms: 812.5, sad: 0.1 }),
      JSON.stringify({ name: "GT19.png", method: "cf", width: 1, height: 1, unknown: 1, ms: 20000 }),
      "",
    ].join("\n");
    const found = parseAnchorOutput(stdout, (file) => files[file]);
    expect([...found.keys()]).toEqual(["GT01", "GT19"]);
    expect(found.get("GT01")!.ms).toBe(812.5);
    expect([...found.get("GT01")!.alpha]).toEqual([0, 0.25, 1]);
    expect(found.get("GT19")!.alpha.length).toBe(1);
  });

  it("refuses an alpha file cut short", () => {
    const stdout = JSON.stringify({ name: "GT01.trimap1", ms: 1 });
    expect(() => parseAnchorOutput(stdout, () => new Uint8Array(7))).toThrow(/not whole float32s/);
  });
});

describe("findShared", () => {
  it("finds shared beside the repository, or beside a parent of a nested worktree", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "matting-shared-"));
    try {
      mkdirSync(path.join(root, "wt", "branch"), { recursive: true });
      // With no shared folder on the way up, the default beside the worktree; a machine may have one above the
      // temporary folder (say /tmp/shared), and the nearest one found wins.
      let above: string | undefined;
      for (let dir = path.dirname(root); above === undefined; dir = path.dirname(dir)) {
        if (existsSync(path.join(dir, "shared"))) above = path.join(dir, "shared");
        if (path.dirname(dir) === dir) break;
      }
      expect(findShared(path.join(root, "wt", "branch"))).toBe(above ?? path.join(root, "wt", "shared"));
      mkdirSync(path.join(root, "shared"));
      expect(findShared(path.join(root, "wt", "branch"))).toBe(path.join(root, "shared"));
      mkdirSync(path.join(root, "wt", "shared"));
      expect(findShared(path.join(root, "wt", "branch"))).toBe(path.join(root, "wt", "shared"));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("alternatingRuns (bench/common.ts)", () => {
  /** An engine stand-in that logs each call and reports the next of its times as the call's total. */
  function fake(name: string, log: string[], totals: number[]): Matting {
    let call = 0;
    const estimateAlpha = async () => {
      log.push(name);
      const total = totals[call++];
      return { alpha: new Float32Array([call]), stats: { iterations: call, milliseconds: { solve: total / 2, total } } };
    };
    return { estimateAlpha } as unknown as Matting;
  }
  const image = { width: 1, height: 1, data: new Uint8Array(3) } as unknown as Plane;

  it("alternates the engines run by run, in turned order every other round, and takes each one's medians", async () => {
    const log: string[] = [];
    const [one, two] = await alternatingRuns([fake("one", log, [10, 30, 20, 90]), fake("two", log, [5, 7, 6, 1])], image, image, {}, 4);
    expect(log).toEqual(["one", "two", "two", "one", "one", "two", "two", "one"]);
    // Medians of each engine's own runs (an even count: the mean of the middle two), each phase alike.
    expect(one.milliseconds.total).toBe(25);
    expect(one.milliseconds.solve).toBe(12.5);
    expect(two.milliseconds.total).toBe(5.5);
    // The last run's alpha and stats.
    expect(Array.from(one.alpha)).toEqual([4]);
    expect(two.stats.iterations).toBe(4);
  });

  it("one engine: timedRuns's runs in a row", async () => {
    const log: string[] = [];
    const [only] = await alternatingRuns([fake("a", log, [3, 1, 2])], image, image, {}, 3);
    expect(log).toEqual(["a", "a", "a"]);
    expect(only.milliseconds.total).toBe(2);
  });
});
