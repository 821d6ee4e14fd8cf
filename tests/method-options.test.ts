// Every option of every method (METHODS[m].options) against hostile values: each must be refused up front with
// INVALID_OPTION naming the option, and the bounds of each documented range must be taken. The table must list
// every option of every method, so an option added without its hostile values fails here.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting } from "../dist/entry/node.js";
import { METHODS } from "../dist/methods/index.js";
import { compiledModule } from "./helpers.js";
import { noiseImage, randomTrimap } from "./synthetic.js";

/** Not a valid value of any option: not a number of the right kind, not a list, not a choice. */
const ALWAYS_INVALID: unknown[] = [Number.NaN, Infinity, -Infinity, "1", "", [], null, {}, true, 10n, () => 1];

interface Row {
  /** Values out of the option's documented range, besides ALWAYS_INVALID. */
  invalid: unknown[];
  /** Values at (or inside) the bounds, which its check must take. */
  valid: unknown[];
}

const unitInterval = (below: number): Row => ({ invalid: [0, -1, 1, 2, 1e9, -1e-9], valid: [below, 0.5, 1 - 1e-12] });
const positiveInteger: Row = { invalid: [0, -1, 1.5, -0.5, 1e9 + 0.5], valid: [1, 2, 1e9] };
/** An integer from `least` to `most`. */
const integerRange = (least: number, most: number): Row => ({
  invalid: [least - 1, -1, most + 1, 1e9, least + 0.5, most - 0.5, 1e-9].filter((v) => !(Number.isInteger(v) && v >= least && v <= most)),
  valid: [least, most],
});
const epsilon: Row = { invalid: [0, -1, 1e-13, 1.0001, 2, 1e9, -1e-7], valid: [1e-12, 1e-7, 1] };
const preconditioner: Row = { invalid: ["ichol", "Jacobi", "MULTIGRID", " jacobi", 1, 0, ["jacobi"]], valid: ["jacobi", "multigrid"] };
/** pymatting-style solver options (src/methods/options.ts SOLVER_OPTIONS): tolerance in (0, 1). */
const solver = { tolerance: unitInterval(1e-300), maxIterations: positiveInteger };
const squaredSigma: Row = { invalid: [0, -1, -1e-9, 1e6 * 1.0001, 1e9], valid: [1e-300, 0.1, 1e6] };

const TABLE: Record<string, Record<string, Row>> = {
  cf: {
    epsilon,
    radius: integerRange(1, 8),
    // Closed-form's tolerance goes down to 1e-30, where its CG's residual stops being exact (src/validate.ts).
    tolerance: { invalid: [0, -1, 1, 2, 1e9, 1e-31, 5e-324], valid: [1e-30, 0.5] },
    maxIterations: positiveInteger,
    preconditioner,
  },
  knn: {
    neighbors: {
      invalid: [[0], [-1], [1.5], [1001], [1e9], [Number.NaN], [Infinity], ["1"], [20, "10"], [null], 20, "20", Array(9).fill(1)],
      valid: [[1], [1000], Array(8).fill(1)],
    },
    distanceWeights: {
      invalid: [[-1], [-1e-9], [1e6 * 1.0001], [1e9], [Number.NaN], [Infinity], ["1"], [true], 2, "2", Array(9).fill(1)],
      valid: [[0], [1e6], Array(8).fill(0.5)],
    },
    kernel: { invalid: ["gaussian", "Binary", "soft ", 1, ["soft"]], valid: ["binary", "soft"] },
    ...solver,
  },
  lkm: { epsilon, radius: integerRange(1, 50), ...solver },
  rw: {
    sigma: { invalid: [0, -1, 9.99e-4, 10.001, 1e9], valid: [1e-3, 1 / 30, 10] },
    laplacianRegularization: { invalid: [-1, -1e-9, 1.0001, 2, 1e9], valid: [0, 1e-8, 1] },
    preconditioner,
    ...solver,
  },
  lbdm: { epsilon, radius: integerRange(1, 2), preconditioner, ...solver },
  sm: {
    trimapExpansionRadius: integerRange(0, 50),
    trimapExpansionThreshold: { invalid: [-1, -1e-9, 2.0001, 1e9], valid: [0, 0.02, 2] },
    sampleGatheringAngles: integerRange(1, 64),
    // 4 numbers each from 0 to 16 (fewer fail sm's checkOptions, the rest the list's own check).
    sampleGatheringWeights: {
      invalid: [[1], [1, 2], [1, 2, 3], [1, 2, 3, 4, 5], [1, 2, 3, -1], [1, 2, 3, 16.001], [1, 2, 3, 1e9], [1, 2, 3, Number.NaN],
        [1, 2, 3, Infinity], [1, 2, 3, "4"], "3,2,1,4", 3],
      valid: [[0, 0, 0, 0], [16, 16, 16, 16], [3, 2, 1, 4]],
    },
    sampleGatheringNpRadius: integerRange(0, 50),
    sampleRefinementRadius: integerRange(1, 50),
    localSmoothingRadius1: integerRange(1, 50),
    localSmoothingRadius2: integerRange(1, 50),
    localSmoothingRadius3: integerRange(1, 50),
    localSmoothingSigmaSq1: squaredSigma,
    localSmoothingSigmaSq2: squaredSigma,
    localSmoothingSigmaSq3: squaredSigma,
  },
  ifm: { ...solver, preconditioner },
  combined: { ...solver },
};

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

