// The public operations, bound to a way of obtaining the WebAssembly module (one per runtime entry).
import { estimateAlphaWith } from "./methods/run.js";
import { compositeWith, cutoutWith } from "./compose.js";
import { Engine, type ThreadOptions } from "./engine.js";
import { MattingError } from "./errors.js";
import { estimateForegroundWith } from "./foreground.js";
import { matteWith } from "./matte.js";
import { pinBackground, pinOptions, pinPlane } from "./snapshot.js";
import { trimapFromAlphaWith, trimapFromMaskWith, trimapStatsWith } from "./trimap.js";
import { describeValue, readOptions } from "./validate.js";
import type {
  AlphaInput, AlphaMatte, AlphaOptions, AlphaResult, Colour, CutoutOptions, ForegroundOptions, ForegroundResult, MatteOptions,
  MatteResult, RGBAImage, RGBImage, Trimap, TrimapFromAlphaOptions, TrimapFromMaskOptions, TrimapImage, TrimapStats,
} from "./types.js";

export type ModuleSource = WebAssembly.Module | BufferSource | Response | PromiseLike<Response>;

export interface CreateMattingOptions {
  /**
   * The compiled matting module, its bytes, or a fetch Response for it. Hosts that forbid compiling
   * bytes at run time (Cloudflare workerd) pass the WebAssembly.Module they imported.
   * Default: the runtime entry's own loader (file read in Node, fetch beside the script in browsers).
   */
  module?: ModuleSource;
  /**
   * The most WebAssembly memory this engine may grow to, in bytes. Work that would need more rejects with
   * TOO_LARGE before memory grows past it, so a host with a hard limit (Cloudflare Workers: 128 MB per isolate,
   * JavaScript included) stays alive. Default: 4 GiB, all that wasm32 can address.
   */
  maxMemoryBytes?: number;
  /**
   * Threads that share each alpha solve, and the neighbour searches and build of ifm, combined and knn, the calling
   * one included (default 1). They need shared
   * WebAssembly memory and workers: Node, Deno and Bun have both; browsers only on cross-origin isolated
   * pages (COOP/COEP headers). Where they are missing (Cloudflare workerd, a plain page) the engine
   * works alone, without error; `Matting.threads` tells which.
   */
  threads?: number;
}

/** An engine of its own: one WebAssembly instance, its memory reused from call to call. */
export interface Matting {
  estimateAlpha(image: RGBImage, trimap: Trimap, options?: AlphaOptions): Promise<AlphaResult>;
  /** Foreground and background colours behind `alpha` (Germer et al. 2020), RGB in [0, 1]. */
  estimateForeground(image: RGBImage, alpha: AlphaInput, options?: ForegroundOptions): Promise<ForegroundResult>;
  /** estimateAlpha then estimateForeground, with one progress stream. */
  matte(image: RGBImage, trimap: Trimap, options?: MatteOptions): Promise<MatteResult>;
  /** 8-bit RGBA of `foreground` with alpha; straight alpha unless `premultiplied`. */
  cutout(foreground: RGBImage, alpha: AlphaInput, options?: CutoutOptions): Promise<RGBAImage>;
  /** Opaque 8-bit RGBA of `foreground` over a colour or an image of the same size. */
  composite(foreground: RGBImage, alpha: AlphaInput, background: Colour | RGBImage): Promise<RGBAImage>;
  /** A trimap with unknown bands of the given widths (pixels) on each side of a mask's edge. */
  trimapFromMask(mask: AlphaMatte, options?: TrimapFromMaskOptions): Promise<TrimapImage>;
  /** A trimap from alpha levels, its unknown region optionally widened by `band` pixels. */
  trimapFromAlpha(alpha: AlphaMatte, options?: TrimapFromAlphaOptions): Promise<TrimapImage>;
  /** Counts of a trimap's foreground, background and unknown pixels. */
  trimapStats(trimap: Trimap): Promise<TrimapStats>;
  /** Current size of this engine's WebAssembly memory in bytes. */
  readonly wasmMemoryBytes: number;
  /** Threads that share each call's work: the `threads` asked for, or 1 where threads are not available. */
  readonly threads: number;
  /** Stops this engine's helper threads; it goes on working alone. */
  close(): void;
}

async function compile(source: ModuleSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  try {
    const awaited = await source;
    if (typeof Response !== "undefined" && awaited instanceof Response) {
      if (!awaited.ok) throw new Error(`HTTP ${awaited.status} for ${awaited.url}`);
      return await WebAssembly.compile(await awaited.arrayBuffer());
    }
    return await WebAssembly.compile(awaited as BufferSource);
  } catch (cause) {
    throw new MattingError("WASM_UNAVAILABLE", `could not compile the matting WebAssembly module: ${String(cause)}`, {}, { cause });
  }
}

type Operations = Omit<Matting, "wasmMemoryBytes" | "threads" | "close">;

