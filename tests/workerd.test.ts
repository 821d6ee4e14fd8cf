// The workerd example (examples/worker) in a real workerd: POST the lemur's image and trimap PNGs,
// get the alpha PNG back, and compare with Node's estimateAlpha on the same pixels.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { decode, encode } from "fast-png";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateAlpha } from "../dist/entry/node.js";

const exampleDir = fileURLToPath(new URL("../examples/worker/", import.meta.url));
const lemurPath = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

/** A port the OS says is free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswering(url: string, worker: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (worker.exitCode !== null) throw new Error(`workerd exited with ${worker.exitCode}:\n${log()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`workerd did not answer within 30 s:\n${log()}`);
}

function postPngs(url: string, image: Uint8Array, trimap: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.set("image", new Blob([image], { type: "image/png" }), "image.png");
  form.set("trimap", new Blob([trimap], { type: "image/png" }), "trimap.png");
  return fetch(url, { method: "POST", body: form });
}

describe("workerd example", () => {
  let worker: ChildProcess;
  let url: string;
  let output = "";

  beforeAll(async () => {
    await import("../examples/worker/build.mjs");
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    // The platform binary itself (not a wrapper script), so that killing it stops the server.
    const workerdBinary: string = createRequire(import.meta.url)("workerd").default;
    worker = spawn(workerdBinary, ["serve", "config.capnp", `--socket-addr=http=127.0.0.1:${port}`], { cwd: exampleDir, stdio: ["ignore", "pipe", "pipe"] });
    worker.stdout!.on("data", (chunk) => (output += chunk));
    worker.stderr!.on("data", (chunk) => (output += chunk));
    await waitUntilAnswering(url, worker, () => output);
  });

  afterAll(async () => {
    if (!worker || worker.exitCode !== null) return;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    worker.kill("SIGTERM");
    await exited;
  });

  it("answers a POST of the lemur's PNGs with Node's alpha (within 1/255)", async () => {
    const [imagePng, trimapPng] = await Promise.all([readFile(lemurPath("lemur.png")), readFile(lemurPath("lemur_trimap.png"))]);
    const response = await postPngs(url, imagePng, trimapPng);
    expect(response.status, await response.clone().text().catch(() => "")).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    const stats = JSON.parse(response.headers.get("x-matting-stats")!);
    expect(stats.converged).toBe(true);
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
});
