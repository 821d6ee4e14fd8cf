// Abort: a call waiting behind another rejects as soon as its signal fires (it never runs), and a running
// call stops within a slice in every phase (Laplacian, preconditioner set-up, solve, foreground).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Matting, MattingError, type MatteOptions, type Progress, createMatting } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, noiseImage, smoothImage } from "./synthetic.js";

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

describe("a running call stops in the phase it was aborted in", () => {
  // 300x700 with 140 k unknown pixels: three slices of the Laplacian build, several of everything else.
  const width = 300, height = 700;
  const photo = smoothImage(width, height, 4);
  const band = bandTrimap(width, height, 50, 250);
  const LAPLACIAN_BUILT = 0.05, SET_UP = 0.1, ALPHA_DONE = 0.95;

  /** Runs `call`, aborting from onProgress at the first report `when` picks; returns the outcome and the reports. */
  async function abortWhen(call: (options: MatteOptions) => Promise<unknown>, when: (p: Progress) => boolean) {
    const controller = new AbortController();
    const reports: Progress[] = [];
    let abortedAfter = -1;
    const outcome = await call({
      signal: controller.signal,
      onProgress: (p) => {
        reports.push({ ...p });
        if (abortedAfter < 0 && when(p)) {
          abortedAfter = reports.length;
          controller.abort();
        }
      },
    }).then(() => "finished", (e: MattingError) => e.code);
    return { outcome, reports, abortedAfter };
  }

  it("the Laplacian build: no report of it finished", async () => {
    const { outcome, reports, abortedAfter } = await abortWhen((o) => matting.estimateAlpha(photo, band, o),
      (p) => p.phase === "laplacian" && p.fraction > 0 && p.fraction < LAPLACIAN_BUILT);
    expect(abortedAfter).toBeGreaterThan(0);
    expect(outcome).toBe("ABORTED");
    expect(Math.max(...reports.map((p) => p.fraction))).toBeLessThan(LAPLACIAN_BUILT);
  });

  it("the preconditioner set-up: no report of it finished", async () => {
    const { outcome, reports, abortedAfter } = await abortWhen((o) => matting.estimateAlpha(photo, band, o),
      (p) => p.phase === "laplacian" && p.fraction > LAPLACIAN_BUILT && p.fraction < SET_UP);
    expect(abortedAfter).toBeGreaterThan(0);
    expect(outcome).toBe("ABORTED");
    expect(Math.max(...reports.map((p) => p.fraction))).toBeLessThan(SET_UP);
  });

  it("the solve: no further slice", async () => {
    const { outcome, reports, abortedAfter } = await abortWhen(
      (o) => matting.estimateAlpha(photo, band, { ...o, preconditioner: "jacobi", tolerance: 1e-12 }), (p) => p.phase === "solve");
    expect(outcome).toBe("ABORTED");
    expect(reports.length).toBe(abortedAfter);
  });

  it("the foreground of matte: no report of it finished", async () => {
    const { outcome, reports, abortedAfter } = await abortWhen((o) => matting.matte(photo, band, { ...o, tolerance: 1e-3 }),
      (p) => p.phase === "foreground");
    expect(reports[abortedAfter - 1].fraction).toBeLessThan(1);
    expect(outcome).toBe("ABORTED");
    expect(reports.filter((p) => p.phase === "foreground").map((p) => p.fraction)).not.toContain(1);
    expect(Math.max(...reports.map((p) => p.fraction))).toBeGreaterThanOrEqual(ALPHA_DONE);
  });

  it("and the engine works on", async () => {
    expect((await matting.estimateAlpha(image, trimap)).stats.converged).toBe(true);
  });
});
