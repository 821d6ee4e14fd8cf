// Inputs that fight back (found by tests/fuzz.test.ts): getters that throw or change, proxies and subclasses
// that pretend to be typed arrays, options that are not plain objects. Each is a MattingError, never a raw
// TypeError, and reads what a plain caller would expect.
import { beforeAll, describe, expect, it } from "vitest";
import { createMatting, MattingError, type Matting, type MattingErrorCode } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { randomTrimap, smoothImage } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

const image = smoothImage(9, 8, 1);
const trimap = randomTrimap(9, 8, 2);

async function code(promise: Promise<unknown>): Promise<MattingErrorCode | string> {
  return promise.then(() => "resolved", (e: unknown) => (e instanceof MattingError ? e.code : `raw ${String(e)}`));
}

describe("hostile inputs", () => {
  it("a getter that throws on width, height or data is INVALID_INPUT", async () => {
    for (const key of ["width", "height", "data"]) {
      const hostile = { ...image };
      Object.defineProperty(hostile, key, { get() { throw new Error("hostile"); } });
      expect(await code(matting.estimateAlpha(hostile, trimap)), key).toBe("INVALID_INPUT");
      expect(await code(matting.estimateAlpha(image, Object.defineProperty({ ...trimap }, key, { get() { throw new Error("hostile"); } }))), key)
        .toBe("INVALID_INPUT");
      expect(await code(matting.trimapStats(Object.defineProperty({ ...trimap }, key, { get() { throw new Error("hostile"); } }))), key)
        .toBe("INVALID_INPUT");
    }
  });

  it("a Proxy around a typed array is INVALID_INPUT, as data or as alpha", async () => {
    const proxied = new Proxy(image.data, {});
    expect(await code(matting.estimateAlpha({ ...image, data: proxied }, trimap))).toBe("INVALID_INPUT");
    expect(await code(matting.cutout(image, new Proxy(new Float32Array(72), {})))).toBe("INVALID_INPUT");
    const throwing = new Proxy(new Float32Array(72), { get() { throw new Error("hostile"); } });
    expect(await code(matting.cutout(image, throwing))).toBe("INVALID_INPUT");
  });

  it("a typed array whose length lies is read by its real length", async () => {
    class Lying extends Uint8Array {
      override get length(): number {
        return 72;
      }
    }
    const lying = new Lying(9 * 8 * 3);
    lying.set(image.data);
    // Its real length is RGB for 9x8: the same alpha as the plain image, whatever `length` says.
    expect((await matting.estimateAlpha({ ...image, data: lying }, trimap)).alpha).toEqual((await matting.estimateAlpha(image, trimap)).alpha);
  });

  it("options whose getters throw are INVALID_OPTION, for every function", async () => {
    const hostile = new Proxy({}, { get() { throw new Error("hostile options"); } });
    const alpha = new Float32Array(72);
    expect(await code(matting.estimateAlpha(image, trimap, hostile))).toBe("INVALID_OPTION");
    expect(await code(matting.matte(image, trimap, hostile))).toBe("INVALID_OPTION");
    expect(await code(matting.estimateForeground(image, alpha, hostile))).toBe("INVALID_OPTION");
    expect(await code(matting.cutout(image, alpha, hostile))).toBe("INVALID_OPTION");
    expect(await code(matting.trimapFromMask(trimap, hostile))).toBe("INVALID_OPTION");
    expect(await code(matting.trimapFromAlpha(trimap, hostile))).toBe("INVALID_OPTION");
    expect(await code(matting.estimateAlpha(image, trimap, { signal: hostile as AbortSignal }))).toBe("INVALID_OPTION");
    expect(await code(createMatting(hostile))).toBe("INVALID_OPTION");
  });

  it("matte reads each option once: a getter of an alpha option that throws is INVALID_OPTION, one that changes is read once", async () => {
    const throwing = Object.defineProperty({}, "epsilon", { get() { throw new Error("hostile"); }, enumerable: true });
    expect(await code(matting.matte(image, trimap, throwing))).toBe("INVALID_OPTION");
    expect(await code(matting.matte(image, trimap, new Proxy({}, { ownKeys() { throw new Error("hostile"); } })))).toBe("resolved");
    let reads = 0;
    const changing = Object.defineProperty({}, "radius", { get: () => (++reads === 1 ? 1 : 99), enumerable: true });
    expect(await code(matting.matte(image, trimap, changing))).toBe("resolved");
    expect(reads).toBe(1);
  });

  it("values that cannot be printed still give a message", async () => {
    const unprintable = { toString() { throw new Error("no"); } };
    const error = await matting.estimateAlpha(image, trimap, { radius: unprintable as never }).catch((e: unknown) => e);
    expect((error as MattingError).code).toBe("INVALID_OPTION");
    expect((error as MattingError).message).toMatch(/option radius must be/);
    expect(await code(matting.estimateAlpha({ ...image, width: unprintable as never }, trimap))).toBe("INVALID_INPUT");
    expect(await code(createMatting({ threads: unprintable as never }))).toBe("INVALID_OPTION");
  });

  it("createMatting(null) and other non-objects are INVALID_OPTION", async () => {
    for (const options of [null, 5, "threads"]) expect(await code(createMatting(options as never))).toBe("INVALID_OPTION");
  });
});
