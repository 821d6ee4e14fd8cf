// Runs matting off the page's main thread. Messages in: { type: "run", id, image, trimap, options } and
// { type: "cancel", id }. Messages out: "progress", "done" (alpha and cutout buffers transferred) or "error".
import { createMatting } from "../../dist/entry/browser.js";

// Threads share the solve when the page is cross-origin isolated (serve.mjs sends the COOP/COEP headers);
// elsewhere the engine works alone.
const engine = createMatting({ threads: Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 4)) });

const running = new Map();

async function run({ id, image, trimap, options }) {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    // Alpha, then the foreground colours behind it, so the cutout carries no fringe of the old background.
    const matting = await engine;
    const { alpha, foreground, stats } = await matting.matte(image, trimap, {
      ...options,
      signal: controller.signal,
      onProgress: (progress) => postMessage({ type: "progress", id, progress }),
    });
    const { data: rgba } = await matting.cutout({ width: image.width, height: image.height, data: foreground }, alpha);
    postMessage({ type: "done", id, alpha, cutout: rgba, stats }, [alpha.buffer, rgba.buffer]);
  } catch (error) {
    postMessage({ type: "error", id, code: error.code ?? error.name, message: error.message });
  } finally {
    running.delete(id);
  }
}

addEventListener("message", ({ data }) => {
  if (data.type === "run") run(data);
  else if (data.type === "cancel") running.get(data.id)?.abort();
});
