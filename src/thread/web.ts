// A solver thread in a browser's Web Worker; see src/team.ts.
import { type ThreadInit, runThread } from "../team.js";

const scope = globalThis as unknown as { onmessage: ((event: MessageEvent<ThreadInit>) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (event) => {
  scope.onmessage = null;
  runThread(event.data, () => scope.postMessage("ready"));
};
