// A pool of worker threads for Node, each holding one engine of its own (createMatting), so that N images are
// matted at once on N cores. Its operations are the engine's (same arguments, results, progress and abort), so a
// pool call gives exactly what the same call on one engine gives. Calls queue in order and each goes to the
// first idle worker; an idle pool does not keep the process alive.
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Matting } from "./api.js";
import { MattingError, abortError } from "./errors.js";
import type { Progress } from "./types.js";
import { pinBackground, pinOptions, pinPlane } from "./snapshot.js";
import { describeValue, readOptions } from "./validate.js";

export interface CreateMattePoolOptions {
  /** Worker threads, each with an engine of its own: how many images are matted at once. Default: the cores (os.availableParallelism()), 1 to 256. */
  jobs?: number;
  /** Threads per engine that share each solve (createMatting's `threads`); default 1. */
  threads?: number;
  /** The most WebAssembly memory each worker's engine may grow to (createMatting's `maxMemoryBytes`). */
  maxMemoryBytes?: number;
}

/** The engine's operations, run on the pool's workers. */
export type PoolOperations = Omit<Matting, "wasmMemoryBytes" | "threads" | "close">;

export interface MattePool extends PoolOperations {
  /** Worker threads in the pool. */
  readonly jobs: number;
  /** Stops every worker; calls still queued or running reject with ABORTED, and so do later calls. */
  close(): Promise<void>;
}

export type Operation = keyof PoolOperations;

/** What each argument of an operation is: a plane (copied when the call is made, named in errors), options, or a composite's background. */
type Role = { plane: string } | "options" | "background";

const ROLES: Record<Operation, readonly Role[]> = {
  estimateAlpha: [{ plane: "image" }, { plane: "trimap" }, "options"],
  estimateForeground: [{ plane: "image" }, { plane: "alpha" }, "options"],
  matte: [{ plane: "image" }, { plane: "trimap" }, "options"],
  cutout: [{ plane: "foreground" }, { plane: "alpha" }, "options"],
  composite: [{ plane: "foreground" }, { plane: "alpha" }, "background"],
  trimapFromMask: [{ plane: "mask" }, "options"],
  trimapFromAlpha: [{ plane: "alpha" }, "options"],
  trimapStats: [{ plane: "trimap" }],
};

const MAX_JOBS = 256;

/** Main thread to worker. `progress` and `abortable` stand for the onProgress and signal options the call had. */
export type ToWorker =
  | { type: "call"; id: number; op: Operation; args: unknown[]; optionsAt: number; progress: boolean; abortable: boolean }
  | { type: "abort"; id: number };

/** A failure as it crosses threads: a MattingError's code, message and details, or another error's message. */
export type SentError = { code?: MattingError["code"]; message: string; details?: Record<string, unknown> };

/** Worker to main thread. */
export type FromWorker =
  | { type: "ready"; error?: SentError }
  | { type: "progress"; id: number; progress: Progress }
  | { type: "done"; id: number; result: unknown }
  | { type: "failed"; id: number; error: SentError };

export function receiveError(sent: SentError): Error {
  return sent.code === undefined ? new Error(sent.message) : new MattingError(sent.code, sent.message, sent.details);
}

interface Call {
  id: number;
  message: Extract<ToWorker, { type: "call" }>;
  transfer: ArrayBuffer[];
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Removes the abort listener. */
  release(): void;
  member?: Member;
}

interface Member {
  worker: Worker;
  /** Settles when the worker's engine is made, or could not be. */
  started: Promise<void>;
  ready: boolean;
  call?: Call;
}

/** The buffers of a call's copied planes, moved to the worker rather than copied again. */
function buffersOf(value: unknown, into: ArrayBuffer[]): void {
  const data = ArrayBuffer.isView(value) ? value : (value as { data?: unknown } | null)?.data;
  if (ArrayBuffer.isView(data) && data.buffer instanceof ArrayBuffer && !into.includes(data.buffer)) into.push(data.buffer);
}

/** Whether `signal` can be listened to here; anything else is sent to the worker for its validation to judge. */
const isListenable = (signal: unknown): signal is AbortSignal =>
  typeof signal === "object" && signal !== null && typeof (signal as AbortSignal).addEventListener === "function" && typeof (signal as AbortSignal).aborted === "boolean";

/**
 * A call's arguments pinned as the engine pins them (snapshot.ts), with a function onProgress and a listenable
 * signal taken out (they stay on this thread); anything else, valid or not, goes to the worker, whose engine
 * checks it in its usual order.
 */
