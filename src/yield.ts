// Lets other work (timers and so AbortSignal timeouts, I/O, UI events) run between slices of
// computation, as cheaply as the runtime allows: setImmediate where it exists (Node, Deno, Bun), else a
// MessageChannel message (browsers, workers). Both come back within microseconds, where setTimeout(0)
// costs 1-4 ms, several times per solve.
const viaImmediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
// workerd delivers MessageChannel messages without going back to its event loop: a solve would hold the thread,
// and with it other requests' I/O, timers and the abort of a request whose client went away. It gets setTimeout.
const inWorkerd = typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";

export function yieldToEventLoop(): Promise<void> {
  if (viaImmediate) return new Promise((resolve) => viaImmediate(resolve));
  if (typeof MessageChannel === "function" && !inWorkerd) {
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
