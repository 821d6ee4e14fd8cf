// Mattes the lemur with the package imported by name, as an app would, and shows the alpha.
// The result is also left on window.__matting for the repository's bundler test.
import { createMatting } from "matting";

const photoUrl = new URL("../../lemur.png", import.meta.url);
const trimapUrl = new URL("../../lemur_trimap.png", import.meta.url);

/** Decodes an image to RGBA exactly as stored: no colour conversion, no premultiplication. */
async function readPixels(url) {
  const blob = await (await fetch(url)).blob();
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d", { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height);
}

function showAlpha(canvas, alpha, width, height) {
  const grey = new ImageData(width, height);
  for (let i = 0; i < alpha.length; i++) {
    const level = Math.round(alpha[i] * 255);
    grey.data.set([level, level, level, 255], i * 4);
  }
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").putImageData(grey, 0, 0);
}

async function main() {
  const status = document.getElementById("status");
  try {
    const [image, trimap] = await Promise.all([readPixels(photoUrl), readPixels(trimapUrl)]);
    // Two threads share the work on a cross-origin isolated page (COOP/COEP headers); elsewhere one works alone.
    // ?method=ifm (or any other method) picks the method; closed-form by default.
    const method = new URLSearchParams(location.search).get("method") ?? undefined;
    const matting = await createMatting({ threads: 2 });
    const { alpha, stats } = await matting.estimateAlpha(image, trimap, { method });
    showAlpha(document.getElementById("alpha"), alpha, image.width, image.height);
    status.textContent = `Done: ${stats.iterations} iterations in ${Math.round(stats.milliseconds.total)} ms on ${stats.threads} thread(s)`;
    window.__matting = { image, trimap, alpha, stats };
  } catch (error) {
    status.textContent = `Failed: ${error.code ?? error.name}: ${error.message}`;
    window.__matting = { error: { code: error.code, message: error.message } };
  }
}

main();
