// The benchmark's accuracy metrics (bench/metrics.ts) on cases small enough to work out by hand.
import { describe, expect, it } from "vitest";
import {
  connectivityError, gaussianDerivativeFactors, gaussianHalfSize, gradientError, gradientMagnitude,
  largestComponent, meanAbsoluteDifference, mse, sad, scoreMatte, type ScoredMatte,
} from "../bench/metrics.js";

function matte(width: number, height: number, predicted: number[], truth: number[], unknown?: number[]): ScoredMatte {
  return {
    width, height,
    predicted: Float32Array.from(predicted),
    truth: Float32Array.from(truth),
    unknown: Uint8Array.from(unknown ?? predicted.map(() => 1)),
  };
}

/** A width x height alpha from a function of the pixel position. */
function plane(width: number, height: number, f: (x: number, y: number) => number): number[] {
  return Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width)));
}

describe("SAD and MSE", () => {
  it("are zero, as are Grad and Conn, for identical alphas", () => {
    const alpha = plane(12, 9, (x, y) => ((x * 7 + y * 3) % 11) / 10);
    expect(scoreMatte(matte(12, 9, alpha, alpha))).toEqual({ sad: 0, mse: 0, gradient: 0, connectivity: 0 });
  });

  it("give n * c / 1000 and c^2 for a constant offset c on n unknown pixels", () => {
    const truth = plane(10, 4, () => 0.25);
    const predicted = truth.map((v) => v + 0.5);
    const m = matte(10, 4, predicted, truth);
    expect(sad(m)).toBeCloseTo((40 * 0.5) / 1000, 12);
    expect(mse(m)).toBeCloseTo(0.25, 12);
  });

  it("count only the unknown pixels", () => {
    const m = matte(4, 1, [1, 0.5, 0, 1], [0, 0.25, 0, 0], [0, 1, 1, 0]);
    expect(sad(m)).toBeCloseTo(0.25 / 1000, 12);
    expect(mse(m)).toBeCloseTo(0.0625 / 2, 12);
    expect(meanAbsoluteDifference(m.predicted, m.truth, m.unknown)).toBeCloseTo(0.125, 12);
  });

  it("give 0 when no pixel is unknown", () => {
    const m = matte(2, 1, [1, 0], [0, 1], [0, 0]);
    expect(mse(m)).toBe(0);
    expect(sad(m)).toBe(0);
  });
});

describe("Gradient", () => {
  it("uses a 9-tap kernel for sigma 1.4, unit L2 norm, antisymmetric derivative", () => {
    // sqrt(2 pi) * 1.4 * 0.01 = 0.0351; sqrt(-2 ln 0.0351) = 2.588; * 1.4 = 3.62 -> 4.
    expect(gaussianHalfSize(1.4)).toBe(4);
    const { smooth, derivative } = gaussianDerivativeFactors(1.4);
    expect(smooth.length).toBe(9);
    let norm2D = 0;
    for (const s of smooth) for (const d of derivative) norm2D += (s * d) ** 2;
    expect(norm2D).toBeCloseTo(1, 12);
    for (let k = 0; k < 9; k++) expect(derivative[k]).toBeCloseTo(-derivative[8 - k], 15);
    expect(Math.abs(derivative[4])).toBe(0);
  });

  it("of a flat alpha is zero, and of a ramp a x is a times the kernel's first moment inside the border", () => {
    const width = 20, height = 12, slope = 0.03;
    const flat = gradientMagnitude(Float32Array.from(plane(width, height, () => 0.4)), width, height);
    expect(Math.max(...flat)).toBeLessThan(1e-12);

    // d_k = -k g(k) / |k g|, s_k = g(k) / |g|: filtering a x gives a * sum(k^2 g) / |k g| * sum(g) / |g|.
    const g = Array.from({ length: 9 }, (_, k) => Math.exp(-((k - 4) ** 2) / (2 * 1.4 * 1.4)));
    const firstMoment = g.reduce((s, v, k) => s + (k - 4) ** 2 * v, 0) / Math.hypot(...g.map((v, k) => (k - 4) * v));
    const smoothSum = g.reduce((s, v) => s + v, 0) / Math.hypot(...g);
    const expected = slope * firstMoment * smoothSum;
    const ramp = gradientMagnitude(Float32Array.from(plane(width, height, (x) => slope * x)), width, height);
    for (let y = 0; y < height; y++) {
      for (let x = 4; x < width - 4; x++) expect(ramp[y * width + x]).toBeCloseTo(expected, 6);
    }

    // Scored only on the interior unknown pixels: n * expected^2 / 1000.
    const unknown = plane(width, height, (x) => (x >= 4 && x < width - 4 ? 1 : 0));
    const m = matte(width, height, plane(width, height, (x) => slope * x), plane(width, height, () => 0.4), unknown);
    expect(gradientError(m)).toBeCloseTo((12 * height * expected ** 2) / 1000, 8);
  });

  it("does not see a constant offset", () => {
    const truth = plane(15, 15, (x, y) => (x + y) / 40);
    const m = matte(15, 15, truth.map((v) => v + 0.2), truth);
    expect(gradientError(m)).toBeLessThan(1e-15);
  });
});

describe("Connectivity", () => {
  it("finds the largest 4-connected component (diagonal neighbours do not connect)", () => {
    // 1 0 1
    // 0 1 1    -> {(2,0), (1,1), (2,1)} is the largest; (0,0) and (0,2) stand alone.
    // 1 0 0
    const mask = Uint8Array.from([1, 0, 1, 0, 1, 1, 1, 0, 0]);
    expect([...largestComponent(mask, 3, 3)]).toEqual([0, 0, 1, 0, 1, 1, 0, 0, 0]);
    expect([...largestComponent(new Uint8Array(4), 2, 2)]).toEqual([0, 0, 0, 0]);
  });

  it("scores a pixel that leaves the component at 0.6 against one that stays", () => {
    // Pixel 1: predicted 0.5, truth 1; both >= t up to t = 0.5, so l = 0.5.
    // phi_pred = 1 (d = 0), phi_truth = 1 - 0.5 = 0.5. Pixel 0 never leaves (l = 1), pixel 2 leaves at once (l = 0).
    expect(connectivityError(matte(3, 1, [1, 0.5, 0], [1, 1, 0]))).toBeCloseTo(0.5 / 1000, 12);
  });

  it("drops pixels outside the largest component at the first threshold", () => {
    // At t = 0.1 the pair {0, 1} (size 2) loses to {3, 4, 5} (size 3), so pixels 0 and 1 get l = 0:
    // phi_pred = 1 - 0.75 and phi_truth = 1 - 1 = 0, twice: 0.5 / 1000.
    expect(connectivityError(matte(6, 1, [0.75, 0.75, 0, 1, 1, 1], [1, 1, 0, 1, 1, 1]))).toBeCloseTo(0.5 / 1000, 12);
    // Joined to the rest, the pair stays until t = 0.7 (l = 0.7): d_pred = 0.05 is below 0.15 (phi 1),
    // d_truth = 0.3 gives phi 0.7; twice: 0.6 / 1000.
    expect(connectivityError(matte(6, 1, [0.75, 0.75, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]))).toBeCloseTo(0.6 / 1000, 12);
  });

  it("counts only unknown pixels", () => {
    expect(connectivityError(matte(3, 1, [1, 0.5, 0], [1, 1, 0], [1, 0, 1]))).toBe(0);
  });
});
