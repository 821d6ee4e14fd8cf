// The method registry (src/methods/): the `method` option, stats.method, and which options each method takes.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, METHOD_NAMES, MattingError, type Matting } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { noiseImage, randomTrimap } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

const image = noiseImage(12, 10, 1);
const trimap = randomTrimap(12, 10, 2);

async function invalidOption(options: unknown): Promise<MattingError> {
  const error = await matting.estimateAlpha(image, trimap, options as never).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MattingError);
  expect((error as MattingError).code).toBe("INVALID_OPTION");
  return error as MattingError;
}

describe("method registry", () => {
  it("runs closed-form by default and says so in stats; method cf is the same call", async () => {
    const byDefault = await matting.estimateAlpha(image, trimap);
    const named = await matting.estimateAlpha(image, trimap, { method: "cf" });
    expect(byDefault.stats.method).toBe("cf");
    expect(named.stats.method).toBe("cf");
    expect(named.alpha).toEqual(byDefault.alpha);
  });

  it("matte runs the method asked for, with its options, and its alpha is estimateAlpha's", async () => {
    const [photo, tri] = [noiseImage(24, 22, 5), randomTrimap(24, 22, 6)];
    for (const method of METHOD_NAMES) {
      const options = method === "knn" ? { method, neighbors: [5, 3] } : { method };
      const alone = await matting.estimateAlpha(photo, tri, options);
      const { alpha, stats } = await matting.matte(photo, tri, { ...options, regularization: 1e-3 });
      expect(stats.method).toBe(method);
      expect(alpha).toEqual(alone.alpha);
    }
    const error = await matting.matte(image, trimap, { method: "cf", neighbors: [5, 3] }).then(() => undefined, (e: unknown) => e);
    expect((error as MattingError).code).toBe("INVALID_OPTION");
  });

  it("rejects an unknown method, naming the methods there are", async () => {
    for (const method of ["CF", "closed-form", "", 3, null]) {
      const error = await invalidOption({ method });
      expect(error.details.option).toBe("method");
      for (const name of METHOD_NAMES) expect(error.message).toContain(`"${name}"`);
    }
  });

  it("checks every method's options with its own rules", async () => {
    for (const method of METHOD_NAMES) {
      for (const maxIterations of [0, 1.5, -3, "10"]) {
        const error = await invalidOption({ method, maxIterations });
        expect(error.details.option).toBe("maxIterations");
      }
    }
  });
});
