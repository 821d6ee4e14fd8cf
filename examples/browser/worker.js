// Runs matting off the page's main thread. Messages in: { type: "run", id, image, trimap, options } and
// { type: "cancel", id }. Messages out: "progress", "done" (the alpha's buffer is transferred) or "error".
import { estimateAlpha } from "../../dist/entry/browser.js";

const running = new Map();

async function run({ id, image, trimap, options }) {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const { alpha, stats } = await estimateAlpha(image, trimap, {
      ...options,
      signal: controller.signal,
      onProgress: (progress) => postMessage({ type: "progress", id, progress }),
    });
    postMessage({ type: "done", id, alpha, stats }, [alpha.buffer]);
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
