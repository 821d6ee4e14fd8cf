// Abort: a call waiting behind another rejects as soon as its signal fires (it never runs), and a running
// call stops within a slice in every phase (Laplacian, preconditioner set-up, solve, foreground).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Matting, MattingError, createMatting } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, noiseImage } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

/** A call that runs until it is aborted (or, after seconds, its residual stalls): a noisy image solved to 1e-15. */
function longCall(m: Matting) {
  const controller = new AbortController();
  let settled = false;
  const done = m.estimateAlpha(noiseImage(200, 200, 9), bandTrimap(200, 200, 10, 189), {
    tolerance: 1e-15, maxIterations: 1_000_000, preconditioner: "jacobi", signal: controller.signal,
  }).then(() => "finished", (e: MattingError) => e.code).finally(() => { settled = true; });
  return { stop: () => controller.abort(), done, running: () => !settled };
}

const image = noiseImage(40, 30, 2);
const trimap = bandTrimap(40, 30, 10, 30);

describe("a queued call", () => {
  it.each([
    ["estimateAlpha", (signal: AbortSignal) => matting.estimateAlpha(image, trimap, { signal })],
    ["matte", (signal: AbortSignal) => matting.matte(image, trimap, { signal })],
    ["estimateForeground", (signal: AbortSignal) => matting.estimateForeground(image, new Float32Array(1200).fill(0.5), { signal })],
  ])("%s rejects with ABORTED as soon as its signal fires, while the call ahead of it still runs", async (_, call) => {
    const ahead = longCall(matting);
    const controller = new AbortController();
    const queued = call(controller.signal).then(() => "finished", (e: MattingError) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const abortedAt = performance.now();
    controller.abort();
    const outcome = await queued;
    const latency = performance.now() - abortedAt;
    // The call ahead still runs: the queued one did not wait for its turn.
    expect(ahead.running()).toBe(true);
    expect(outcome).toBeInstanceOf(MattingError);
    expect((outcome as MattingError).code).toBe("ABORTED");
    expect(latency).toBeLessThan(100);
    ahead.stop();
    expect(await ahead.done).toBe("ABORTED");
  });

  it("that was aborted never runs, and the calls queued after it keep their order", async () => {
    const ahead = longCall(matting);
    const controller = new AbortController();
    const order: string[] = [];
    const first = matting.trimapStats(trimap).then(() => order.push("first"));
    const aborted = matting.estimateAlpha(image, trimap, {
      signal: controller.signal, onProgress: () => order.push("aborted call ran"),
    }).catch(() => order.push("aborted"));
    const last = matting.trimapStats(trimap).then(() => order.push("last"));
    controller.abort();
    ahead.stop();
    await Promise.all([first, aborted, last, ahead.done]);
    expect(order).toEqual(["aborted", "first", "last"]);
  });
});
