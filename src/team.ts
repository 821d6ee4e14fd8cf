// Threads for the solver (assembly/team.ts): helper threads, each with its own instance of the threads
// build on the engine's shared memory, run the same solver kernel as the calling thread with their own
// context, and meet it at barriers inside the module. The control block through which the calling
// thread starts them lives in that memory too:
//   i32 [0] sequence number of the latest command [1] threads done with it [2] command (RUN or EXIT)
//       [3] offset of the team record, whose i32 at byte 8 is set when a thread fails (the module's
//       barriers stop waiting once it is, so that no thread is left spinning)
// A helper that dies is noticed three ways: a death it sees itself (an exception outside a kernel; under
// Node, process.exit inside it: thread/node-run.ts) fails the team at once; its exit or error event
// (ThreadHandle.watch) is delivered to the calling thread between kernel calls and while the engine is idle;
// and, while threads wait for each other inside a kernel, the waits at barriers (assembly/team.ts) and for
// the helpers to finish (Engine.together) take a thread whose heartbeat has not moved for 0.6 s for dead.
// Either way the call in flight rejects with WASM_UNAVAILABLE and the engine goes on alone.
//   f64 [2] kernel index in THREAD_KERNELS [3] argument count [4..] the arguments, context excluded
// A thread's context is its own; the team record behind the barriers is shared.

/** The kernels that threads run together, by index in the control block. */
export const THREAD_KERNELS = [
  "assembleTogether", "buildFirstLevelTogether", "pcgStart", "pcgIterate", "pcgResidual", "ifmPcgStart", "ifmPcgIterate", "ifmPcgResidual",
  "buildCoarseLevelTogether", "kdQueryTogether", "gridQueryTogether", "ifmRowsTogether", "edgeTrimTogether", "kdBuildTogether", "smGatherTogether", "ifmSetUpTogether",
] as const;
export type ThreadKernel = (typeof THREAD_KERNELS)[number];

export const CONTROL_BYTES = 16 + 8 * 14;
export const RUN = 1;
export const EXIT = 2;

/** What a helper thread needs to join: sent once, when it starts. */
export interface ThreadInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  context: number;
}

/** A started helper thread, as each runtime provides it. */
export interface ThreadHandle {
  /** Stops the thread; a promise, where the runtime has one, settles once it has stopped. */
  terminate(): void | Promise<unknown>;
  /**
   * Calls `onLost` once if the thread ends or fails by itself (Node's exit and error events, a Web Worker's
   * error event). Runtimes without such events leave it out: the bounded waits still notice a dead thread.
   */
  watch?(onLost: (reason: string) => void): void;
}

/** Starts one helper thread running `runThread(init)`; resolves once it is ready for commands. */
export type SpawnThread = (init: ThreadInit) => Promise<ThreadHandle>;

/** Offset of the failed flag shared with the module's barriers (team record, byte 8). */
export const TEAM_FAILED_BYTE = 8;
/** Offset of the stall bound in ms (i32; 0: the module's own) that the module's barriers allow (team record, byte 12). */
export const TEAM_STALL_BYTE = 12;
/** Values of the failed flag: a thread threw or died and said so; a waiting thread took one for dead (assembly/team.ts). */
export const FAILED_DIED = 1;
export const FAILED_STALLED = 2;

/**
 * Internal, for tests that make a helper die, hang or dawdle at a chosen moment: called before each command
 * is run, with a function that bumps the thread's heartbeat (as the kernels do while they work).
 */
export interface ThreadHooks {
  beforeCommand?(kernel: ThreadKernel, beat: () => void): void;
}

type Kernel = (...args: number[]) => number;

/** How long (ms) a helper watches for the next command before it blocks. */
export const COMMAND_WATCH_MS = 2;

/** The imports of the threads build: the shared memory, and the clock that bounds waits at barriers. */
export function threadImports(memory: WebAssembly.Memory) {
  return {
    env: {
      memory,
      now: () => performance.now(),
      abort() {
        throw new Error("wasm abort");
      },
    },
  };
}

/**
 * Marks the team failed (the first reason stays: FAILED_DIED or FAILED_STALLED) and wakes whoever waits at
 * its barriers or for commands to finish.
 */
export function failTeam(memory: WebAssembly.Memory, control: number, reason: number): void {
  const block = new Int32Array(memory.buffer, control, 4);
  const team = new Int32Array(memory.buffer, Atomics.load(block, 3) >>> 0, 4);
  Atomics.compareExchange(team, TEAM_FAILED_BYTE / 4, 0, reason);
  Atomics.notify(team, 1);
  Atomics.notify(block, 1);
}

/**
 * A helper thread's life: instantiate on the shared memory, then run commands until EXIT. A thread that
 * leaves this loop any other way (an exception outside a kernel) fails the team first, so that nobody waits
 * for it.
 */
export function runThread(init: ThreadInit, ready: () => void, hooks: ThreadHooks = {}): void {
  const instance = new WebAssembly.Instance(init.module, threadImports(init.memory));
  const kernels = instance.exports as unknown as Record<ThreadKernel, Kernel> & { heartbeatOf(context: number): number };
  const control = new Int32Array(init.memory.buffer, init.control, 4);
  const team = new Int32Array(init.memory.buffer, Atomics.load(control, 3) >>> 0, 4);
  const heartbeat = new Int32Array(init.memory.buffer, kernels.heartbeatOf(init.context) >>> 0, 1);
  const beat = () => void Atomics.add(heartbeat, 0, 1);
  let seen = Atomics.load(control, 0);
  ready();
  let exited = false;
  try {
    for (;;) {
      // The next command mostly follows within a millisecond (the solver's slices, the set-up's stages): watched for
      // that long before blocking, the thread starts it at once instead of some 50-100 us later, woken.
      const watchedFrom = performance.now();
      while (Atomics.load(control, 0) === seen && performance.now() - watchedFrom < COMMAND_WATCH_MS);
      Atomics.wait(control, 0, seen);
      seen = Atomics.load(control, 0);
      if (Atomics.load(control, 2) === EXIT) {
        exited = true;
        return;
      }
      const args = new Float64Array(init.memory.buffer, init.control + 16, 14);
      const index = args[0], count = args[1];
      hooks.beforeCommand?.(THREAD_KERNELS[index], beat);
      try {
        kernels[THREAD_KERNELS[index]](...Array.from(args.subarray(2, 2 + count)), init.context);
      } catch {
        Atomics.compareExchange(team, TEAM_FAILED_BYTE / 4, 0, FAILED_DIED);
      }
      Atomics.add(control, 1, 1);
      Atomics.notify(control, 1);
    }
  } finally {
    if (!exited) failTeam(init.memory, init.control, FAILED_DIED);
  }
}
