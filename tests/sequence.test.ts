// matteSequence: frames in order, each warm-started from the previous frame's unclamped solution; the same mattes as frames
// solved one by one; abort mid-sequence; typed errors naming the frame.
import { beforeAll, describe, expect, it } from "vitest";
import { type Matting, MattingError, type SequenceFrame, type SequenceResult, createMatting, matteSequence } from "../dist/entry/node.js";
import { movingFrame } from "../bench/moving-scene.js";
import { compiledModule } from "./helpers.js";

const W = 72, H = 56;
const frames: SequenceFrame[] = Array.from({ length: 5 }, (_, t) => {
  const f = movingFrame(t, { width: W, height: H, frames: 5 });
  return { image: { width: W, height: H, data: f.image }, trimap: { width: W, height: H, data: f.trimap } };
});

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

async function collect(iterable: AsyncIterable<SequenceResult>): Promise<SequenceResult[]> {
  const results: SequenceResult[] = [];
  for await (const result of iterable) results.push(result);
  return results;
}

const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("matteSequence", () => {
  it("warm-starts every frame after the first from the one before, with the mattes of frames solved alone", async () => {
    const results = await collect(matteSequence(matting, frames));
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.warmStarted)).toEqual([false, true, true, true, true]);
    let start;
    for (const [t, result] of results.entries()) {
      const alone = await matting.estimateAlpha(frames[t].image, frames[t].trimap!);
      expect(maxDifference(result.alpha, alone.alpha)).toBeLessThan(1e-3);
      // Exactly the call with the previous frame's solution before clamping as the start.
      const warm = await matting.estimateAlpha(frames[t].image, frames[t].trimap!, { initialAlpha: start, keepSolution: true });
      expect(result.alpha).toEqual(warm.alpha);
      expect(result.stats.iterations).toBe(warm.stats.iterations);
      start = warm.solution;
    }
  });

  it("warmStart: false, a change of size and a method without a solve start from 0", async () => {
    expect((await collect(matteSequence(matting, frames, { warmStart: false }))).every((r) => !r.warmStarted)).toBe(true);
    const small = movingFrame(0, { width: 40, height: 40, frames: 1 });
    const mixed = [frames[0], { image: { width: 40, height: 40, data: small.image }, trimap: { width: 40, height: 40, data: small.trimap } }, frames[1]];
    expect((await collect(matteSequence(matting, mixed))).map((r) => r.warmStarted)).toEqual([false, false, false]);
    expect((await collect(matteSequence(matting, frames.slice(0, 2), { method: "sm" }))).map((r) => r.warmStarted)).toEqual([false, false]);
  });

  it("takes masks with a band, an async iterable, colours, and reports progress per frame", async () => {
    async function* masked() {
      for (const t of [0, 1]) {
        const f = movingFrame(t, { width: W, height: H, frames: 5 });
        yield { image: { width: W, height: H, data: f.image }, mask: { width: W, height: H, data: f.alpha } };
      }
    }
    const seen = new Set<number>();
    const results = await collect(matteSequence(matting, masked(), { band: 6, colours: true, onProgress: (p) => seen.add(p.frame) }));
    expect(results.map((r) => r.warmStarted)).toEqual([false, true]);
    expect(results[1].trimap?.data.length).toBe(W * H);
    expect(results[1].foreground?.length).toBe(W * H * 3);
    expect([...seen]).toEqual([0, 1]);
  });

  it("stops with ABORTED when the signal fires between frames or during a frame's solve", async () => {
    const between = new AbortController();
    const done: number[] = [];
    const outcome = await (async () => {
      for await (const result of matteSequence(matting, frames, { signal: between.signal })) {
        done.push(result.index);
        if (result.index === 1) between.abort();
      }
    })().then(() => "finished", (e: MattingError) => e.code);
    expect(outcome).toBe("ABORTED");
    expect(done).toEqual([0, 1]);

    const during = new AbortController();
    const indices: number[] = [];
    const code = await (async () => {
      for await (const result of matteSequence(matting, frames, {
        signal: during.signal, tolerance: 1e-12, preconditioner: "jacobi",
        onProgress: (p) => { if (p.frame === 2 && p.phase === "solve") during.abort(); },
      })) indices.push(result.index);
    })().then(() => "finished", (e: MattingError) => e.code);
    expect(code).toBe("ABORTED");
    expect(indices).toEqual([0, 1]);
    // The engine is free again at once.
    await expect(matting.estimateAlpha(frames[0].image, frames[0].trimap!)).resolves.toBeDefined();
  });

  it("names a bad frame, and refuses bad options and inputs with typed errors", async () => {
    const broken = [frames[0], { image: frames[1].image, trimap: { width: W, height: H - 1, data: new Uint8Array(W * (H - 1)) } }];
    const error = await collect(matteSequence(matting, broken)).catch((e: MattingError) => e);
    expect(error).toBeInstanceOf(MattingError);
    expect((error as MattingError).code).toBe("SIZE_MISMATCH");
    expect((error as MattingError).details.frame).toBe(1);
    const code = (run: () => AsyncIterable<SequenceResult>) => collect(run()).then(() => "resolved", (e: MattingError) => e.code);
    expect(await code(() => matteSequence(matting, [{ image: frames[0].image } as SequenceFrame]))).toBe("INVALID_INPUT");
    expect(await code(() => matteSequence(matting, 42 as never))).toBe("INVALID_INPUT");
    expect(await code(() => matteSequence(matting, frames, { warmStart: "yes" as never }))).toBe("INVALID_OPTION");
    expect(await code(() => matteSequence(matting, frames, { initialAlpha: new Float32Array(W * H) } as never))).toBe("INVALID_OPTION");
    expect(await code(() => matteSequence(matting, frames, { keepSolution: true } as never))).toBe("INVALID_OPTION");
    expect(await code(() => matteSequence(matting, frames, { tolerance: -1 }))).toBe("INVALID_OPTION");
  });
});
