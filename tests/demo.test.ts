// The demo page (examples/browser, `npm run demo`) driven in Chromium as a person would: open the lemur and
// its trimap through the file inputs, run, cancel a run, and compare the page's alpha with Node's.
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMatting } from "../dist/entry/node.js";
import { serveDemo } from "../examples/browser/serve.mjs";
import { collectPageErrors, float32, launchChromium, readArrays, skipBrowserSuites, uint8 } from "./chromium.js";

const examples = fileURLToPath(new URL("../examples/", import.meta.url));
const screenshotPath = fileURLToPath(new URL("../out/demo.png", import.meta.url));

interface DemoResult {
  width: number;
  height: number;
  image: ImageData;
  trimap: Uint8Array;
  alpha: Float32Array;
  cutout: Uint8ClampedArray;
}
declare global {
  interface Window {
    __demo: { lastResult?: DemoResult; trimap: { width: number; height: number; labels: Uint8Array } };
  }
}

let browser: Browser;
let server: { url: string; close(): Promise<void> };
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  if (skipBrowserSuites) return;
  [server, browser] = await Promise.all([serveDemo({ port: 0 }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 712 } });
  pageErrors = collectPageErrors(page);
  await page.goto(server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function runAndWait(): Promise<{ state: string; text: string }> {
  await page.click("#run");
  await page.waitForSelector('#status:is([data-state="done"], [data-state="error"], [data-state="cancelled"])', { timeout: 60_000 });
  return page.$eval("#status", (status) => ({ state: status.dataset.state!, text: status.textContent! }));
}

describe.skipIf(skipBrowserSuites)("the demo page", () => {
  it("loads the lemur and its trimap through the file inputs", async () => {
    expect(page.url()).toBe(`${server.url}examples/browser/`);
    expect(await page.isDisabled("#run")).toBe(true);
    await page.setInputFiles("#photo-input", `${examples}lemur.png`);
    await page.waitForSelector("#run:not([disabled])");
    await page.setInputFiles("#trimap-input", `${examples}lemur_trimap.png`);
    await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Trimap loaded"));
    expect(pageErrors).toEqual([]);
  });

  it("mattes in its worker and gives Node's alpha and cutout on the same pixels", async () => {
    const status = await runAndWait();
    expect(status.state, status.text + pageErrors.join("\n")).toBe("done");

    const { width, height } = await page.evaluate(() => ({ width: window.__demo.lastResult!.width, height: window.__demo.lastResult!.height }));
    expect([width, height]).toEqual([680, 440]);
    const arrays = await readArrays(page, () => {
      const canvas = document.getElementById("alpha") as HTMLCanvasElement;
      const shown = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      const { image, trimap, alpha, cutout } = window.__demo.lastResult!;
      return { image: image.data, trimap, alpha, cutout, shown };
    });

    // The page read the files' stored samples, and the trimap's labels mean what the file's values mean.
    const photo = await sharp(`${examples}lemur.png`).ensureAlpha().raw().toBuffer();
    expect(Buffer.compare(arrays.image!, photo)).toBe(0);
    const trimapFile = await sharp(`${examples}lemur_trimap.png`).extractChannel(0).raw().toBuffer();
    const labels = uint8(arrays.trimap!);
    for (let i = 0; i < labels.length; i++) {
      const value = trimapFile[i]!;
      if (labels[i] !== (value === 0 || value === 255 ? value : 128)) expect.fail(`trimap label ${labels[i]} for file value ${value} at ${i}`);
    }

    // The page is served cross-origin isolated, so its worker shares the solve between threads (up to 4, one
    // per core); Node's reference uses as many.
    const threads = Number(/ on (\d+) threads?:/.exec(status.text)?.[1]);
    expect(threads).toBe(Math.min(availableParallelism(), 4));
    const engine = await createMatting({ threads });
    const inNode = await engine.matte({ width, height, data: uint8(arrays.image!) }, { width, height, data: labels });
    const nodeCutout = await engine.cutout({ width, height, data: inNode.foreground }, inNode.alpha);
    engine.close();
    const inPage = float32(arrays.alpha!);
    expect(inPage).toHaveLength(width * height);
    expect(arrays.cutout).toHaveLength(width * height * 4);
    // One level of slack: an alpha that differs by at most 1e-6 may still round to the other side of a level.
    let cutoutLevels = 0;
    for (let i = 0; i < nodeCutout.data.length; i++) cutoutLevels = Math.max(cutoutLevels, Math.abs(nodeCutout.data[i]! - arrays.cutout![i]!));
    expect(cutoutLevels).toBeLessThanOrEqual(1);
    let largest = 0;
    let largestShown = 0;
    for (let i = 0; i < inNode.alpha.length; i++) {
      largest = Math.max(largest, Math.abs(inNode.alpha[i]! - inPage[i]!));
      largestShown = Math.max(largestShown, Math.abs(inNode.alpha[i]! * 255 - arrays.shown![i * 4]!));
    }
    expect(largest).toBeLessThanOrEqual(1e-6);
    // The alpha canvas holds 8-bit levels: at most half a level of rounding.
    expect(largestShown).toBeLessThanOrEqual(0.5 + 1e-3);
  });

  it("mattes with another method chosen (shared matting) and gives Node's alpha for it", async () => {
    await page.selectOption("#method", "sm");
    try {
      const status = await runAndWait();
      expect(status.state, status.text + pageErrors.join("\n")).toBe("done");
      const { stats } = await page.evaluate(() => ({ stats: (window.__demo.lastResult as unknown as { stats: { method: string; threads: number } }).stats }));
      expect(stats.method).toBe("sm");
      const { width, height } = await page.evaluate(() => ({ width: window.__demo.lastResult!.width, height: window.__demo.lastResult!.height }));
      const arrays = await readArrays(page, () => {
        const { image, trimap, alpha } = window.__demo.lastResult!;
        return { image: image.data, trimap, alpha };
      });
      // Shared matting runs on the calling thread whatever the engine's threads: one Node engine gives its alpha.
      const engine = await createMatting();
      const inNode = await engine.matte({ width, height, data: uint8(arrays.image!) }, { width, height, data: uint8(arrays.trimap!) }, { method: "sm" });
      const inPage = float32(arrays.alpha!);
      expect(inPage).toHaveLength(width * height);
      let largest = 0;
      for (let i = 0; i < inNode.alpha.length; i++) largest = Math.max(largest, Math.abs(inNode.alpha[i]! - inPage[i]!));
      expect(largest).toBeLessThanOrEqual(1e-6);
      // And not closed-form's: the method reached the worker.
      const closedForm = await engine.estimateAlpha({ width, height, data: uint8(arrays.image!) }, { width, height, data: uint8(arrays.trimap!) });
      expect(closedForm.alpha.some((a, i) => Math.abs(a - inPage[i]!) > 0.05)).toBe(true);
    } finally {
      await page.selectOption("#method", "cf");
    }
  });

  it("cancels a run, then runs again", async () => {
    // Both clicks in one page task: the worker gets "cancel" right behind "run", whatever the solver's speed,
    // and the run must end at its next check of the signal.
    await page.evaluate(() => {
      document.getElementById("run")!.click();
      document.getElementById("cancel")!.click();
    });
    await page.waitForSelector('#status:is([data-state="done"], [data-state="error"], [data-state="cancelled"])');
    expect(await page.$eval("#status", (status) => [status.dataset.state, status.textContent])).toEqual(["cancelled", "Cancelled."]);
    expect(await page.isDisabled("#cancel")).toBe(true);

    const status = await runAndWait();
    expect(status.state, status.text).toBe("done");
    expect(pageErrors).toEqual([]);
  });

  it("takes a screenshot of the finished page", async () => {
    await mkdir(fileURLToPath(new URL("../out/", import.meta.url)), { recursive: true });
    const png = await page.screenshot({ path: screenshotPath });
    const { width, height } = await sharp(png).metadata();
    expect([width, height]).toEqual([1280, 712]);
  });

  it("takes a dropped photo, paints with the brushes and clears", async () => {
    const dropped = await page.evaluateHandle(async () => {
      const transfer = new DataTransfer();
      const blob = await (await fetch("../lemur.png")).blob();
      transfer.items.add(new File([blob], "dropped.png", { type: "image/png" }));
      return transfer;
    });
    await page.dispatchEvent("#editor", "drop", { dataTransfer: dropped });
    await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Photo 680×440"));
    const label = (x: number, y: number) => page.evaluate(([x, y]) => window.__demo.trimap.labels[y * 680 + x], [x, y]);
    expect(await label(340, 220)).toBe(0);

    // Drag the unknown brush (40 px) across the middle of the photo, from x = 240 to x = 440 at y = 220.
    await page.check('input[name="brush"][value="128"]');
    await page.fill("#brush-size", "40");
    const box = (await page.locator("#trimap-overlay").boundingBox())!;
    const toScreen = (x: number, y: number) => [box.x + (x * box.width) / 680, box.y + (y * box.height) / 440] as const;
    await page.mouse.move(...toScreen(240, 220));
    await page.mouse.down();
    await page.mouse.move(...toScreen(440, 220), { steps: 4 });
    await page.mouse.up();
    for (const x of [245, 300, 340, 400, 435]) expect(await label(x, 220)).toBe(128);
    expect(await label(340, 220 + 15)).toBe(128);
    expect(await label(340, 220 + 30)).toBe(0);
    expect(await label(200, 220)).toBe(0);

    await page.click("#clear-trimap");
    expect(await label(340, 220)).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});

// What a new user meets: running before painting, a trimap of another size, painting after a run, the words used.
describe.skipIf(skipBrowserSuites)("the demo page with a new user", () => {
  let fresh: Page;
  let freshErrors: string[];
  const statusOf = () => fresh.$eval("#status", (status) => ({ state: status.dataset.state!, text: status.textContent! }));
  const png = async (width: number, height: number, value: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: value, g: value, b: value } } }).png().toBuffer();
  const labelCounts = () => fresh.evaluate(() => {
    const counts: Record<number, number> = {};
    for (const label of window.__demo.trimap.labels) counts[label] = (counts[label] ?? 0) + 1;
    return counts;
  });
  const paint = async (brush: number, from: [number, number], to: [number, number]) => {
    await fresh.check(`input[name="brush"][value="${brush}"]`);
    const box = (await fresh.locator("#trimap-overlay").boundingBox())!;
    const size = await fresh.evaluate(() => [window.__demo.trimap.width, window.__demo.trimap.height]);
    const toScreen = ([x, y]: [number, number]) => [box.x + (x * box.width) / size[0]!, box.y + (y * box.height) / size[1]!] as const;
    await fresh.mouse.move(...toScreen(from));
    await fresh.mouse.down();
    await fresh.mouse.move(...toScreen(to), { steps: 4 });
    await fresh.mouse.up();
  };
  const run = async () => {
    await fresh.click("#run");
    await fresh.waitForSelector('#status:is([data-state="done"], [data-state="error"], [data-state="cancelled"], [data-state="needs-trimap"])', { timeout: 60_000 });
    return statusOf();
  };

  beforeAll(async () => {
    fresh = await browser.newPage({ viewport: { width: 1280, height: 712 } });
    freshErrors = collectPageErrors(fresh);
    await fresh.goto(server.url);
  });

  it("says what to paint, and does not run, while the trimap has no foreground, background or unknown pixels", async () => {
    await fresh.setInputFiles("#photo-input", `${examples}lemur.png`);
    await fresh.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Photo 680×440"));
    // A fresh trimap is all background.
    let status = await run();
    expect(status).toEqual({ state: "needs-trimap", text: expect.stringMatching(/^Nothing is marked as foreground yet: paint the subject with the Foreground brush \(F\)/) });
    expect(await fresh.isDisabled("#cancel")).toBe(true);
    expect(await fresh.$eval("#progress", (bar) => (bar as HTMLProgressElement).value)).toBe(0);

    await paint(255, [300, 250], [380, 250]);
    status = await run();
    expect(status).toEqual({ state: "needs-trimap", text: expect.stringMatching(/^Nothing is unknown.*Unknown brush \(U\)/) });

    await fresh.click("#clear-trimap");
    // Everything foreground: strokes of the largest brush (120 px) 90 px apart, kept inside the photo.
    await fresh.fill("#brush-size", "120");
    for (const y of [20, 110, 200, 290, 380, 420]) await paint(255, [20, y], [660, y]);
    expect((await labelCounts())[0]).toBeUndefined();
    status = await run();
    expect(status).toEqual({ state: "needs-trimap", text: expect.stringMatching(/^Nothing is marked as background.*Background brush \(B\)/) });
    expect(await fresh.evaluate(() => window.__demo.lastResult)).toBeUndefined();
    expect(freshErrors).toEqual([]);
  });

  it("refuses a trimap whose size is not the photo's, and takes one of the photo's size before or after scaling", async () => {
    await fresh.click("#clear-trimap");
    const before = await labelCounts();
    await fresh.setInputFiles("#trimap-input", { name: "small.png", mimeType: "image/png", buffer: await png(100, 80, 128) });
    await fresh.waitForSelector('#status[data-state="error"]');
    expect((await statusOf()).text).toBe("This trimap is 100×80 but the photo is 680×440: a trimap must have its photo's size. The trimap was not loaded.");
    expect(await labelCounts()).toEqual(before);

    // A 1600x1000 photo is shown at 1200x750: its trimap may have either size, and no other.
    await fresh.setInputFiles("#photo-input", { name: "large.png", mimeType: "image/png", buffer: await png(1600, 1000, 90) });
    await fresh.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Photo scaled to 1200×750"));
    for (const [width, height] of [[1600, 1000], [1200, 750]] as const) {
      await fresh.setInputFiles("#trimap-input", { name: "t.png", mimeType: "image/png", buffer: await png(width, height, 128) });
      // Clear leaves the status line as it was, so "Trimap loaded" may still be showing from the previous size:
      // wait for the trimap itself to change as well.
      await fresh.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Trimap loaded") && window.__demo.trimap.labels[0] === 128);
      expect(await labelCounts()).toEqual({ 128: 1200 * 750 });
      await fresh.click("#clear-trimap");
      await fresh.waitForFunction(() => window.__demo.trimap.labels[0] === 0);
    }
    await fresh.setInputFiles("#trimap-input", { name: "t.png", mimeType: "image/png", buffer: await png(1000, 1000, 128) });
    await fresh.waitForSelector('#status[data-state="error"]');
    expect((await statusOf()).text).toMatch(/^This trimap is 1000×1000 but the photo is 1600×1000/);
    expect(freshErrors).toEqual([]);
  });

  it("marks the shown result out of date as soon as the trimap changes, until the next run", async () => {
    await fresh.setInputFiles("#photo-input", `${examples}lemur.png`);
    await fresh.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Photo 680×440"));
    await fresh.setInputFiles("#trimap-input", `${examples}lemur_trimap.png`);
    await fresh.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Trimap loaded"));
    // Every status shown during a run, to check its words below.
    await fresh.evaluate(() => {
      const seen: string[] = [];
      new MutationObserver(() => seen.push(document.getElementById("status")!.textContent!)).observe(document.getElementById("status")!, { childList: true, characterData: true, subtree: true });
      (window as unknown as { statusTexts: string[] }).statusTexts = seen;
    });
    expect((await run()).state).toBe("done");
    const staleNote = fresh.locator(".stale-note");
    expect(await fresh.evaluate(() => window.__demo.resultIsStale)).toBe(false);
    expect(await staleNote.isVisible()).toBe(false);

    await fresh.fill("#brush-size", "20");
    await paint(128, [100, 100], [140, 100]);
    expect(await fresh.evaluate(() => window.__demo.resultIsStale)).toBe(true);
    expect(await staleNote.isVisible()).toBe(true);
    expect((await statusOf()).text).toMatch(/^The trimap changed: the alpha and cutout shown are from the last run/);
    await mkdir(fileURLToPath(new URL("../out/", import.meta.url)), { recursive: true });
    await fresh.screenshot({ path: fileURLToPath(new URL("../out/demo-stale.png", import.meta.url)) });

    expect((await run()).state).toBe("done");
    expect(await fresh.evaluate(() => window.__demo.resultIsStale)).toBe(false);
    await fresh.click("#clear-trimap");
    expect(await fresh.evaluate(() => window.__demo.resultIsStale)).toBe(true);
    expect(freshErrors).toEqual([]);
  });

  it("speaks plainly: edges and refining, not Laplacian, solve or residual", async () => {
    const texts = await fresh.evaluate(() => (window as unknown as { statusTexts: string[] }).statusTexts);
    expect(texts.some((text) => text.startsWith("Measuring the edges"))).toBe(true);
    expect(texts.some((text) => text.startsWith("Refining the alpha"))).toBe(true);
    const labels = await fresh.$$eval("#details dt", (terms) => terms.map((term) => term.textContent!));
    for (const text of [...texts, ...labels]) expect(text).not.toMatch(/laplacian|solv|residual|iteration/i);
    expect(labels).toContain("Edges");
  });
});
