// One wasm instance: its memory laid out as an arena per call, typed views made fresh after any
// growth, and calls queued so that one call owns the arena at a time.
import { MattingError, abortError } from "./errors.js";
import {
  CONTROL_BYTES, EXIT, FAILED_DIED, FAILED_STALLED, RUN, TEAM_FAILED_BYTE, TEAM_STALL_BYTE, THREAD_KERNELS, type SpawnThread, type ThreadHandle, type ThreadKernel,
  failTeam, threadImports,
} from "./team.js";

/** The kernels exported by assembly/index.ts. Pointers are byte offsets into `memory`. */
export interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  imageFrom8(src: number, pixels: number, channels: number, dst: number): void;
  imageFromFloat(src: number, pixels: number, dst: number): void;
  firstValueOutsideUnit(src: number, count: number): number;
  labelsFromTrimap8(src: number, pixels: number, channels: number, labels: number, counts: number): void;
  labelsFromTrimapFloat(src: number, pixels: number, channels: number, labels: number, counts: number): void;
  composeAlpha(labels: number, unknownIndex: number, solution: number, pixels: number, alpha: number): void;
  indexUnknowns(labels: number, pixels: number, unknownIndex: number): number;
  stencilHalf(radius: number): number;
  stencilScratchBytes(width: number, radius: number): number;
  unknownBox(labels: number, width: number, height: number, margin: number, box: number): void;
  assembleTogether(job: number, context: number): void;
  stencilToCsr(rows: number, half: number, columns: number, values: number, diagonal: number,
    rowStart: number, csrColumns: number, csrValues: number, cursor: number): number;
  markFirstCells(unknownIndex: number, width: number, height: number, cells: number, gw: number, gh: number): number;
  bandScratchBytes(width: number): number;
  bandCounts(unknownIndex: number, width: number, height: number, step: number, counts: number, aboveRow: number, scratch: number): void;
  markParentCells(cell: number, nodes: number, gw: number, parentCells: number, pw: number, ph: number, factor: number): number;
  nodeTables(cells: number, gw: number, gh: number, nodes: number, cell: number, neighbours: number, reach: number): void;
  buildFirstLevelTogether(job: number, context: number): void;
  firstLevelScratchBytes(): number;
  coarseParents(nodes: number, gw: number, cell: number, parent: number, parentCells: number, pw: number, parentNodes: number,
    parentBlocks: number, children: number): void;
  buildCoarseLevelTogether(job: number, context: number): void;
  coarseScratchBytes(): number;
  finishLevel(first: number, end: number, blocks: number, inverses: number, scratch: number, count: number): void;
  /** Smoothed aggregation's set-up (assembly/smoothed.ts, smoothed-coarse.ts; src/smoothed.ts). */
  smoothedRowParents(unknownIndex: number, width: number, height: number, cells: number, gw: number, gh: number, nodes: number,
    rowParents: number, rowPlace: number): void;
  fineSpectralRadius(rows: number, half: number, columns: number, values: number, diagonal: number, x: number, y: number): number;
  smoothedFineProlongator(rows: number, half: number, columns: number, values: number, diagonal: number, rowBasis: number, rowPlace: number,
    rowProlongator: number, sweepValues: number, weight: number): void;
  smoothedFirstGalerkin(rows: number, half: number, columns: number, values: number, diagonal: number, rowParents: number, rowPlace: number,
    rowProlongator: number, nodes: number, work: number, blocks: number): void;
  mirrorBlocks(nodes: number, neighbours: number, blocks: number): void;
  smoothedParents(nodes: number, gw: number, cell: number, parentCells: number, pw: number, ph: number, parentNodes: number, parent: number,
    parents: number, children: number): void;
  smoothedCoarseBasis(nullSpace: number, tentative: number, parentNullSpace: number, scratch: number, children: number, first: number, end: number): void;
  blockSpectralRadius(nodes: number, neighbours: number, blocks: number, x: number, y: number, steps: number): number;
  smoothedCoarseProlongator(nodes: number, gw: number, cell: number, neighbours: number, blocks: number, tentative: number, prolongator: number,
    weight: number, first: number, end: number): void;
  smoothedCoarseGalerkin(nodes: number, gw: number, cell: number, neighbours: number, blocks: number, parents: number, prolongator: number,
    parentCells: number, pw: number, ph: number, parentNodes: number, parentBlocks: number, work: number, first: number, end: number): void;
  jacobiSetup(diagonal: number, rows: number, inverseDiagonal: number): void;
  pcgStart(system: number, b: number, x: number, r: number, z: number, p: number, state: number, context: number): number;
  pcgResidual(system: number, b: number, x: number, r: number, context: number): number;
  pcgIterate(system: number, x: number, r: number, z: number, p: number, q: number, state: number,
    maxSteps: number, tolerance: number, context: number): number;
  /** Information flow's CG (assembly/methods/ifm-pcg.ts), run by the team like the three above. */
  ifmPcgStart(system: number, b: number, x: number, r: number, z: number, p: number, state: number, context: number): number;
  ifmPcgResidual(system: number, b: number, x: number, r: number, context: number): number;
  ifmPcgIterate(system: number, x: number, r: number, z: number, p: number, q: number, state: number,
    maxSteps: number, tolerance: number, context: number): number;
  /** The searches' queries shared by the threads (assembly/graph/search-together.ts; src/methods/search-team.ts). */
  kdQueryTogether(job: number, context: number): void;
  gridQueryTogether(job: number, context: number): void;
  /** Information flow's per-row passes shared by the threads (assembly/methods/ifm-together.ts). */
  ifmRowsTogether(job: number, context: number): void;
  edgeTrimTogether(job: number, context: number): void;
  kdBuildTogether(job: number, context: number): void;
  smGatherTogether(job: number, context: number): void;
  ifmSetUpTogether(job: number, context: number): void;
  contextBytes(): number;
  teamBytes(threads: number): number;
  initContext(context: number, threads: number, index: number, team: number, mayBlock: number): void;
  soloContextOf(context: number): number;
  heartbeatOf(context: number): number;
  barrierRecordOf(context: number): number;
  paddedFrom8(src: number, pixels: number, channels: number, dst: number): void;
  paddedFromFloat(src: number, pixels: number, dst: number): void;
  unpadRgb(src: number, pixels: number, dst: number): void;
  planeFrom8(src: number, pixels: number, channels: number, dst: number): void;
  planeFromFloat(src: number, pixels: number, channels: number, dst: number): void;
  resizeNearest(src: number, srcWidth: number, srcHeight: number, dst: number, dstWidth: number, dstHeight: number, lanes: number): void;
  meanColour(image: number, pixels: number, dst: number): void;
  foregroundSweeps(image: number, alpha: number, width: number, height: number, foreground: number, background: number,
    iterations: number, regularization: number, gradientWeight: number): void;
  cutoutRgba(foreground: number, alpha: number, pixels: number, premultiplied: number, dst: number): void;
  compositeRgba(foreground: number, alpha: number, background: number, backgroundStep: number, pixels: number, dst: number): void;
  distanceScratchBytes(width: number, height: number): number;
  squaredDistances(mask: number, target: number, width: number, height: number, distances: number, scratch: number): void;
  maskFrom8(src: number, pixels: number, channels: number, dst: number): void;
  maskFromFloat(src: number, pixels: number, channels: number, dst: number): void;
  trimapFromMaskDistances(mask: number, toOutside: number, toInside: number, pixels: number,
    foregroundBand: number, backgroundBand: number, dst: number): void;
  trimapFromAlphaLevels(alpha: number, pixels: number, low: number, high: number, dst: number): void;
  widenUnknown(trimap: number, toUnknown: number, pixels: number, band: number): void;
  imageFrom16(src: number, pixels: number, channels: number, dst: number): void;
  paddedFrom16(src: number, pixels: number, channels: number, dst: number): void;
  planeFrom16(src: number, pixels: number, channels: number, dst: number): void;
  maskFrom16(src: number, pixels: number, channels: number, dst: number): void;
  labelsFromTrimap16(src: number, pixels: number, channels: number, labels: number, counts: number): void;
}

