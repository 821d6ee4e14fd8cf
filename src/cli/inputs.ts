// The inputs of one run. Every file's header is read first, and everything that can be known from headers is
// checked (--max-pixels, sizes that must agree, the wasm32 budget) before a pixel is decoded.
import { type AlphaMatte, MattingError, type RGBImage, type Trimap } from "../entry/node.js";
import type { RunCommand } from "./args.js";
import type { Header } from "./images.js";
import { WASM32_BYTES, formatPixels, wasmBytesAtLeast } from "./limits.js";

type Images = typeof import("./images.js");

export interface Inputs {
  image: RGBImage;
  trimap?: Trimap;
  mask?: AlphaMatte;
  background?: RGBImage;
  /** What the user should know about the inputs (a lossy trimap or mask), one sentence each. */
  warnings: string[];
}

/** Waits for all; when several fail, the first in command-line order is the one reported. */
async function inOrder<T extends readonly unknown[]>(work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work);
  for (const result of settled) if (result.status === "rejected") throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Why two sizes differ, when an EXIF orientation tag turned one of the files a quarter turn. */
function orientationHint(what: string, other: Header, image: Header): string {
  if (image.orientation >= 5 && other.width === image.height && other.height === image.width) {
    return `: the image is stored as ${image.height}x${image.width} and turned upright by its EXIF orientation tag ` +
      `(${image.orientation}), while the ${what} matches it as stored; turn the ${what} the same way, or remove the image's orientation tag`;
  }
  if (other.orientation >= 5 && other.width === image.height && other.height === image.width) {
    return `: the ${what} is turned by its own EXIF orientation tag (${other.orientation}); remove that tag`;
  }
  return "";
}

function checkSameSize(what: string, other: Header, image: Header): void {
  if (other.width === image.width && other.height === image.height) return;
  throw new MattingError(
    "SIZE_MISMATCH",
    `${what} is ${other.width}x${other.height} but the image is ${image.width}x${image.height}${orientationHint(what, other, image)}`,
    { file: other.path, width: other.width, height: other.height, imageWidth: image.width, imageHeight: image.height },
  );
}

/** Refuses a photo that could not fit in wasm32's memory even with no unknown pixel. */
function checkFitsWasm(image: Header): void {
  const pixels = image.width * image.height;
  const needed = wasmBytesAtLeast(pixels, image.sixteenBit);
  if (needed <= WASM32_BYTES) return;
  const samples = image.sixteenBit ? " with 16-bit samples" : "";
  throw new MattingError(
    "TOO_LARGE",
    `a ${image.width}x${image.height} photo (${formatPixels(pixels)} pixels)${samples} needs at least ` +
    `${(needed / 1024 ** 3).toFixed(2)} GiB of WebAssembly memory to matte; wasm32 allows 4 GiB`,
    { file: image.path, width: image.width, height: image.height, neededBytes: needed, limitBytes: WASM32_BYTES },
  );
}

/** Sure labels that lossy compression moved off 0 or 255 by at most this much are counted in the warning. */
const NOISE_LEVELS = 16;

function lossyWarning(header: Header, plane: Trimap | AlphaMatte, kind: "trimap" | "mask"): string | undefined {
  if (header.lossy === undefined) return undefined;
  const lead = `${header.path}: the ${kind} is ${header.lossy}, a lossy format`;
  if (kind === "mask") return `${lead}: compression noise can move its edge (where it crosses the half-way level); save masks as PNG`;
  let nearlySure = 0;
  for (const value of plane.data) {
    if ((value > 0 && value <= NOISE_LEVELS) || (value < 255 && value >= 255 - NOISE_LEVELS)) nearlySure++;
  }
  if (nearlySure === 0) return `${lead}: its values may not be the ones drawn (none near 0 or 255 moved this time); save trimaps as PNG`;
  return `${lead}: ${nearlySure.toLocaleString("en-US")} pixels within ${NOISE_LEVELS} levels of 0 or 255 are read as ` +
    "unknown rather than as sure background or foreground; save trimaps as PNG";
}

/**
 * Reads every input. `matting` says whether the photo will be matted (and so must fit in wasm32), as
 * opposed to only widening a mask into a trimap.
 */
export async function readInputs(command: RunCommand, images: Images, matting: boolean): Promise<Inputs> {
  const { trimap: source, background, maxPixels } = command;
  const [imageHeader, planeHeader, backgroundHeader] = await inOrder<[Header, Header, Header | undefined]>([
    images.readHeader(command.image, maxPixels),
    images.readHeader(source.path, maxPixels),
    background?.kind === "image" ? images.readHeader(background.path, maxPixels) : Promise.resolve(undefined),
  ]);
  const kind = source.kind === "file" ? "trimap" : "mask";
  checkSameSize(kind, planeHeader, imageHeader);
  if (backgroundHeader) checkSameSize("background", backgroundHeader, imageHeader);
  if (matting) checkFitsWasm(imageHeader);

  const [image, plane, behind] = await inOrder<[RGBImage, Trimap | AlphaMatte, RGBImage | undefined]>([
    images.readImage(imageHeader, maxPixels),
    kind === "trimap" ? images.readTrimap(planeHeader, maxPixels) : images.readMask(planeHeader, maxPixels),
    backgroundHeader ? images.readImage(backgroundHeader, maxPixels) : Promise.resolve(undefined),
  ]);
  const warning = lossyWarning(planeHeader, plane, kind);
  return {
    image,
    ...(kind === "trimap" ? { trimap: plane as Trimap } : { mask: plane }),
    ...(behind ? { background: behind } : {}),
    warnings: warning ? [warning] : [],
  };
}
