// A solver thread under Node, Deno and Bun (worker_threads); see src/team.ts and ./node-run.ts.
import { workerData } from "node:worker_threads";
import type { ThreadInit } from "../team.js";
import { runNodeThread } from "./node-run.js";

runNodeThread(workerData as ThreadInit);
