// One worker of a matte pool (src/pool.ts): one engine, one call at a time. The call's onProgress and signal
// stayed on the main thread; here they are stood in for by messages both ways.
import { parentPort, workerData } from "node:worker_threads";
import { MattingError, createMatting } from "./entry/node.js";
import type { FromWorker, SentError, ToWorker } from "./pool.js";

const port = parentPort!;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function sendable(error: unknown): SentError {
  if (error instanceof MattingError) return { code: error.code, message: error.message, details: { ...error.details } };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The result's own buffers (alpha, foreground, background, data), moved back rather than copied. */
function buffersOf(result: unknown): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const value of Object.values((result ?? {}) as Record<string, unknown>)) {
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer && !buffers.includes(value.buffer)) buffers.push(value.buffer);
  }
  return buffers;
}

const aborts = new Map<number, AbortController>();

/**
 * Test-only hook: the worker exits (code 7) when its Nth call arrives, so tests can check that the pool survives a
 * worker's death. Not a user setting; unset in normal use.
 */
const EXIT_ON_CALL = Number(process.env.MATTING_TEST_POOL_EXIT_ON_CALL ?? 0);
let calls = 0;

try {
  const matting = await createMatting(workerData);
  port.on("message", async (message: ToWorker) => {
    if (message.type === "abort") return aborts.get(message.id)?.abort();
    if (++calls === EXIT_ON_CALL) process.exit(7);
    const { id, op, args, optionsAt, progress, abortable } = message;
    const controller = new AbortController();
    aborts.set(id, controller);
    const options = args[optionsAt];
    if (progress) (options as Record<string, unknown>).onProgress = (p: unknown) => post({ type: "progress", id, progress: p as never });
    if (abortable) (options as Record<string, unknown>).signal = controller.signal;
    try {
      const result = await (matting[op] as (...a: unknown[]) => Promise<unknown>)(...args);
      post({ type: "done", id, result }, buffersOf(result));
    } catch (error) {
      post({ type: "failed", id, error: sendable(error) });
    } finally {
      aborts.delete(id);
    }
  });
  post({ type: "ready" });
} catch (error) {
  post({ type: "ready", error: sendable(error) });
}
