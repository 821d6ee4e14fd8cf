// The workerd example (examples/worker) in a real workerd: POST the lemur's image and trimap PNGs,
// get the alpha PNG back, and compare with Node's estimateAlpha on the same pixels.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { decode, encode } from "fast-png";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateAlpha } from "../dist/entry/node.js";
import { startWorker } from "../examples/worker/start.mjs";

const lemurPath = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

function postPngs(url: string, image: Uint8Array, trimap: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.set("image", new Blob([image], { type: "image/png" }), "image.png");
  form.set("trimap", new Blob([trimap], { type: "image/png" }), "trimap.png");
  return fetch(url, { method: "POST", body: form });
}

describe("workerd example", () => {
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let url: string;

  beforeAll(async () => {
    worker = await startWorker();
    url = worker.url;
  });

  afterAll(() => worker?.stop());

  it("answers a POST of the lemur's PNGs with Node's alpha (within 1/255)", async () => {
    const [imagePng, trimapPng] = await Promise.all([readFile(lemurPath("lemur.png")), readFile(lemurPath("lemur_trimap.png"))]);
    const response = await postPngs(url, imagePng, trimapPng);
    if (response.status !== 200) throw new Error(`workerd answered ${response.status}: ${await response.text()}`);
    expect(response.headers.get("content-type")).toBe("image/png");
    const stats = JSON.parse(response.headers.get("x-matting-stats")!);
    expect(stats.converged).toBe(true);
    expect(stats.threads).toBe(1); // asked for two; workerd has no threads, and that is no error
    const answer = decode(new Uint8Array(await response.arrayBuffer()));

    const image = await sharp(imagePng).raw().toBuffer({ resolveWithObject: true });
    const trimap = await sharp(trimapPng).raw().toBuffer({ resolveWithObject: true });
    const { width, height } = image.info;
    const node = await estimateAlpha(
      { width, height, data: new Uint8Array(image.data) },
      { width, height, data: new Uint8Array(trimap.data).filter((_, i) => i % trimap.info.channels === 0) },
    );
    expect([answer.width, answer.height, answer.channels, answer.depth]).toEqual([width, height, 1, 8]);
    expect(stats.unknownPixels).toBe(node.stats.unknownPixels);
    let maxDifference = 0;
    for (let i = 0; i < node.alpha.length; i++) maxDifference = Math.max(maxDifference, Math.abs(answer.data[i] / 255 - node.alpha[i]));
    expect(maxDifference).toBeLessThanOrEqual(1 / 255);
  });

  it("answers a size mismatch with 422 and the MattingError code", async () => {
    const tiny = (value: number) => encode({ width: 8, height: 8, data: new Uint8Array(64).fill(value), channels: 1, depth: 8 });
    const big = encode({ width: 9, height: 8, data: new Uint8Array(72 * 3).fill(90), channels: 3, depth: 8 });
    const response = await postPngs(url, big, tiny(128));
    expect(response.status).toBe(422);
    expect((await response.json()).code).toBe("SIZE_MISMATCH");
  });

  it("answers an image too large for its capped engine with 413 TOO_LARGE, and keeps serving", async () => {
    // 1700x1100 with a third unknown needs well over the worker's 96 MiB of wasm memory.
    const width = 1700, height = 1100;
    const photo = await sharp({ create: { width, height, channels: 3, background: { r: 90, g: 140, b: 60 } } }).png().toBuffer();
    const labels = new Uint8Array(width * height).map((_, p) => (p % width < 500 ? 255 : p % width < 1100 ? 128 : 0));
    const trimapPng = await sharp(labels, { raw: { width, height, channels: 1 } }).png().toBuffer();
    const response = await postPngs(url, photo, trimapPng);
    expect(response.status).toBe(413);
    expect((await response.json()).code).toBe("TOO_LARGE");
    const again = await postPngs(url, await readFile(lemurPath("lemur.png")), await readFile(lemurPath("lemur_trimap.png")));
    expect(again.status).toBe(200);
  });

  it("answers a form without a trimap with 400", async () => {
    const form = new FormData();
    form.set("image", new Blob([await readFile(lemurPath("lemur.png"))]), "image.png");
    const response = await fetch(url, { method: "POST", body: form });
    expect(response.status).toBe(400);
    expect((await response.json()).code).toBe("MISSING_FIELD");
  });

  it("answers other methods with 405 and usage", async () => {
    const response = await fetch(url);
    expect(response.status).toBe(405);
    expect(await response.text()).toMatch(/POST multipart\/form-data/);
  });

  it("takes the alpha method from the form's \"method\" field, and answers an unknown one with 422", async () => {
    const width = 24, height = 16;
    const photo = encode({ width, height, data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 251), channels: 3, depth: 8 });
    const trimap = encode({ width, height, data: Uint8Array.from({ length: width * height }, (_, p) => (p % width < 8 ? 255 : p % width > 15 ? 0 : 128)), channels: 1, depth: 8 });
    const post = (method: string) => {
      const form = new FormData();
      form.set("image", new Blob([photo], { type: "image/png" }), "image.png");
      form.set("trimap", new Blob([trimap], { type: "image/png" }), "trimap.png");
      form.set("method", method);
      return fetch(url, { method: "POST", body: form });
    };
    const knn = await post("knn");
    expect(knn.status).toBe(200);
    expect(JSON.parse(knn.headers.get("x-matting-stats")!).method).toBe("knn");
    const unknown = await post("bayes");
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).code).toBe("INVALID_OPTION");
  });
});
