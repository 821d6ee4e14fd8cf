// A solver thread under Node, Deno and Bun (worker_threads); see src/team.ts.
import { parentPort, workerData } from "node:worker_threads";
import { type ThreadInit, runThread } from "../team.js";

runThread(workerData as ThreadInit, () => parentPort?.postMessage("ready"));
