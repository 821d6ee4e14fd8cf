// Image files for the command line, decoded and encoded by sharp (libvips): PNG 8/16 bit in every colour
// type, JPEG with EXIF orientation, and the other formats libvips reads. A file's header is read first, and
// nothing is decoded unless its size is within --max-pixels.
import { type FileHandle, open } from "node:fs/promises";
import { constants, type Stats } from "node:fs";
import sharp, { type Metadata } from "sharp";
import { type AlphaMatte, MattingError, type RGBImage, type Trimap } from "../entry/node.js";
import { formatPixels } from "./limits.js";
import { systemReason } from "./reasons.js";

/** What an input file's header says, read without decoding a pixel. */
export interface Header {
  path: string;
  /** The upright size: after the EXIF orientation is applied, as the pixels will be decoded. */
  width: number;
  height: number;
  /** The EXIF orientation, 1 (as stored) to 8; 5 to 8 swap width and height. */
  orientation: number;
  sixteenBit: boolean;
  /** The lossy format the file is in ("JPEG", "lossy WebP", "AVIF"), or undefined for a lossless one. */
  lossy?: string;
}

/** An upright raster as three interleaved channels (grey is replicated, alpha dropped). */
interface Raster {
  width: number;
  height: number;
  /** 8-bit samples, or 16-bit ones when the file stores 16 bits per sample. */
  samples: Uint8Array | Uint16Array;
}

/** libvips messages can span lines and repeat the loader name; one line is enough. */
function decoderReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n").map((line) => line.trim()).filter(Boolean).join("; ");
}

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * A WebP file is lossy when its image chunk is "VP8 " and lossless when it is "VP8L"; an extended file ("VP8X")
 * lists other chunks (ICC profile, EXIF, alpha) before it. Undefined when no image chunk is found.
 */
async function webpIsLossy(file: FileHandle): Promise<boolean | undefined> {
  const header = Buffer.alloc(8);
  let offset = 12; // after "RIFF", the RIFF size and "WEBP"
  for (let chunk = 0; chunk < 64; chunk++) {
    const { bytesRead } = await file.read(header, 0, 8, offset);
    if (bytesRead < 8) return undefined;
    const fourcc = header.toString("latin1", 0, 4);
    if (fourcc === "VP8 ") return true;
    if (fourcc === "VP8L") return false;
    const size = header.readUInt32LE(4);
    offset += 8 + size + (size & 1);
  }
  return undefined;
}

/**
 * Opens `path` without blocking (a named pipe would otherwise wait for a writer), refuses anything but a
 * regular, non-empty file, and says whether a WebP is lossy.
 */
async function checkFile(path: string): Promise<{ webpLossy?: boolean }> {
  let file: FileHandle;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new MattingError("READ_FAILED", `cannot read: ${systemReason(cause)}`, { file: path }, { cause });
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new MattingError("READ_FAILED", `cannot read: ${fileKind(stats)}, not an image file`, { file: path });
    if (stats.size === 0) throw new MattingError("READ_FAILED", "cannot decode the image: the file is empty", { file: path });
    const magic = Buffer.alloc(12);
    await file.read(magic, 0, 12, 0);
    const isWebp = magic.toString("latin1", 0, 4) === "RIFF" && magic.toString("latin1", 8, 12) === "WEBP";
    return isWebp ? { webpLossy: await webpIsLossy(file) } : {};
  } finally {
    await file.close();
  }
}

/**
 * Reads the header of an image file: its upright size, depth and whether it is lossy. Refuses (TOO_LARGE)
 * more than `maxPixels` pixels before anything is decoded.
 */
export async function readHeader(path: string, maxPixels: number): Promise<Header> {
  const { webpLossy } = await checkFile(path);
  let meta: Metadata;
  try {
    // Only the header is parsed here; the pixel limit is applied below with a message that names it.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new MattingError("READ_FAILED", `cannot decode the image: ${decoderReason(cause)}`, { file: path }, { cause });
  }
  const { width, height } = meta.autoOrient;
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new MattingError(
      "TOO_LARGE",
      `the file declares ${width}x${height} pixels (${formatPixels(pixels)}); at most ${formatPixels(maxPixels)} are decoded (--max-pixels)`,
      { file: path, width, height, pixels, maxPixels },
    );
  }
  const lossy = meta.format === "jpeg" ? "JPEG"
    : meta.format === "webp" && webpLossy === true ? "lossy WebP"
    : meta.format === "heif" ? (meta.compression === "av1" ? "AVIF" : "HEIC")
    : undefined;
  return { path, width, height, orientation: meta.orientation ?? 1, sixteenBit: meta.depth === "ushort", ...(lossy ? { lossy } : {}) };
}

