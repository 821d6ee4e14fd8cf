// A solver thread in a browser's Web Worker; see src/team.ts. A Web Worker has no exit event: a thread that
// fails says so in a message ({ lost }) and by rethrowing, which fires the Worker's error event.
import { type ThreadInit, runThread } from "../team.js";

const scope = globalThis as unknown as { onmessage: ((event: MessageEvent<ThreadInit>) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (event) => {
  scope.onmessage = null;
  try {
    runThread(event.data, () => scope.postMessage("ready"));
  } catch (error) {
    scope.postMessage({ lost: String(error) });
    throw error;
  }
};
