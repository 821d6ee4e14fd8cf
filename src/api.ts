// The public operations, bound to a way of obtaining the WebAssembly module (one per runtime entry).
import { estimateAlphaWith } from "./alpha.js";
import { Engine } from "./engine.js";
import { MattingError } from "./errors.js";
import type { AlphaOptions, AlphaResult, RGBImage, Trimap } from "./types.js";

export type ModuleSource = WebAssembly.Module | BufferSource | Response | PromiseLike<Response>;

export interface CreateMattingOptions {
  /**
   * The compiled matting module, its bytes, or a fetch Response for it. Hosts that forbid compiling
   * bytes at run time (Cloudflare workerd) pass the WebAssembly.Module they imported.
   * Default: the runtime entry's own loader (file read in Node, fetch beside the script in browsers).
   */
  module?: ModuleSource;
}

/** An engine of its own: one WebAssembly instance, its memory reused from call to call. */
export interface Matting {
  estimateAlpha(image: RGBImage, trimap: Trimap, options?: AlphaOptions): Promise<AlphaResult>;
  /** Current size of this engine's WebAssembly memory in bytes. */
  readonly wasmMemoryBytes: number;
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

function wrap(engine: Engine): Matting {
  return {
    estimateAlpha: (image, trimap, options) => estimateAlphaWith(engine, image, trimap, options),
    get wasmMemoryBytes() {
      return engine.memoryBytes;
    },
  };
}

export interface Api {
  createMatting(options?: CreateMattingOptions): Promise<Matting>;
  estimateAlpha(image: RGBImage, trimap: Trimap, options?: AlphaOptions): Promise<AlphaResult>;
}

export function bindApi(loadDefaultModule: () => Promise<WebAssembly.Module>): Api {
  let defaultModule: Promise<WebAssembly.Module> | undefined;
  let shared: Promise<Matting> | undefined;
  const moduleFor = (source?: ModuleSource) => {
    if (source !== undefined) return compile(source);
    defaultModule ??= loadDefaultModule().catch((cause) => {
      defaultModule = undefined;
      if (cause instanceof MattingError) throw cause;
      throw new MattingError("WASM_UNAVAILABLE", `could not load the matting WebAssembly module: ${String(cause)}`, {}, { cause });
    });
    return defaultModule;
  };
  const createMatting = async (options: CreateMattingOptions = {}) => wrap(await Engine.create(await moduleFor(options.module)));
  const sharedEngine = () => {
    shared ??= createMatting().catch((cause) => {
      shared = undefined;
      throw cause;
    });
    return shared;
  };
  return {
    createMatting,
    estimateAlpha: async (image, trimap, options) => (await sharedEngine()).estimateAlpha(image, trimap, options),
  };
}
