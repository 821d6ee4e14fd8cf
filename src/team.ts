// Threads for the solver (assembly/team.ts): helper threads, each with its own instance of the threads
// build on the engine's shared memory, run the same solver kernel as the calling thread with their own
// context, and meet it at barriers inside the module. The control block through which the calling
// thread starts them lives in that memory too:
//   i32 [0] sequence number of the latest command [1] threads done with it [2] command (RUN or EXIT)
//       [3] offset of the team record, whose i32 at byte 8 is set when a thread fails (the module's
//       barriers stop waiting once it is, so that no thread is left spinning)
//   f64 [2] kernel index in THREAD_KERNELS [3] argument count [4..] the arguments, context excluded
// A thread's context is its own; the team record behind the barriers is shared.

/** The kernels that threads run together, by index in the control block. */
export const THREAD_KERNELS = ["assembleTogether", "buildFirstLevelTogether", "pcgStart", "pcgIterate", "pcgResidual"] as const;
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
  terminate(): void;
}

/** Starts one helper thread running `runThread(init)`; resolves once it is ready for commands. */
export type SpawnThread = (init: ThreadInit) => Promise<ThreadHandle>;

/** Offset of the failed flag shared with the module's barriers (team record, byte 8). */
export const TEAM_FAILED_BYTE = 8;

type Kernel = (...args: number[]) => number;

/** A helper thread's life: instantiate on the shared memory, then run commands until EXIT. */
export function runThread(init: ThreadInit, ready: () => void): void {
  const instance = new WebAssembly.Instance(init.module, {
    env: {
      memory: init.memory,
      abort() {
        throw new Error("wasm abort");
      },
    },
  });
  const kernels = instance.exports as unknown as Record<ThreadKernel, Kernel>;
  const control = new Int32Array(init.memory.buffer, init.control, 4);
  const team = new Int32Array(init.memory.buffer, Atomics.load(control, 3) >>> 0, 4);
  let seen = Atomics.load(control, 0);
  ready();
  for (;;) {
    Atomics.wait(control, 0, seen);
    seen = Atomics.load(control, 0);
    if (Atomics.load(control, 2) === EXIT) return;
    const args = new Float64Array(init.memory.buffer, init.control + 16, 14);
    const index = args[0], count = args[1];
    try {
      kernels[THREAD_KERNELS[index]](...Array.from(args.subarray(2, 2 + count)), init.context);
    } catch {
      Atomics.store(team, TEAM_FAILED_BYTE / 4, 1);
    }
    Atomics.add(control, 1, 1);
    Atomics.notify(control, 1);
  }
}
