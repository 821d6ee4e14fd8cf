// Inputs are pinned when a call is made (src/snapshot.ts): what the caller does to its arrays and options
// afterwards, while the call waits its turn, changes nothing; a buffer that cannot be read at call time is
// a MattingError naming the argument.
import { beforeAll, describe, expect, it } from "vitest";
import * as api from "../dist/entry/node.js";
import { type Matting, MattingError, createMatting } from "../dist/entry/node.js";
import { compiledModule } from "./helpers.js";
import { type Image8, bandTrimap, smoothImage } from "./synthetic.js";

let matting: Matting;
beforeAll(async () => {
  matting = await createMatting({ module: await compiledModule() });
});

const width = 48, height = 40;
const copyOf = (image: Image8): Image8 => ({ width: image.width, height: image.height, data: image.data.slice() });
const photo = smoothImage(width, height, 5);
const trimap = bandTrimap(width, height, 16, 32);
const alpha = new Float32Array(width * height).map((_, i) => (i % width) / (width - 1));
const mask: Image8 = { width, height, data: Uint8Array.from(alpha, (a) => (a > 0.5 ? 255 : 0)) };
const alphaMatte = { width, height, data: alpha };

/** Each operation that queues, with fresh copies of its inputs (the arrays a test may then spoil). */
type Call = (m: Pick<Matting, keyof typeof api & keyof Matting>) => { run: () => Promise<unknown>; arrays: ArrayBufferView[]; options?: Record<string, unknown> };
const calls: Record<string, Call> = {
  estimateAlpha: (m) => {
    const [image, tri, options] = [copyOf(photo), copyOf(trimap), { tolerance: 1e-6 }];
    return { run: () => m.estimateAlpha(image, tri, options), arrays: [image.data, tri.data], options };
  },
  matte: (m) => {
    const [image, tri, options] = [copyOf(photo), copyOf(trimap), { tolerance: 1e-6, regularization: 5e-3 }];
    return { run: () => m.matte(image, tri, options), arrays: [image.data, tri.data], options };
  },
  estimateForeground: (m) => {
    const [image, a, options] = [copyOf(photo), alpha.slice(), { gradientWeight: 0.1 }];
    return { run: () => m.estimateForeground(image, a, options), arrays: [image.data, a], options };
  },
  cutout: (m) => {
    const [image, a, options] = [copyOf(photo), alpha.slice(), { premultiplied: false }];
    return { run: () => m.cutout(image, a, options), arrays: [image.data, a], options };
  },
  composite: (m) => {
    const [image, a, background] = [copyOf(photo), { width, height, data: alpha.slice() }, copyOf(smoothImage(width, height, 9))];
    return { run: () => m.composite(image, a, background), arrays: [image.data, a.data, background.data] };
  },
  compositeColour: (m) => {
    const [image, a, colour] = [copyOf(photo), alpha.slice(), [10, 200, 30] as [number, number, number]];
    return { run: () => m.composite(image, a, colour), arrays: [image.data, a], options: colour as never };
  },
  trimapFromMask: (m) => {
    const [m8, options] = [copyOf(mask), { foreground: 3, background: 4 }];
    return { run: () => m.trimapFromMask(m8, options), arrays: [m8.data], options };
  },
  trimapFromAlpha: (m) => {
    const [a, options] = [{ ...alphaMatte, data: alpha.slice() }, { low: 0.2, high: 0.8, band: 2 }];
    return { run: () => m.trimapFromAlpha(a, options), arrays: [a.data], options };
  },
  trimapStats: (m) => {
    const tri = copyOf(trimap);
    return { run: () => m.trimapStats(tri), arrays: [tri.data] };
  },
};

/** Results without their timings (which differ from run to run). */
const comparable = (result: unknown) => JSON.parse(JSON.stringify(result, (key, value) =>
  key === "milliseconds" || key === "wasmMemoryBytes" || key === "peakBytes" ? undefined : ArrayBuffer.isView(value) ? Array.from(value as Uint8Array) : value));

const spoil = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength).fill(77);
const detach = (view: ArrayBufferView) => structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
const spoilOptions = (options?: Record<string, unknown>) => {
  if (Array.isArray(options)) options.fill(0);
  else for (const key of Object.keys(options ?? {})) options![key] = -1;
};

