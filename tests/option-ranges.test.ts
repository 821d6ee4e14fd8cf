// Option ranges measured where the arithmetic stops being exact enough (see the comments at each bound in
// src/validate.ts and src/validate-matte.ts): inside them results are right, outside them INVALID_OPTION.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { bandTrimap, noiseImage } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

describe("tolerance", () => {
  const image = noiseImage(40, 30, 3);
  const trimap = bandTrimap(40, 30, 10, 30);

  it("is rejected below 1e-30, where CG's residual underflowed and alpha came out wrong (Jacobi)", async () => {
    for (const tolerance of [1e-31, 1e-170, 5e-324]) {
      const error = await matting.estimateAlpha(image, trimap, { tolerance, preconditioner: "jacobi" }).catch((e: unknown) => e);
      expect(error, String(tolerance)).toBeInstanceOf(MattingError);
      expect((error as MattingError).code).toBe("INVALID_OPTION");
      expect((error as MattingError).message).toMatch(/1e-30/);
    }
  });

  it("at 1e-30 gives the alpha of 1e-12, converged, with both preconditioners", async () => {
    for (const preconditioner of ["jacobi", "multigrid"] as const) {
      const loose = await matting.estimateAlpha(image, trimap, { tolerance: 1e-12, preconditioner });
      const tight = await matting.estimateAlpha(image, trimap, { tolerance: 1e-30, preconditioner });
      expect(tight.stats.converged, preconditioner).toBe(true);
      expect(Number.isFinite(tight.stats.residual)).toBe(true);
      let worst = 0;
      tight.alpha.forEach((a, i) => { worst = Math.max(worst, Math.abs(a - loose.alpha[i])); });
      expect(worst, preconditioner).toBeLessThan(1e-6);
    }
  });
});
