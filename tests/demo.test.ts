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
