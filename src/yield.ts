// Lets other work (timers and so AbortSignal timeouts, I/O, UI events) run between slices of
// computation, as cheaply as the runtime allows: setImmediate where it exists (Node, Deno, Bun), else a
// MessageChannel message (browsers, workers). Both come back within microseconds, where setTimeout(0)
// costs 1-4 ms, several times per solve.
const viaImmediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

export function yieldToEventLoop(): Promise<void> {
  if (viaImmediate) return new Promise((resolve) => viaImmediate(resolve));
  if (typeof MessageChannel === "function") {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