/** A call queued behind a running one, so that its turn comes well after the caller has moved on. */
async function queuedBehindOther(m: Matting, make: Call, after: (call: ReturnType<Call>) => void) {
  const blocker = m.estimateAlpha(photo, trimap, { tolerance: 1e-9 });
  const call = make(m);
  const result = call.run();
  after(call);
  await blocker;
  return result;
}

describe("inputs are read when the call is made", () => {
  it.each(Object.keys(calls))("%s: writing to the arrays and options after the call changes nothing", async (name) => {
    const expected = comparable(await calls[name](matting).run());
    const changed = await queuedBehindOther(matting, calls[name], (call) => {
      call.arrays.forEach(spoil);
      spoilOptions(call.options);
    });
    expect(comparable(changed)).toEqual(expected);
  });

  it.each(Object.keys(calls))("%s: detaching the buffers after the call changes nothing", async (name) => {
    const expected = comparable(await calls[name](matting).run());
    const changed = await queuedBehindOther(matting, calls[name], (call) => call.arrays.forEach(detach));
    expect(comparable(changed)).toEqual(expected);
  });

  it("the default engine pins inputs too, even while it is still being created", async () => {
    const expected = comparable(await calls.matte(matting).run());
    const call = calls.matte(api);
    const result = call.run();
    call.arrays.forEach(spoil);
    spoilOptions(call.options);
    expect(comparable(await result)).toEqual(expected);
  });

  it("a resizable buffer shrunk after the call changes nothing", async () => {
    const expected = comparable(await matting.estimateAlpha(photo, trimap, { tolerance: 1e-6 }));
    const buffer = new ArrayBuffer(photo.data.byteLength, { maxByteLength: photo.data.byteLength });
    const data = new Uint8Array(buffer, 0, photo.data.length);
    data.set(photo.data);
    const blocker = matting.estimateAlpha(photo, trimap, { tolerance: 1e-9 });
    const result = matting.estimateAlpha({ width, height, data }, trimap, { tolerance: 1e-6 });
    buffer.resize(16);
    await blocker;
    expect(comparable(await result)).toEqual(expected);
  });
});

describe("inputs that cannot be read", () => {
  const invalid = async (promise: Promise<unknown>, name: RegExp) => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(MattingError);
    expect((error as MattingError).code).toBe("INVALID_INPUT");
    expect((error as MattingError).message).toMatch(name);
  };

  it("a detached image, trimap, alpha or background is INVALID_INPUT naming it", async () => {
    const detachedPhoto = copyOf(photo), detachedTrimap = copyOf(trimap), detachedAlpha = alpha.slice();
    const detachedBackground = copyOf(photo);
    [detachedPhoto.data, detachedTrimap.data, detachedAlpha, detachedBackground.data].forEach(detach);
    await invalid(matting.estimateAlpha(detachedPhoto, trimap), /^image\.data .*detached/);
    await invalid(matting.matte(photo, detachedTrimap), /^trimap\.data .*detached/);
    await invalid(matting.estimateForeground(photo, detachedAlpha), /^alpha .*detached/);
    await invalid(matting.cutout(photo, { width, height, data: detachedAlpha }), /^alpha\.data .*detached/);
    await invalid(matting.composite(photo, alpha, detachedBackground), /^background\.data .*detached/);
    await invalid(matting.trimapStats(detachedTrimap), /^trimap\.data .*detached/);
    await invalid(api.trimapFromMask({ width, height, data: detachedTrimap.data }), /^mask\.data .*detached/);
  });

  it("a view left outside its shrunk resizable buffer is INVALID_INPUT naming it", async () => {
    const buffer = new ArrayBuffer(trimap.data.byteLength, { maxByteLength: trimap.data.byteLength });
    const data = new Uint8Array(buffer, 0, trimap.data.length);
    buffer.resize(100);
    await invalid(matting.estimateAlpha(photo, { width, height, data }), /^trimap\.data .*resized to 100 bytes/);
  });

  it("the engine works on afterwards", async () => {
    const { stats } = await matting.estimateAlpha(photo, trimap);
    expect(stats.converged).toBe(true);
  });
});