/**
 * The operations on the engine that `engine()` gives. Each pins its inputs (snapshot.ts) when it is called,
 * before it waits for the engine or for earlier calls.
 */
function operations(engine: () => Engine | Promise<Engine>): Operations {
  return {
    estimateAlpha: async (image, trimap, options) => {
      const pinned = [pinPlane(image, "image"), pinPlane(trimap, "trimap"), pinOptions(options)] as const;
      return estimateAlphaWith(await engine(), ...pinned);
    },
    estimateForeground: async (image, alpha, options) => {
      const pinned = [pinPlane(image, "image"), pinPlane(alpha, "alpha"), pinOptions(options)] as const;
      return estimateForegroundWith(await engine(), ...pinned);
    },
    matte: async (image, trimap, options) => {
      const pinned = [pinPlane(image, "image"), pinPlane(trimap, "trimap"), pinOptions(options)] as const;
      return matteWith(await engine(), ...pinned);
    },
    cutout: async (foreground, alpha, options) => {
      const pinned = [pinPlane(foreground, "foreground"), pinPlane(alpha, "alpha"), pinOptions(options)] as const;
      return cutoutWith(await engine(), ...pinned);
    },
    composite: async (foreground, alpha, background) => {
      const pinned = [pinPlane(foreground, "foreground"), pinPlane(alpha, "alpha"), pinBackground(background)] as const;
      return compositeWith(await engine(), ...pinned);
    },
    trimapFromMask: async (mask, options) => {
      const pinned = [pinPlane(mask, "mask"), pinOptions(options)] as const;
      return trimapFromMaskWith(await engine(), ...pinned);
    },
    trimapFromAlpha: async (alpha, options) => {
      const pinned = [pinPlane(alpha, "alpha"), pinOptions(options)] as const;
      return trimapFromAlphaWith(await engine(), ...pinned);
    },
    trimapStats: async (trimap) => {
      const pinned = pinPlane(trimap, "trimap");
      return trimapStatsWith(await engine(), pinned);
    },
  };
}

function wrap(engine: Engine): Matting {
  return {
    ...operations(() => engine),
    get wasmMemoryBytes() {
      return engine.memoryBytes;
    },
    get threads() {
      return engine.threads;
    },
    close: () => engine.close(),
  };
}

/** How a runtime entry offers threads: whether they can work here, the threads build, how to start one. */
export interface ThreadSupport {
  available(): boolean;
  loadModule(): Promise<WebAssembly.Module>;
  spawn: ThreadOptions["spawn"];
}

/** The most threads an engine takes. */
const MAX_THREADS = 64;

export interface Api extends Omit<Matting, "wasmMemoryBytes" | "threads" | "close"> {
  createMatting(options?: CreateMattingOptions): Promise<Matting>;
}

export function bindApi(loadDefaultModule: () => Promise<WebAssembly.Module>, threadSupport?: ThreadSupport): Api {
  let defaultModule: Promise<WebAssembly.Module> | undefined;
  let shared: Promise<Engine> | undefined;
  const moduleFor = (source?: ModuleSource) => {
    if (source !== undefined) return compile(source);
    defaultModule ??= loadDefaultModule().catch((cause) => {
      defaultModule = undefined;
      if (cause instanceof MattingError) throw cause;
      throw new MattingError("WASM_UNAVAILABLE", `could not load the matting WebAssembly module: ${String(cause)}`, {}, { cause });
    });
    return defaultModule;
  };
  const createEngine = async (given?: CreateMattingOptions) => {
    const options = readOptions(given, ["module", "maxMemoryBytes", "threads"]) as CreateMattingOptions;
    const { maxMemoryBytes } = options;
    if (maxMemoryBytes !== undefined && !(typeof maxMemoryBytes === "number" && maxMemoryBytes > 0)) {
      throw new MattingError("INVALID_OPTION", `option maxMemoryBytes must be a positive number, got ${describeValue(maxMemoryBytes)}`, { option: "maxMemoryBytes" });
    }
    const { threads = 1 } = options;
    if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
      throw new MattingError("INVALID_OPTION", `option threads must be an integer from 1 to ${MAX_THREADS}, got ${describeValue(threads)}`, { option: "threads" });
    }
    const module = await moduleFor(options.module);
    let threadOptions: ThreadOptions | undefined;
    if (threads > 1 && threadSupport?.available()) {
      const threadModule = await threadSupport.loadModule().catch(() => undefined);
      if (threadModule) threadOptions = { count: threads, module: threadModule, spawn: threadSupport.spawn };
    }
    return Engine.create(module, maxMemoryBytes, threadOptions);
  };
  const createMatting = async (options?: CreateMattingOptions) => wrap(await createEngine(options));
  const sharedEngine = () => {
    shared ??= createEngine().catch((cause) => {
      shared = undefined;
      throw cause;
    });
    return shared;
  };
  return {
    createMatting,
    ...operations(sharedEngine),
  };
}
