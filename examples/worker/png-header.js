// What a PNG says about its pixels before any of them is inflated: the signature and the IHDR chunk in its
// first 33 bytes (PNG spec, sections 5.2 and 11.2.2), and a check that the compressed data inflates to no more
// than those pixels need. A few hundred kilobytes of PNG can claim 16383x16383 pixels (a quarter of a gigabyte
// once inflated): reading the claim first lets the worker refuse it in microseconds instead of dying on it.

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Signature (8) + IHDR length and type (8) + IHDR data (13) + CRC (4). */
export const PNG_HEADER_BYTES = 33;

/** Samples per pixel and the bit depths the spec allows, by colour type (table 11.1). */
const COLOUR_TYPES = {
  0: { name: "grey", channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { name: "RGB", channels: 3, depths: [8, 16] },
  3: { name: "palette", channels: 1, depths: [1, 2, 4, 8] },
  4: { name: "grey + alpha", channels: 2, depths: [8, 16] },
  6: { name: "RGBA", channels: 4, depths: [8, 16] },
};

/** Compressed bytes handed to the inflater at a time. */
const FEED_BYTES = 1024;

/** The largest width or height the spec allows (2^31 - 1). */
const MAX_SIDE = 0x7fffffff;

/**
 * Reads the signature and IHDR of `bytes`; throws an Error saying what is wrong when they are missing,
 * truncated or invalid.
 * @param {Uint8Array} bytes
 * @returns {{ width: number, height: number, bitDepth: number, colourType: number, channels: number, interlaced: boolean }}
 */
export function readPngHeader(bytes) {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((byte, i) => bytes[i] !== byte)) throw new Error("it does not start with the PNG signature");
  if (bytes.length < PNG_HEADER_BYTES) throw new Error(`its header is truncated (${bytes.length} bytes; a PNG header has ${PNG_HEADER_BYTES})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (view.getUint32(8) !== 13 || type !== "IHDR") throw new Error("its first chunk is not a 13-byte IHDR");
  const width = view.getUint32(16), height = view.getUint32(20);
  const bitDepth = bytes[24], colourType = bytes[25], interlace = bytes[28];
  if (width === 0 || height === 0 || width > MAX_SIDE || height > MAX_SIDE) throw new Error(`its header gives an invalid size ${width}x${height}`);
  const colour = COLOUR_TYPES[colourType];
  if (!colour) throw new Error(`its header gives an invalid colour type ${colourType}`);
  if (!colour.depths.includes(bitDepth)) throw new Error(`its header gives bit depth ${bitDepth}, invalid for ${colour.name}`);
  if (bytes[26] !== 0 || bytes[27] !== 0 || interlace > 1) throw new Error("its header gives an unknown compression, filter or interlace method");
  return { width, height, bitDepth, colourType, channels: colour.channels, interlaced: interlace === 1 };
}

/**
 * The bytes the image data inflates to: each row of each pass is a filter byte and its packed samples.
 * Adam7's seven passes sample the image at the offsets and steps of the spec's section 8.2.
 */
export function inflatedBytes({ width, height, bitDepth, channels, interlaced }) {
  const rowBytes = (columns) => 1 + Math.ceil((columns * channels * bitDepth) / 8);
  if (!interlaced) return height * rowBytes(width);
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const columns = Math.ceil((width - x0) / dx), rows = Math.ceil((height - y0) / dy);
    if (columns > 0 && rows > 0) total += rows * rowBytes(columns);
  }
  return total;
}

/**
 * Inflates the IDAT chunks of `bytes` without keeping the output, and throws once it exceeds what the header's
 * pixels need: a PNG whose small header hides a deflate bomb stops after that many bytes instead of filling memory.
 * @param {Uint8Array} bytes  a PNG whose header readPngHeader accepted
 * @returns {Promise<number>} the bytes the image data inflated to
 */
export async function checkInflatedSize(bytes, header) {
  const limit = inflatedBytes(header);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const compressed = [];
  for (let offset = SIGNATURE.length; offset + 8 <= bytes.length;) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const end = offset + 8 + length;
    if (end + 4 > bytes.length) throw new Error(`its ${type} chunk is truncated`);
    if (type === "IDAT") compressed.push(bytes.subarray(offset + 8, end));
    if (type === "IEND") break;
    offset = end + 4;
  }
  if (compressed.length === 0) throw new Error("it has no image data (IDAT)");
  const { readable, writable } = new DecompressionStream("deflate");
  const reader = readable.getReader(), writer = writable.getWriter();
  // Fed a kilobyte at a time, the inflater makes at most about a megabyte (deflate's ratio is at most ~1032:1)
  // before the count below can stop it.
  const feeding = (async () => {
    for (const data of compressed) {
      for (let at = 0; at < data.length; at += FEED_BYTES) await writer.write(data.subarray(at, at + FEED_BYTES));
    }
    await writer.close();
  })();
  feeding.catch(() => {}); // its failure shows as the reader's, or does not matter once the count has stopped it
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((cause) => {
        throw new Error(`its image data does not inflate: ${cause.message}`);
      });
      if (done) return total;
      total += value.length;
      if (total > limit) throw new Error(`its image data inflates to more than the ${limit} bytes its ${header.width}x${header.height} header allows`);
    }
  } finally {
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
  }
}