const PAGE = 65536;
/** wasm32 linear memory can hold at most 65536 pages. */
export const WASM_MEMORY_LIMIT = 65536 * PAGE;

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Bump allocation over the wasm memory for the duration of one call, plus reuse of ranges the call
 * declares dead (recycle): later allocations that fit take those first.
 */
export class Arena {
  private top: number;
  private highest: number;
  /** Recycled [start, end) ranges, free for reuse. */
  private free: [number, number][] = [];

  /** limit: the highest byte offset this engine may grow its memory to. */
  constructor(private readonly kernels: Kernels, private readonly base: number, private readonly limit = WASM_MEMORY_LIMIT) {
    this.top = base;
    this.highest = base;
  }

  get used(): number {
    return this.top - this.base;
  }

  /** The most this call has held at once, in bytes (the wasm memory this call needs on a fresh engine). */
  get peak(): number {
    return this.highest - this.base;
  }

  /** Throws TOO_LARGE unless `bytes` more fit within the engine's memory limit on top of what is in use. */
  ensureFits(bytes: number, what: string): void {
    if (this.top + bytes > this.limit) {
      const allows = this.limit === WASM_MEMORY_LIMIT ? "wasm32 allows" : "the engine's maxMemoryBytes allows";
      throw new MattingError(
        "TOO_LARGE",
        `${what} needs ${formatBytes(this.used + bytes)} of WebAssembly memory; ${allows} ${formatBytes(this.limit - this.base)}`,
        { neededBytes: this.used + bytes, limitBytes: this.limit - this.base },
      );
    }
  }