function prepare(op: Operation, args: unknown[]): Pick<Call, "message" | "transfer" | "onProgress" | "signal"> & { id: number } {
  const roles = ROLES[op];
  const sent: unknown[] = [];
  const transfer: ArrayBuffer[] = [];
  let onProgress: Call["onProgress"];
  let signal: AbortSignal | undefined;
  roles.forEach((role, i) => {
    const value = args[i];
    if (role === "background") {
      const pinned = pinBackground(value);
      buffersOf(pinned, transfer);
      sent.push(pinned);
    } else if (role === "options") {
      const pinned = pinOptions(value);
      if (typeof pinned !== "object" || pinned === null) return sent.push(pinned);
      let keys: string[];
      try {
        keys = Object.keys(pinned);
      } catch (cause) {
        throw new MattingError("INVALID_OPTION", `options could not be read: ${describeValue(cause)}`, {}, { cause });
      }
      const own = readOptions(pinned, keys);
      if (typeof own.onProgress === "function") {
        onProgress = own.onProgress as Call["onProgress"];
        delete own.onProgress;
      }
      if (isListenable(own.signal)) {
        signal = own.signal;
        delete own.signal;
      }
      sent.push(own);
    } else {
      const pinned = pinPlane(value, role.plane);
      buffersOf(pinned, transfer);
      sent.push(pinned);
    }
  });
  const id = nextId++;
  return { id, message: { type: "call", id, op, args: sent, optionsAt: roles.indexOf("options"), progress: onProgress !== undefined, abortable: signal !== undefined }, transfer, onProgress, signal };
}

let nextId = 1;

const reasonOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/** Why an argument could not be sent to a worker: INVALID_OPTION for options, INVALID_INPUT naming a plane. */
function unsendable(op: Operation, args: unknown[], cause: unknown): MattingError {
  const roles = ROLES[op];
  for (const [i, role] of roles.entries()) {
    try {
      structuredClone(args[i]);
    } catch {
      if (role === "options") return new MattingError("INVALID_OPTION", `options hold a value that cannot be sent to a pool worker: ${reasonOf(cause)}`, {}, { cause });
      const name = role === "background" ? "background" : role.plane;
      return new MattingError("INVALID_INPUT", `${name} holds a value that cannot be sent to a pool worker: ${reasonOf(cause)}`, { name }, { cause });
    }
  }
  return new MattingError("INVALID_INPUT", `the call cannot be sent to a pool worker: ${reasonOf(cause)}`, {}, { cause });
}

async function compileModule(): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(await readFile(new URL("./matting.wasm", import.meta.url)));
  } catch (cause) {
    throw new MattingError("WASM_UNAVAILABLE", `could not load the matting WebAssembly module: ${reasonOf(cause)}`, {}, { cause });
  }
}

function checkJobs(jobs: unknown): number {
  if (jobs === undefined) return Math.min(MAX_JOBS, availableParallelism());
  if (!(typeof jobs === "number" && Number.isInteger(jobs) && jobs >= 1 && jobs <= MAX_JOBS)) {
    throw new MattingError("INVALID_OPTION", `option jobs must be an integer from 1 to ${MAX_JOBS}, got ${describeValue(jobs)}`, { option: "jobs" });
  }
  return jobs;
}

/**
 * A pool of `jobs` worker threads, each with one engine (createMatting({ threads, maxMemoryBytes })). Resolves once
 * every worker's engine is ready; rejects with the engine's error (INVALID_OPTION, WASM_UNAVAILABLE) if one is not.
 */
