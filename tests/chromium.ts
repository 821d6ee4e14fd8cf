// Drives Debian's Chromium (never a downloaded browser) for the page tests, and moves typed arrays out of a page.
import { chromium, type Browser, type Page } from "playwright";
import { browserRequired, chromiumFound, chromiumPath } from "./browser-availability.js";

export { chromiumPath, skipBrowserSuites } from "./browser-availability.js";

export function launchChromium(): Promise<Browser> {
  if (!chromiumFound && browserRequired) {
    throw new Error(`MATTING_REQUIRE_BROWSER=1 but there is no Chromium at ${chromiumPath}: install Debian's chromium (apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Page errors and console errors, collected so a failing test can say what the page said. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/**
 * Reads typed arrays that a page function returns, byte for byte: the page encodes each one's bytes
 * as base64 (JSON would turn 1.2 million samples into a slow array of numbers).
 */
export async function readArrays(page: Page, pick: () => Record<string, ArrayBufferView>): Promise<Record<string, Buffer>> {
  const picked = await page.evaluateHandle(pick);
  const encoded = await picked.evaluate((views) => {
    const out: Record<string, string> = {};
    for (const [name, view] of Object.entries(views)) {
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      out[name] = btoa(binary);
    }
    return out;
  });
  await picked.dispose();
  return Object.fromEntries(Object.entries(encoded).map(([name, base64]) => [name, Buffer.from(base64, "base64")]));
}

export const float32 = (bytes: Buffer) => new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
export const uint8 = (bytes: Buffer) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