  /**
   * Declares `bytes` at `offset` dead for the rest of the call: allocations that fit reuse them instead of
   * growing the arena. Only for memory allocated below the current top and never read again.
   */
  recycle(offset: number, bytes: number): void {
    const start = Math.ceil(offset / 16) * 16, end = Math.floor((offset + bytes) / 16) * 16;
    if (end > start) this.free.push([start, end]);
  }

  /** Reserves `bytes` (16-byte aligned) and returns their offset; grows the memory when needed. */
  alloc(bytes: number): number {
    const size = Math.ceil(bytes / 16) * 16;
    const range = this.free.find(([start, end]) => end - start >= size);
    if (range) {
      range[0] += size;
      return range[0] - size;
    }
    const start = this.top;
    const end = start + size;
    this.ensureFits(end - start, "this image");
    const memory = this.kernels.memory;
    if (end > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
      } catch (cause) {
        throw new MattingError(
          "TOO_LARGE",
          `could not grow WebAssembly memory to ${formatBytes(end)} (${formatBytes(end - start)} more were needed)`,
          { neededBytes: end, limitBytes: WASM_MEMORY_LIMIT },
          { cause },
        );
      }
    }
    this.top = end;
    this.highest = Math.max(this.highest, end);
    return start;
  }

  /** The current top; `release(mark)` frees everything allocated after it. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
    this.free = this.free.filter(([start]) => start < mark);
  }

  // Views are made on demand from the current buffer: one taken before a growth must not be used after it.
  u8(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.kernels.memory.buffer, offset >>> 0, length);
  }
  i32(offset: number, length: number): Int32Array {
    return new Int32Array(this.kernels.memory.buffer, offset >>> 0, length);
  }
  f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, offset >>> 0, length);
  }
  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.kernels.memory.buffer, offset >>> 0, length);
  }

  /** Copies a typed array into fresh arena memory and returns its offset. */
  copyIn(data: Uint8Array | Uint16Array | Float32Array | Float64Array | Int32Array): number {
    const offset = this.alloc(data.byteLength);
    this.u8(offset, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return offset;
  }
}