export async function createMattePool(options?: CreateMattePoolOptions): Promise<MattePool> {
  const read = readOptions(options, ["jobs", "threads", "maxMemoryBytes"]);
  const jobs = checkJobs(read.jobs);
  // Compiled once here and shared: every worker's engine then runs the same compiled (and tiered-up) code.
  const module = await compileModule();
  const engineOptions = { module, ...(read.threads === undefined ? {} : { threads: read.threads }), ...(read.maxMemoryBytes === undefined ? {} : { maxMemoryBytes: read.maxMemoryBytes }) };
  const members: Member[] = [];
  const queue: Call[] = [];
  let closed = false;
  /** Set once every worker has its engine; after that, a replacement whose engine fails breaks the pool. */
  let poolReady = false;
  let failure: Error | undefined;
  const broken = (error: Error) => {
    failure = error;
    for (const call of queue.splice(0)) {
      call.release();
      call.reject(error);
    }
  };

  const finish = (call: Call) => {
    call.release();
    if (call.member) {
      call.member.call = undefined;
      call.member.worker.unref();
      call.member = undefined;
    }
  };

  const pump = () => {
    for (const member of members) {
      if (queue.length === 0) return;
      if (member.call !== undefined || !member.ready) continue;
      const call = queue.shift()!;
      call.member = member;
      member.call = call;
      member.worker.ref(); // a pending call keeps the process alive, as a call on an engine does
      try {
        member.worker.postMessage(call.message, call.transfer);
      } catch (cause) {
        finish(call);
        call.reject(unsendable(call.message.op, call.message.args, cause));
      }
    }
  };

  const spawn = (): Member => {
    // Node's own flags pass to the worker, except --input-type, which a worker started from a file refuses.
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith("--input-type"));
    const worker = new Worker(new URL("./pool-worker.js", import.meta.url), { workerData: engineOptions, execArgv });
    const member: Member = { worker, started: Promise.resolve(), ready: false };
    member.started = new Promise<void>((resolve, reject) => {
      worker.on("message", (message: FromWorker) => {
        if (message.type === "ready") {
          if (message.error) {
            const error = receiveError(message.error);
            if (poolReady) broken(error);
            return reject(error);
          }
          member.ready = true;
          worker.unref(); // idle from now on; referenced only while it holds a call
          resolve();
          return pump();
        }
        const call = member.call;
        if (call === undefined || call.id !== message.id) return;
        if (message.type === "progress") return call.onProgress?.(message.progress);
        finish(call);
        if (message.type === "done") call.resolve(message.result);
        else if (message.error.code === "ABORTED" && call.signal?.aborted) call.reject(abortError(call.signal));
        else call.reject(receiveError(message.error));
        pump();
      });
      const lost = (why: string) => {
        reject(new MattingError("WASM_UNAVAILABLE", `a pool worker ${why} before its engine was ready`));
        const index = members.indexOf(member);
        if (index < 0) return;
        const call = member.call;
        if (call) {
          finish(call);
          call.reject(closed ? new MattingError("ABORTED", "the pool was closed") : new MattingError("WASM_UNAVAILABLE", `a pool worker ${why} during the call`));
        }
        if (closed) return void members.splice(index, 1);
        if (poolReady && !member.ready) {
          // A replacement that died before its engine was made would die again: the pool is broken, not respawned.
          members.splice(index, 1);
          return broken(new MattingError("WASM_UNAVAILABLE", `a pool worker ${why} before its engine was ready`));
        }
        // The pool goes on with a new worker in its place.
        members[index] = spawn();
      };
      worker.once("error", (error) => lost(`failed (${String(error)})`));
      worker.once("exit", (code) => lost(`exited (code ${code})`));
    });
    member.started.catch(() => undefined);
    return member;
  };

  for (let i = 0; i < jobs; i++) members.push(spawn());
  try {
    await Promise.all(members.map((member) => member.started));
  } catch (error) {
    closed = true;
    await Promise.all(members.map((member) => member.worker.terminate()));
    throw error;
  }
  poolReady = true;

  const submit = (op: Operation) => (...args: unknown[]) => new Promise((resolve, reject) => {
    if (closed) throw new MattingError("ABORTED", "the pool was closed");
    if (failure) throw failure;
    const prepared = prepare(op, args);
    const { signal } = prepared;
    if (signal?.aborted) throw abortError(signal);
    const onAbort = () => {
      const queued = queue.indexOf(call);
      if (queued >= 0) {
        // Still waiting for a worker: leaves the queue and rejects at once, as a call queued on an engine does.
        queue.splice(queued, 1);
        call.release();
        call.reject(abortError(signal!));
      } else if (call.member) {
        call.member.worker.postMessage({ type: "abort", id: call.id } satisfies ToWorker);
      }
    };
    const call: Call = { ...prepared, resolve, reject, release: () => signal?.removeEventListener("abort", onAbort) };
    signal?.addEventListener("abort", onAbort, { once: true });
    queue.push(call);
    pump();
  });

  const operations = Object.fromEntries((Object.keys(ROLES) as Operation[]).map((op) => [op, submit(op)])) as unknown as PoolOperations;
  return {
    ...operations,
    jobs,
    async close() {
      if (closed) return;
      closed = true;
      for (const call of queue.splice(0)) {
        call.release();
        call.reject(new MattingError("ABORTED", "the pool was closed"));
      }
      await Promise.all(members.map((member) => member.worker.terminate()));
    },
  };
}
