// A solver thread's life under Node, Deno and Bun (worker_threads): runThread (src/team.ts), reporting
// ready to the parent. process.exit inside the thread (from any code it runs) ends it at once, without
// leaving runThread's loop through its `finally`; the thread's own exit event still runs, and fails the
// team there, so that the threads waiting for it stop at once instead of after the stall bound.
import process from "node:process";
import { parentPort } from "node:worker_threads";
import { FAILED_DIED, type ThreadHooks, type ThreadInit, failTeam, runThread } from "../team.js";

export function runNodeThread(init: ThreadInit, hooks?: ThreadHooks): void {
  let inLoop = true;
  process.once("exit", () => {
    if (inLoop) failTeam(init.memory, init.control, FAILED_DIED);
  });
  try {
    runThread(init, () => parentPort?.postMessage("ready"), hooks);
  } finally {
    inLoop = false;
  }
}