/** Threads for an engine: how many in all (the calling one included), the threads build, and how to start one. */
export interface ThreadOptions {
  count: number;
  module: WebAssembly.Module;
  spawn: SpawnThread;
}

let blockingAllowed: boolean | undefined;

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function mayBlockHere(): boolean {
  if (blockingAllowed === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  return blockingAllowed;
}

/**
 * Longest wait (ms) for helper threads to finish a kernel the calling thread has finished while none of them
 * makes progress (neither finishes nor bumps its heartbeat); as long as a barrier's (assembly/team.ts).
 */
const STALL_MS = 600;
/**
 * The wait for helpers is counted in steps of at most this (ms): a pause of the whole machine, seen as a late
 * return from a 10 ms wait, counts only this much against them (as at barriers, assembly/team.ts).
 */
const STALL_STEP_MS = 20;
/** A calling thread that may not block (a browser page's) spins while it waits: it allows this many times longer. */
const SPINNING_PATIENCE = 5;
/**
 * Once the team has failed, how long live helpers get to leave the kernel before they are stopped anyway (the
 * next call still waits, without blocking, until a stopped helper has ended, where the runtime says when).
 */
const FAILED_GRACE_MS = 20;
/** How long (ms) the calling thread watches for its helpers to finish a command before it blocks (src/team.ts COMMAND_WATCH_MS). */
const RESULT_WATCH_MS = 1;

/** After a stall, how long the engine waits (without blocking) for a helper's exit event or its return. */
const VERDICT_MS = 2000;
/**
 * A call whose helpers were taken for dead but came back (a busy machine held a live one off its core for the
 * stall bound: gaps of 0.1-0.2 s were measured at load average 7 on 2 cores) starts again up to this many times,
 * each time with twice the bound before (0.6, 1.2, 2.4 s), here and at the module's barriers; after that, the
 * threads go and the call runs once more on the calling thread alone (an answer, not an error).
 */
const STALL_RETRIES = 2;

/** A bounded wait inside a threaded kernel gave up: a helper died, or was held up for as long. */
class TeamStalled extends Error {}

const abortImport = {
  abort() {
    throw new Error("wasm abort");
  },
};

export class Engine {
  readonly kernels: Kernels;
  private readonly base: number;
  private readonly limit: number;
  /** The gates of the calls waiting for their turn, oldest first (see run), and whether a call holds the engine. */
  private waiting: (() => void)[] = [];
  private busy = false;
  /** Settles once the helper threads that close() stopped have ended: the next call waits for it. */
  private stopping: Promise<unknown> = Promise.resolve();
  /** Per-thread contexts (assembly/team.ts); [0] is the calling thread's. */
  private readonly contexts: number[] = [];
  private control = 0;
  private team = 0;
  private helpers: ThreadHandle[] = [];
  /** Whether a task runs now (Engine.run), and why its threads were lost under it, if they were. */
  private running = false;
  private lostUnderCall?: string;
  /** The stall bound (ms) of the call running now: STALL_MS, doubled for each retry after a false alarm (run). */
  private stallMs = STALL_MS;

  private constructor(instance: WebAssembly.Instance, maxMemoryBytes: number, threads: number) {
    this.kernels = instance.exports as unknown as Kernels;
    const k = this.kernels;
    let top = k.heapBase() >>> 0;
    const take = (bytes: number) => {
      const at = top;
      top += Math.ceil(bytes / 16) * 16;
      return at;
    };
    this.control = take(CONTROL_BYTES);
    this.team = take(k.teamBytes(threads));
    for (let t = 0; t < threads; t++) this.contexts.push(take(k.contextBytes()));
    this.base = top;
    if (top > this.kernels.memory.buffer.byteLength) this.kernels.memory.grow(Math.ceil((top - this.kernels.memory.buffer.byteLength) / PAGE));
    this.limit = Math.max(Math.min(maxMemoryBytes, WASM_MEMORY_LIMIT), this.kernels.memory.buffer.byteLength);
    this.setUpTeam(threads);
  }

  private setUpTeam(threads: number): void {
    new Uint8Array(this.kernels.memory.buffer, this.team, this.kernels.teamBytes(threads)).fill(0);
    // Helper threads may block at barriers; the calling thread only where Atomics.wait is allowed.
    this.contexts.forEach((context, t) => this.kernels.initContext(context, threads, t, this.team, t > 0 || mayBlockHere() ? 1 : 0));
    const control = new Int32Array(this.kernels.memory.buffer, this.control, 4);
    // The sequence number stays (idle helpers compare against it), and so does EXIT once helpers were told to stop.
    if (threads > 1) Atomics.store(control, 2, RUN);
    Atomics.store(control, 3, this.team);
    Atomics.store(new Int32Array(this.kernels.memory.buffer, this.team + TEAM_STALL_BYTE, 1), 0, this.stallMs);
  }

  /**
   * maxMemoryBytes: how large the engine may grow its WebAssembly memory (default: all 4 GiB of wasm32).
   * threads: helper threads for the solver; if they cannot be had, the engine works alone.
   */
  static async create(module: WebAssembly.Module, maxMemoryBytes = WASM_MEMORY_LIMIT, threads?: ThreadOptions): Promise<Engine> {
    if (threads && threads.count > 1) {
      const engine = await Engine.createThreaded(maxMemoryBytes, threads).catch(() => undefined);
      if (engine) return engine;
    }
    try {
      const instance = await WebAssembly.instantiate(module, { env: abortImport });
      return new Engine(instance, maxMemoryBytes, 1);
    } catch (cause) {
      throw new MattingError("WASM_UNAVAILABLE", `could not instantiate the matting WebAssembly module: ${String(cause)}`, {}, { cause });
    }
  }

  private static async createThreaded(maxMemoryBytes: number, threads: ThreadOptions): Promise<Engine> {
    const maximum = Math.min(Math.ceil(Math.min(maxMemoryBytes, WASM_MEMORY_LIMIT) / PAGE), WASM_MEMORY_LIMIT / PAGE);
    const memory = new WebAssembly.Memory({ initial: 1, maximum, shared: true });
    const instance = await WebAssembly.instantiate(threads.module, threadImports(memory));
    const engine = new Engine(instance, maxMemoryBytes, threads.count);
    try {
      for (let t = 1; t < threads.count; t++) {
        const helper = await threads.spawn({ module: threads.module, memory, control: engine.control, context: engine.contexts[t] });
        engine.helpers.push(helper);
        helper.watch?.((reason) => engine.lose(helper, reason));
      }
    } catch (cause) {
      engine.close();
      throw cause;
    }
    return engine;
  }

  /** Threads that work on each solve: 1, or the count asked for when threads could be had. */
  get threads(): number {
    return this.helpers.length + 1;
  }

  /** Stops the helper threads (the engine goes on alone). */
  close(): void {
    if (this.helpers.length === 0) return;
    const control = new Int32Array(this.kernels.memory.buffer, this.control, 4);
    Atomics.store(control, 2, EXIT);
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
    // The next task waits (without blocking) until every helper has stopped, where the runtime says when.
    const stopped = Promise.allSettled(this.helpers.map((helper) => helper.terminate()));
    this.stopping = Promise.all([this.stopping, stopped]);
    this.helpers = [];
    this.contexts.length = 1;
    this.setUpTeam(1);
  }

  /**
   * A helper thread ended or failed by itself (its exit or error event, which arrive only between kernel
   * calls or while idle): a call in flight rejects at its next threaded kernel, and the engine goes on alone.
   */
  private lose(helper: ThreadHandle, reason: string): void {
    if (!this.helpers.includes(helper)) return; // stopped by close()
    failTeam(this.kernels.memory, this.control, FAILED_DIED);
    if (this.running) this.lostUnderCall ??= reason;
    this.close();
  }

  private lostError(reason: string, cause?: unknown): MattingError {
    return new MattingError("WASM_UNAVAILABLE", `${reason}; the engine goes on with one thread`, {}, { cause });
  }

  /**
   * Runs a solver kernel on every thread (each with its context as the last argument) and returns
   * the calling thread's result; `alone`: on the calling thread only. A thread that throws or dies fails
   * the call with WASM_UNAVAILABLE, and the engine then works alone. No wait here or at the module's
   * barriers lasts longer than the stall bound without progress (a helper finishing, or its heartbeat moving):
   * STALL_MS, or twice and four times that on the retries of a call (run).
   */
  together(kernel: ThreadKernel, args: number[], alone = false): number {
    const run = this.kernels[kernel] as (...values: number[]) => number;
    if (alone) return run(...args, this.kernels.soloContextOf(this.contexts[0]));
    if (this.lostUnderCall !== undefined) throw this.lostError(this.lostUnderCall);
    if (this.helpers.length === 0) return run(...args, this.contexts[0]);
    const memory = this.kernels.memory.buffer;
    const control = new Int32Array(memory, this.control, 4);
    const failed = new Int32Array(memory, this.team + TEAM_FAILED_BYTE, 1);
    const command = new Float64Array(memory, this.control + 16, 14);
    const heartbeats = this.contexts.slice(1).map((context) => new Int32Array(memory, this.kernels.heartbeatOf(context) >>> 0, 1));
    const progress = () => heartbeats.reduce((sum, heartbeat) => (sum + Atomics.load(heartbeat, 0)) | 0, 0);
    command[0] = THREAD_KERNELS.indexOf(kernel);
    command[1] = args.length;
    command.set(args, 2);
    Atomics.store(control, 1, 0);
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
    let result = 0;
    let error: unknown;
    try {
      result = run(...args, this.contexts[0]);
    } catch (cause) {
      error = cause;
      failTeam(this.kernels.memory, this.control, FAILED_DIED);
    }
    // Helpers leave a kernel with barriers within microseconds of this thread (they meet at its last
    // barrier), and one without barriers once they have built their share, bumping their heartbeats as they
    // go. Helpers none of which makes progress for the stall bound are taken for dead; once the team has failed,
    // live helpers get FAILED_GRACE_MS to leave the kernel.
    const mayBlock = mayBlockHere();
    const patience = this.stallMs * (mayBlock ? 1 : SPINNING_PATIENCE);
    let done = Atomics.load(control, 1), beats = progress();
    let looked = performance.now(), stalled = 0, failedAt = 0;
    const returned = looked;
    while (done < this.helpers.length) {
      const time = performance.now();
      stalled += Math.min(time - looked, STALL_STEP_MS);
      looked = time;
      if (Atomics.load(failed, 0) !== 0) {
        failedAt ||= time;
        if (time - failedAt > FAILED_GRACE_MS) break;
      } else if (stalled > patience) {
        failTeam(this.kernels.memory, this.control, FAILED_STALLED);
      }
      // Helpers mostly finish within a millisecond of this thread: watched for that long, then awaited in a blocking wait.
      if (mayBlock && time - returned >= RESULT_WATCH_MS) Atomics.wait(control, 1, done, 10);
      const now = Atomics.load(control, 1), latest = progress();
      if (now !== done || latest !== beats) stalled = 0;
      done = now;
      beats = latest;
    }
    if (error !== undefined) {
      this.close();
      throw this.lostError(`a solver thread failed: ${String(error)}`, error);
    }
    const failure = Atomics.load(failed, 0);
    // A thread that threw or died said so itself: lost at once. One taken for dead by a waiter may only have been
    // held up: the verdict (run) tells.
    if (failure !== 0 && failure !== FAILED_STALLED) {
      this.close();
      throw this.lostError("a solver thread failed or died");
    }
    if (failure !== 0) throw new TeamStalled();
    return result;
  }

  /**
   * Per thread (the calling thread first), the barriers it met inside the module and the milliseconds it waited
   * at them, of which it spun: cumulative since the engine started (bench/threads-profile.ts).
   */
  barrierStats(): { meetings: number; waited: number; spun: number }[] {
    return this.contexts.map((context) => {
      const at = this.kernels.barrierRecordOf(context);
      const [waited, spun] = new Float64Array(this.kernels.memory.buffer.slice(at + 4, at + 20));
      return { meetings: new Int32Array(this.kernels.memory.buffer, at, 1)[0], waited, spun };
    });
  }

  /** Opens the gate of the next waiting call, if any. */
  private letNextIn(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }

  /**
   * After a stall (TeamStalled), waits without blocking for the verdict: a helper's exit or error event (it
   * died: the reason), or every helper back from the kernel (they live: undefined), or neither within
   * VERDICT_MS (taken for dead).
   */
  private async verdict(): Promise<string | undefined> {
    const control = () => new Int32Array(this.kernels.memory.buffer, this.control, 4);
    const started = performance.now();
    for (;;) {
      if (this.lostUnderCall !== undefined) return this.lostUnderCall;
      if (Atomics.load(control(), 1) >= this.helpers.length) return undefined;
      if (performance.now() - started > VERDICT_MS) return "a solver thread stopped answering";
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  get memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  /**
   * Runs `task` with the whole arena to itself once earlier tasks have finished. Whatever the task
   * allocated is released afterwards, whether it succeeded or threw. `signal`: while the task waits for its
   * turn, aborting rejects it at once (ABORTED) and it never runs; once it runs, the task checks the signal
   * itself between slices.
   */
  run<T>(task: (arena: Arena) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    // Each call waits at a gate of its own, made by itself and opened by the call before it as that one ends. (A
    // chain of promises through every call would make each wait on promises made by earlier callers: in workerd, a
    // request that ended, abandoned while queued, leaves such a promise unsettled for good.)
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let started = false;
    const result = gate.then(async () => {
      started = true;
      try {
        await this.stopping;
        if (signal?.aborted) throw abortError(signal);
        this.running = true;
        for (let retry = 0; ; retry++) {
          try {
            return await task(new Arena(this.kernels, this.base, this.limit));
          } catch (cause) {
            if (!(cause instanceof TeamStalled)) throw cause;
            const lost = await this.verdict();
            if (lost !== undefined) {
              this.close();
              throw this.lostError(lost);
            }
            if (retry === STALL_RETRIES) {
              // Alive, but held up past every bound: the threads go, and the task runs once more, alone.
              this.close();
              return await task(new Arena(this.kernels, this.base, this.limit));
            }
            // Every thread came back: one was only held up (a busy machine). Start the task again, on a fresh team
            // that allows twice as long.
            this.stallMs *= 2;
            this.setUpTeam(this.threads);
          }
        }
      } finally {
        this.running = false;
        this.lostUnderCall = undefined;
        if (this.stallMs !== STALL_MS) {
          this.stallMs = STALL_MS;
          this.setUpTeam(this.threads);
        }
        this.letNextIn();
      }
    });
    if (this.busy) this.waiting.push(open);
    else {
      this.busy = true;
      open();
    }
    // Validation accepts any object with a boolean `aborted`; only a real AbortSignal is listened to.
    if (typeof signal?.addEventListener !== "function") return result;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (started) return;
        // It leaves the queue at once; the calls behind it move up.
        const at = this.waiting.indexOf(open);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(abortError(signal));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      result.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }
}