async function decode(header: Header, maxPixels: number): Promise<Raster> {
  const { path, sixteenBit } = header;
  try {
    // failOn "warning": a truncated or damaged file is an error rather than a partly grey picture.
    // limitInputPixels again, in case the file changed since its header was read.
    const { data, info } = await sharp(path, { failOn: "warning", limitInputPixels: maxPixels })
      .autoOrient()
      .removeAlpha()
      .toColourspace(sixteenBit ? "rgb16" : "srgb")
      .raw({ depth: sixteenBit ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
    const samples = sixteenBit
      ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, samples };
  } catch (cause) {
    throw new MattingError("READ_FAILED", `cannot decode the image: ${decoderReason(cause)}`, { file: path }, { cause });
  }
}

/** The photo: 8-bit RGB bytes, or Float32 RGB in [0, 1] for 16-bit files so no precision is lost. */
export async function readImage(header: Header, maxPixels: number): Promise<RGBImage> {
  const { width, height, samples } = await decode(header, maxPixels);
  if (samples instanceof Uint8Array) return { width, height, data: samples };
  const data = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) data[i] = samples[i] / 65535;
  return { width, height, data };
}

/** The trimap's first channel as 8-bit labels; in 16-bit files 0 and 65535 are the sure values. */
export async function readTrimap(header: Header, maxPixels: number): Promise<Trimap> {
  const { width, height, samples } = await decode(header, maxPixels);
  const n = width * height;
  const data = new Uint8Array(n);
  if (samples instanceof Uint8Array) {
    for (let i = 0; i < n; i++) data[i] = samples[i * 3];
  } else {
    for (let i = 0; i < n; i++) {
      const value = samples[i * 3];
      data[i] = value === 0 ? 0 : value === 65535 ? 255 : 128;
    }
  }
  return { width, height, data };
}

/** A mask's first channel: 8-bit as stored, 16-bit as floats in [0, 1] so a soft mask keeps its half-way level. */
export async function readMask(header: Header, maxPixels: number): Promise<AlphaMatte> {
  const { width, height, samples } = await decode(header, maxPixels);
  const n = width * height;
  const data = samples instanceof Uint8Array ? new Uint8Array(n) : new Float32Array(n);
  const scale = samples instanceof Uint8Array ? 1 : 1 / 65535;
  for (let i = 0; i < n; i++) data[i] = samples[i * 3] * scale;
  return { width, height, data };
}

/** Encodes 8-bit interleaved samples as a PNG: 1 channel grey, 3 RGB, 4 RGBA, or 4 written as RGB when `opaque`. */
function encodePng(samples: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 1 | 3 | 4, opaque = false): Promise<Buffer> {
  // No pixel limit: these are the CLI's own results, of a size that was read within --max-pixels.
  let encoder = sharp(samples, { raw: { width, height, channels }, limitInputPixels: false });
  if (channels === 1) encoder = encoder.toColourspace("b-w");
  if (opaque) encoder = encoder.removeAlpha();
  return encoder.png().toBuffer();
}

/** Values in [0, 1] as 8-bit samples, rounded to the nearest level. */
function toBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round(values[i] * 255);
  return bytes;
}

/** Alpha in [0, 1] as an 8-bit one-channel PNG. */
export function encodeAlpha(alpha: Float32Array, width: number, height: number): Promise<Buffer> {
  return encodePng(toBytes(alpha), width, height, 1);
}

/** RGB colours in [0, 1] as an 8-bit RGB PNG. */
export function encodeColours(rgb: Float32Array, width: number, height: number): Promise<Buffer> {
  return encodePng(toBytes(rgb), width, height, 3);
}

/** An 8-bit one-channel trimap (0, 128, 255) as a grey PNG. */
export function encodeTrimap(trimap: Uint8Array, width: number, height: number): Promise<Buffer> {
  return encodePng(trimap, width, height, 1);
}

/** 8-bit RGBA as an RGBA PNG, or as an RGB one when the image is opaque (a composite). */
export function encodeRgba(rgba: Uint8ClampedArray, width: number, height: number, opaque: boolean): Promise<Buffer> {
  return encodePng(rgba, width, height, 4, opaque);
}
