// What src/split.ts weighs to cut the image into the threads' bands: per band of `step` image rows, its unknown
// pixels and its occupied 4x4 and 8x8 pixel cells (the first two block levels' nodes), and per image row the unknowns
// above it. One pass over the unknown index (i32 per pixel, -1 for a known pixel), four pixels at a time with SIMD.

/** Bytes of bandCounts' scratch for an image `width` pixels wide. */
export function bandScratchBytes(width: i32): i32 {
  return ((width + 3) >> 2) + ((width + 7) >> 3);
}

/**
 * counts: i32 x 3 per band (unknowns, occupied 4x4 cells, occupied 8x8 cells), bands = ceil(height / step);
 * aboveRow: i32 x (height + 1), the unknowns above each image row and in all. step: a multiple of 8.
 */
export function bandCounts(unknownIndex: usize, width: i32, height: i32, step: i32, counts: usize, aboveRow: usize, scratch: usize): void {
  const quads = (width + 3) >> 2, octets = (width + 7) >> 3;
  const quadMarks = scratch, octetMarks = scratch + <usize>quads;
  const bands = (height + step - 1) / step;
  let seen = 0;
  for (let b = 0; b < bands; b++) {
    const end = min(height, (b + 1) * step);
    let unknowns = 0, firstNodes = 0, secondNodes = 0;
    memory.fill(octetMarks, 0, <usize>octets);
    for (let y = b * step; y < end; y += 4) {
      memory.fill(quadMarks, 0, <usize>quads);
      for (let row = y; row < min(end, y + 4); row++) {
        store<i32>(aboveRow + (<usize>row << 2), seen + unknowns);
        unknowns += markRow(unknownIndex + (<usize>(row * width) << 2), width, quadMarks, octetMarks);
      }
      for (let q = 0; q < quads; q++) firstNodes += <i32>load<u8>(quadMarks + <usize>q);
    }
    for (let o = 0; o < octets; o++) secondNodes += <i32>load<u8>(octetMarks + <usize>o);
    const at = counts + (<usize>(b * 3) << 2);
    store<i32>(at, unknowns);
    store<i32>(at, firstNodes, 4);
    store<i32>(at, secondNodes, 8);
    seen += unknowns;
  }
  store<i32>(aboveRow + (<usize>height << 2), seen);
}

/** Marks the 4- and 8-pixel column groups of one image row that hold an unknown; returns the row's unknowns. */
@inline
function markRow(index: usize, width: i32, quadMarks: usize, octetMarks: usize): i32 {
  let unknowns = 0, x = 0;
  if (ASC_FEATURE_SIMD) {
    for (; x + 4 <= width; x += 4) {
      // A known pixel's index is -1: its sign bit is set.
      const known = i32x4.bitmask(v128.load(index + (<usize>x << 2)));
      if (known == 15) continue;
      unknowns += 4 - <i32>popcnt(known);
      store<u8>(quadMarks + <usize>(x >> 2), 1);
      store<u8>(octetMarks + <usize>(x >> 3), 1);
    }
  }
  for (; x < width; x++) {
    if (load<i32>(index + (<usize>x << 2)) < 0) continue;
    unknowns++;
    store<u8>(quadMarks + <usize>(x >> 2), 1);
    store<u8>(octetMarks + <usize>(x >> 3), 1);
  }
  return unknowns;
}
