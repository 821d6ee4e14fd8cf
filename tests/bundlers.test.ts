// webpack 5 and Vite build the example pages in examples/, which import "matting" by name and ask for two
// threads; each built page, served over HTTP and run in Chromium, must give Node's alpha on the very pixels
// it decoded: with two threads when served cross-origin isolated (COOP/COEP), alone when served plain.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright";
import sharp from "sharp";
import { build as viteBuild } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpack, { type Configuration } from "webpack";
import { createMatting } from "../dist/entry/node.js";
import { serveStatic } from "../examples/browser/serve.mjs";
import { collectPageErrors, float32, launchChromium, readArrays, skipBrowserSuites, uint8 } from "./chromium.js";

const examples = fileURLToPath(new URL("../examples/", import.meta.url));

interface PageResult {
  image?: ImageData;
  trimap?: ImageData;
  alpha?: Float32Array;
  stats?: { width: number; height: number; converged: boolean; threads: number };
  error?: { code: string; message: string };
}
declare global {
  interface Window {
    __matting?: PageResult;
  }
}

async function buildWithWebpack(): Promise<string> {
  const { default: config } = (await import("../examples/webpack/webpack.config.mjs")) as { default: Configuration };
  await new Promise<void>((done, failed) =>
    webpack(config, (error, stats) => {
      if (error) return failed(error);
      if (stats?.hasErrors()) return failed(new Error(stats.toString({ all: false, errors: true })));
      done();
    }),
  );
  return config.output!.path!;
}

async function buildWithVite(): Promise<string> {
  await viteBuild({ configFile: join(examples, "vite/vite.config.mjs"), logLevel: "warn" });
  return join(examples, "vite/dist");
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

let browser: Browser;
const outputs = new Map<string, Promise<string>>();

beforeAll(async () => {
  // Start both builds before the browser, so the three overlap.
  outputs.set("webpack", buildWithWebpack());
  outputs.set("vite", buildWithVite());
  if (!skipBrowserSuites) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe.each(["webpack", "vite"])("the %s build", (bundler) => {
  it("emits matting.wasm and the threads build untouched as assets", async () => {
    const output = await outputs.get(bundler)!;
    const wasmFiles = (await filesUnder(output)).filter((file) => file.endsWith(".wasm"));
    expect(wasmFiles).toHaveLength(2);
    const emitted = await Promise.all(wasmFiles.map((file) => readFile(file)));
    for (const name of ["matting.wasm", "matting-threads.wasm"]) {
      const original = await readFile(new URL(`../dist/${name}`, import.meta.url));
      expect(emitted.filter((bytes) => Buffer.compare(bytes, original) === 0), name).toHaveLength(1);
    }
  });

  it.skipIf(skipBrowserSuites).each([
    // Isolated, the page fetches matting.wasm and the threads build; plain, only matting.wasm.
    { served: "cross-origin isolated", isolated: true, threads: 2, wasmFetches: 2, method: undefined },
    { served: "plain", isolated: false, threads: 1, wasmFetches: 1, method: undefined },
    // Information flow on two threads: its searches, tree builds and trims shared by a Web Worker and the page's main
    // thread, which may not block and spins at their barriers (src/methods/search-team.ts).
    ...(bundler === "vite" ? [{ served: "cross-origin isolated, ?method=ifm", isolated: true, threads: 2, wasmFetches: 2, method: "ifm" as const }] : []),
  ])("gives Node's alpha in Chromium, served $served, on $threads thread(s)", async ({ isolated, threads, wasmFetches, method }) => {
    const output = await outputs.get(bundler)!;
    const server = await serveStatic(output, { isolated });
    const page = await browser.newPage();
    const pageErrors = collectPageErrors(page);
    const wasmResponses: { status: number; type: string | undefined }[] = [];
    page.on("response", (response) => {
      if (response.url().endsWith(".wasm")) wasmResponses.push({ status: response.status(), type: response.headers()["content-type"] });
    });
    try {
      await page.goto(method === undefined ? server.url : `${server.url}?method=${method}`);
      await page.waitForFunction(() => window.__matting !== undefined, undefined, { timeout: 30_000 });
      const result = await page.evaluate(() => ({ error: window.__matting!.error, stats: window.__matting!.stats }));
      expect(result.error, pageErrors.join("\n")).toBeUndefined();
      expect(wasmResponses).toEqual(Array.from({ length: wasmFetches }, () => ({ status: 200, type: "application/wasm" })));
      expect(result.stats!.threads).toBe(threads);

      const arrays = await readArrays(page, () => ({
        image: window.__matting!.image!.data,
        trimap: window.__matting!.trimap!.data,
        alpha: window.__matting!.alpha!,
      }));
      const { width, height } = result.stats!;
      expect([width, height]).toEqual([680, 440]);
      // No colour management touched the photo: the page saw the PNG's stored samples.
      const stored = await sharp(join(examples, "lemur.png")).ensureAlpha().raw().toBuffer();
      expect(Buffer.compare(arrays.image!, stored)).toBe(0);
      const inBrowser = float32(arrays.alpha!);
      const matting = await createMatting({ threads });
      const inNode = await matting.estimateAlpha({ width, height, data: uint8(arrays.image!) }, { width, height, data: uint8(arrays.trimap!) }, { method });
      expect(result.stats!.method).toBe(method ?? "cf");
      matting.close();
      expect(inNode.stats.converged).toBe(true);
      expect(inNode.stats.threads).toBe(threads);
      let largest = 0;
      for (let i = 0; i < inNode.alpha.length; i++) largest = Math.max(largest, Math.abs(inNode.alpha[i]! - inBrowser[i]!));
      expect(inBrowser).toHaveLength(width * height);
      expect(largest).toBeLessThanOrEqual(1e-6);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