const image = noiseImage(12, 10, 1), trimap = randomTrimap(12, 10, 2);
const describeValue = (v: unknown) => (typeof v === "bigint" ? `${v}n` : typeof v === "function" ? "a function" : Number.isNaN(v) ? "NaN" : JSON.stringify(v) ?? String(v));

describe("method options", () => {
  it("the table lists every option of every method", () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(METHODS).sort());
    for (const [method, rows] of Object.entries(TABLE)) {
      expect(Object.keys(rows).sort(), method).toEqual(Object.keys(METHODS[method as keyof typeof METHODS].options).sort());
    }
  });

  it.each(Object.keys(TABLE))("%s: every hostile value is INVALID_OPTION naming the option, before any work", async (method) => {
    let refused = 0;
    for (const [key, row] of Object.entries(TABLE[method])) {
      for (const value of [...row.invalid, ...ALWAYS_INVALID]) {
        const what = `${method} ${key}: ${describeValue(value)}`;
        const error = await matting.estimateAlpha(image, trimap, { method, [key]: value } as never).then(() => undefined, (e: unknown) => e);
        expect(error, what).toBeInstanceOf(MattingError);
        expect((error as MattingError).code, what).toBe("INVALID_OPTION");
        expect((error as MattingError).details.option, what).toBe(key);
        expect((error as MattingError).message, what).toContain(key);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(10);
  });

  it.each(Object.keys(TABLE))("%s: the bounds of every range are taken", (method) => {
    const { options } = METHODS[method as keyof typeof METHODS];
    for (const [key, row] of Object.entries(TABLE[method])) {
      for (const value of row.valid) {
        const spec = (options as Record<string, { check(value: unknown, key: string): unknown }>)[key];
        expect(() => spec.check(value, key), `${method} ${key}: ${describeValue(value)}`).not.toThrow();
        expect(spec.check(value, key), `${method} ${key}: ${describeValue(value)}`).toEqual(value);
      }
    }
  });

  it("a wrong method is INVALID_OPTION naming method", async () => {
    for (const method of ["bayes", "", "CF", " knn", 1, null, [], {}, Number.NaN, "toString", "__proto__", "constructor"]) {
      const error = await matting.estimateAlpha(image, trimap, { method } as never).then(() => undefined, (e: unknown) => e);
      expect(error, describeValue(method)).toBeInstanceOf(MattingError);
      expect((error as MattingError).code).toBe("INVALID_OPTION");
      expect((error as MattingError).details.option).toBe("method");
    }
  });
});
