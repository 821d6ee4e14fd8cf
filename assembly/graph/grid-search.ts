// Exact k nearest neighbours among the pixels of an image by colour and position features (r, g, b, x, y; f32,
// five per pixel in pixel order; x the same down a column and not decreasing along a row, y the same along a row
// and not decreasing down a column), found by scanning the image around each query pixel in tiles of 4 x 4 pixels:
// the query's row of tiles from its tile outwards, then the rows above and below, each row as far as its tiles can
// hold a pixel nearer than the k-th kept, skipping a tile whose colours cannot, and stopping at the first row that
// cannot. Where the position weighs much against colour (knn's first search: one pixel step is less than an 8-bit
// colour level), a query reads about ten tiles and tests twice as many, where a k-d tree reads hundreds of points
// after a walk of its nodes. The k-th distance starts from a bound given by earlier queries' (scanAround), so that far
// tiles are skipped from the first, and a first pass scans within a guess at it.
//
// The answers are the k-d tree's (assembly/graph/kdtree.ts) to the bit: the same f32 distances, summed coordinate
// by coordinate from the first, and the same 64-bit keys (distance bits << 32 | pixel index), so ties go to the
// lower index. The tests that skip are exact too: rounding is monotone, so a rounded difference is no smaller in
// size for a value farther off, and a rounded sum no smaller for larger terms; a pixel's f32 distance is therefore
// at least the same sum taken over its tile's bound: each colour's gap to the tile's range of that colour, then x's
// and y's differences at the tile's column and row nearest the query's (positions are monotone), and at least the
// sum of those two alone (the colour terms are not negative). A tile or row is skipped only when its bound is above
// the k-th kept distance, not equal to it: a pixel at an equal distance with a lower index would still be kept.
//
// Where the colours vary (texture, noise) the k-th distance stays large and the rows many: a query that scans more
// than `budget` tiles is left to the tree (its row kept in `rows`, for kdQueryOwnPoints).
//
// Layout (gridLayout, from the interleaved features): per tile, in rows of tiles, 224 bytes: its 16 pixels' r, then
// g, then b (four rows of four lanes each; NaN for lanes past the image's edge, whose distances then compare false),
// then its colour range, lows (r, g, b, 0) and highs (r, g, b, 0). Then the x of each column and the y of each row,
// padded to whole tiles.

import { candidateKey, keep, keepInto, keptCount, keptKeys, restartKept, wanted, widenBound, worstDistance, worstKey } from "./kept";

const TILE: i32 = 4;
const TILE_BYTES: usize = 224;
const RANGE_AT: usize = 192;

@inline function tilesAcross(width: i32): i32 {
  return (width + TILE - 1) / TILE;
}

/** Bytes of gridLayout's copy of a width x height image's features. */
export function gridLayoutBytes(width: i32, height: i32): i32 {
  const across = tilesAcross(width), down = tilesAcross(height);
  return across * down * <i32>TILE_BYTES + (across + down) * TILE * 4;
}

/** Copies the features (five per pixel) into tiles with their colour ranges and the positions (gridLayoutBytes at `layout`). */
export function gridLayout(features: usize, width: i32, height: i32, layout: usize): void {
  const across = tilesAcross(width), down = tilesAcross(height);
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const tile = layout + <usize>(ty * across + tx) * TILE_BYTES;
      const lows = tile + RANGE_AT, highs = lows + 16;
      for (let c = 0; c < 4; c++) {
        store<f32>(lows + (<usize>c << 2), c < 3 ? Infinity : 0);
        store<f32>(highs + (<usize>c << 2), c < 3 ? -Infinity : 0);
      }
      for (let i = 0; i < TILE; i++) {
        for (let j = 0; j < TILE; j++) {
          const x = tx * TILE + j, y = ty * TILE + i, lane = <usize>(i * TILE + j) << 2;
          const inside = x < width && y < height;
          for (let c = 0; c < 3; c++) {
            const value = inside ? load<f32>(features + <usize>(y * width + x) * 20 + (<usize>c << 2)) : NaN;
            store<f32>(tile + (<usize>c << 6) + lane, value);
            if (!inside) continue;
            const low = lows + (<usize>c << 2), high = highs + (<usize>c << 2);
            store<f32>(low, min(load<f32>(low), value));
            store<f32>(high, max(load<f32>(high), value));
          }
        }
      }
    }
  }
  // Positions past the edge repeat the last: their lanes' colours are NaN, so they are never kept.
  const xs = layout + <usize>(across * down) * TILE_BYTES, ys = xs + (<usize>(across * TILE) << 2);
  for (let x = 0; x < across * TILE; x++) store<f32>(xs + (<usize>x << 2), load<f32>(features + <usize>min(x, width - 1) * 20, 12));
  for (let y = 0; y < down * TILE; y++) store<f32>(ys + (<usize>y << 2), load<f32>(features + <usize>min(y, height - 1) * <usize>width * 20, 16));
}

/**
 * Scratch bytes the queries need for k neighbours in an image `width` wide: the query's colours, sixteen lanes'
 * distances, the kept keys (see below), columnKth. All of a search's state is there or in the module's globals, so
 * that threads on one shared memory, each with its own scratch, search at once (assembly/graph/search-together.ts).
 */
export function gridScratchBytes(k: i32, width: i32): i32 {
  return <i32>(LANES_AT + KEPT_AT) + ((k + 1) << 3) + (width << 3);
}

// The query's k nearest so far: kept.ts's list, as the tree keeps them (keys sorted nearest first, the farthest
// bounding what is still worth reading; in the SIMD build inserted without a branch per key moved, which would cost
// the grid more than its distances), at KEPT_AT in the scratch, after the zero slot kept.ts wants before it. The list
// of an odd k has a slot more, which the pairs may fill with a key past the list's end: it is never read.
const KEPT_AT: usize = 80;
/** The query's colours come first in the scratch, then the lanes' distances and the kept keys. */
const LANES_AT: usize = 16;
/** Pixels at this distance or nearer are not offered (kept by a first pass already); -1: none. */
let floorDistance: f32 = -1;

// The image being searched.
let features: usize = 0;
let tiles: usize = 0;
let xs: usize = 0;
let ys: usize = 0;
let imageWidth: i32 = 0;
let across: i32 = 0;
let down: i32 = 0;

// The query in progress: its column, coordinates and sixteen lanes' distances (its k best so far above, the
// farthest until k are kept being the bound from earlier queries', or all ones and Infinity).
let queryX: i32 = 0;
/** The previous query, and per column of the image the last query answered there and its k-th distance (f32, i32; -1: none). */
let lastPixel: i32 = 0;
let columnKth: usize = 0;
let q0: f32 = 0;
let q1: f32 = 0;
let q2: f32 = 0;
let qx: f32 = 0;
let qy: f32 = 0;
/** The query's r, g, b and 0, for the tile bound's four lanes (at the start of the scratch). */
let queryColours: usize = 0;
let laneDistances: usize = 0;

/** The rounded square of the difference between the query's x and column x's. */
@inline function squaredX(x: i32): f32 {
  const diff = qx - load<f32>(xs + (<usize>x << 2));
  return diff * diff;
}

/** The rounded square of the difference between the query's y and row y's. */
@inline function squaredY(y: i32): f32 {
  const diff = qy - load<f32>(ys + (<usize>y << 2));
  return diff * diff;
}

/**
 * A lower bound on the f32 distance from the query to any pixel of tile (tx, ty), summed in the tree's order:
 * the colour gaps to the tile's ranges (max(low - q, q - high, 0), rounded, squared), then x's and y's differences
 * at its nearest column and row.
 */
function tileBound(tile: usize, dxx: f32, dyy: f32): f32 {
  const range = tile + RANGE_AT;
  let sum: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    const q = v128.load(queryColours);
    const gap = f32x4.pmax(f32x4.pmax(f32x4.sub(v128.load(range), q), f32x4.sub(q, v128.load(range, 16))), f32x4.splat(0));
    const squares = f32x4.mul(gap, gap);
    sum = f32x4.extract_lane(squares, 0);
    sum += f32x4.extract_lane(squares, 1);
    sum += f32x4.extract_lane(squares, 2);
  } else {
    for (let c = 0; c < 3; c++) {
      const q = load<f32>(queryColours + (<usize>c << 2));
      const gap = max(max(load<f32>(range + (<usize>c << 2)) - q, q - load<f32>(range + 16 + (<usize>c << 2))), 0 as f32);
      sum += gap * gap;
    }
  }
  sum += dxx;
  sum += dyy;
  return sum;
}

/** Offers the pixels of tile (tx, ty) whose distance is within the k-th kept (lanes set in `lanes`, distances at laneDistances). */
@inline function offerLanes(lanes: i32, tx: i32, ty: i32): void {
  while (lanes != 0) {
    const lane = ctz(lanes);
    lanes &= lanes - 1;
    const index = (ty * TILE + (lane >> 2)) * imageWidth + tx * TILE + (lane & 3);
    const key = candidateKey(load<f32>(laneDistances + (<usize>lane << 2)), index);
    if (key < worstKey) keep(key);
  }
}

/** Offers the pixels of tile (tx, ty) beyond floorDistance, their distances summed in the tree's order: r, g, b, x, y. */
function scanTile(tile: usize, tx: i32, ty: i32): void {
  if (ASC_FEATURE_SIMD) {
    const s0 = f32x4.splat(q0), s1 = f32x4.splat(q1), s2 = f32x4.splat(q2);
    const dx = f32x4.sub(f32x4.splat(qx), v128.load(xs + (<usize>(tx * TILE) << 2)));
    const dxx = f32x4.mul(dx, dx);
    const worst = f32x4.splat(worstDistance), floor = f32x4.splat(floorDistance);
    let lanes = 0;
    for (let i = 0; i < TILE; i++) {
      const at = tile + (<usize>i << 4);
      const d0 = f32x4.sub(s0, v128.load(at)), d1 = f32x4.sub(s1, v128.load(at, 64)), d2 = f32x4.sub(s2, v128.load(at, 128));
      let sum = f32x4.mul(d0, d0);
      sum = f32x4.add(sum, f32x4.mul(d1, d1));
      sum = f32x4.add(sum, f32x4.mul(d2, d2));
      sum = f32x4.add(sum, dxx);
      sum = f32x4.add(sum, f32x4.splat(squaredY(ty * TILE + i)));
      v128.store(laneDistances + (<usize>i << 4), sum);
      lanes |= i32x4.bitmask(v128.and(f32x4.le(sum, worst), f32x4.gt(sum, floor))) << (i << 2);
    }
    offerLanes(lanes, tx, ty);
    return;
  }
  for (let i = 0; i < TILE; i++) {
    const dyy = squaredY(ty * TILE + i);
    for (let j = 0; j < TILE; j++) {
      const at = tile + (<usize>(i * TILE + j) << 2);
      const d0 = q0 - load<f32>(at), d1 = q1 - load<f32>(at, 64), d2 = q2 - load<f32>(at, 128);
      let sum = d0 * d0;
      sum += d1 * d1;
      sum += d2 * d2;
      sum += squaredX(tx * TILE + j);
      sum += dyy;
      // NaN (past the image's edge) fails this too.
      if (!(sum <= worstDistance) || !(sum > floorDistance)) continue;
      const key = candidateKey(sum, (ty * TILE + i) * imageWidth + tx * TILE + j);
      if (key < worstKey) keep(key);
    }
  }
}

/** Tiles scanned for the query so far. */
let scanned = 0;

/**
 * Scans the tiles of tile row ty (dyy: the squared y difference at its row nearest the query's) from the query's
 * column outwards, each way until a tile's x and y differences alone put it beyond the k-th kept distance (the
 * tiles farther that way are too), skipping a tile whose colour ranges do. False when ty is outside the image or
 * beyond the k-th distance altogether (the tile rows farther that way are too).
 */
function scanTileRow(ty: i32, dyy: f32): bool {
  if (ty < 0 || ty >= down || dyy > worstDistance) return false;
  const rowTiles = tiles + <usize>(ty * across) * TILE_BYTES;
  const home = queryX / TILE;
  let right = home, left = home - 1;
  let rightXX: f32 = squaredX(queryX), leftXX: f32 = left >= 0 ? squaredX(left * TILE + TILE - 1) : Infinity;
  while (right < across || left >= 0) {
    if (rightXX <= leftXX) {
      if (rightXX + dyy > worstDistance) break;
      visitTile(rowTiles + <usize>right * TILE_BYTES, right, ty, rightXX, dyy);
      right++;
      rightXX = right < across ? squaredX(right * TILE) : Infinity;
    } else {
      if (leftXX + dyy > worstDistance) break;
      visitTile(rowTiles + <usize>left * TILE_BYTES, left, ty, leftXX, dyy);
      left--;
      leftXX = left >= 0 ? squaredX(left * TILE + TILE - 1) : Infinity;
    }
  }
  return true;
}

/** Scans tile (tx, ty) unless its colour ranges put it beyond the k-th kept distance (dxx, dyy: its x and y terms). */
@inline function visitTile(tile: usize, tx: i32, ty: i32, dxx: f32, dyy: f32): void {
  if (tileBound(tile, dxx, dyy) > worstDistance) return;
  scanTile(tile, tx, ty);
  scanned++;
}

/** The f32 squared distance from the query to pixel j, summed as the scan and the tree sum it, from the interleaved features. */
function pixelDistance(j: i32): f32 {
  const at = features + <usize>j * 20;
  const d0 = q0 - load<f32>(at), d1 = q1 - load<f32>(at, 4), d2 = q2 - load<f32>(at, 8), dx = qx - load<f32>(at, 12), dy = qy - load<f32>(at, 16);
  let sum = d0 * d0;
  sum += d1 * d1;
  sum += d2 * d2;
  sum += dx * dx;
  sum += dy * dy;
  return sum;
}

/**
 * An upper bound on the f32 k-th distance of a query q from a pixel m's: `step`, q's f32 distance to m, and `kth`,
 * m's k-th. Each of m's k kept pixels n is within sqrt(kth) of m, so within sqrt(step) + sqrt(kth) of q, in exact
 * arithmetic. An f32 distance (five differences, squares and sums rounded: terms not negative) is within a factor
 * 1 +- 7 * 2^-24 of the exact one, so the f32 distance from q to n is at most (sqrt(step) + sqrt(kth))^2 (1 + 15 *
 * 2^-24): a margin of 1e-5 covers that and the f64 arithmetic, and 1e-30 the absolute rounding of subnormal sums.
 */
@inline function reach(step: f32, kth: f32): f32 {
  const radius = Math.sqrt(<f64>step) + Math.sqrt(<f64>kth);
  return <f32>(radius * radius * 1.00001 + 1e-30);
}

/**
 * The first pass's bound, as a multiple of the larger of the two earlier k-th distances (those of the triangle bound):
 * neighbouring pixels' k-th distances are alike, and the triangle bound is about twice the k-th distance in
 * radius, so a scan within it keeps about 37 pixels per query for k 20, within the guess about 30 (a pass that keeps
 * fewer than k, one query in 10 to 20, is followed by a second pass within the bound).
 */
const GUESS: f32 = 1.25;

/** Scans around pixel p until its k nearest are kept (true), or until past `budget` tiles (false). */
function scanAround(p: i32, budget: i32): bool {
  const x = p % imageWidth, y = p / imageWidth;
  queryX = x;
  const tx = x / TILE, ty = y / TILE;
  const tile = tiles + <usize>(ty * across + tx) * TILE_BYTES, lane = <usize>((y - ty * TILE) * TILE + x - tx * TILE) << 2;
  q0 = load<f32>(tile + lane);
  q1 = load<f32>(tile + lane, 64);
  q2 = load<f32>(tile + lane, 128);
  store<f32>(queryColours, q0);
  store<f32>(queryColours, q1, 4);
  store<f32>(queryColours, q2, 8);
  qx = load<f32>(xs + (<usize>x << 2));
  qy = load<f32>(ys + (<usize>y << 2));
  // Any k pixels bound the k-th distance from above, and so do those kept by an earlier query m, through the
  // triangle inequality: reach(|q - m|^2, k-th distance of m), without reading them. Two such: the previous query's
  // (its kept list is still there), and the last answered in this column (the pixel above, mostly). Pixels beyond
  // the bound are not kept, nor tiles and rows beyond it scanned, while the k are found.
  let bound: f32 = Infinity, guess: f32 = 0;
  if (keptCount == wanted) {
    bound = reach(pixelDistance(lastPixel), worstDistance);
    guess = worstDistance;
  }
  const column = columnKth + (<usize>x << 3), above = load<i32>(column, 4);
  if (above >= 0) {
    bound = min(bound, reach(pixelDistance(above), load<f32>(column)));
    guess = max(guess, load<f32>(column));
  }
  guess *= GUESS;
  lastPixel = p;
  floorDistance = -1;
  if (guess > 0 && guess < bound) {
    // First within the guess, which is no bound: when fewer than k are within it, all those are kept, and a second
    // pass offers only the pixels beyond it (floorDistance) up to the bound.
    restartKept(guess);
    if (!scanRows(ty, budget)) return false;
    if (keptCount == wanted) return true;
    floorDistance = guess;
    widenBound(bound);
    return scanRows(ty, budget);
  }
  restartKept(bound);
  return scanRows(ty, budget);
}

/**
 * Scans the tile rows of the query (its row of tiles ty, then the rows outwards from it, up and down, each way until
 * one is beyond the k-th distance); false when past `budget` tiles.
 */
function scanRows(ty: i32, budget: i32): bool {
  scanned = 0;
  scanTileRow(ty, 0);
  let up = true, below = true;
  for (let d = 1; up || below; d++) {
    if (up) up = scanTileRow(ty - d, ty - d >= 0 ? squaredY((ty - d) * TILE + TILE - 1) : 0);
    if (below) below = scanTileRow(ty + d, ty + d < down ? squaredY((ty + d) * TILE) : 0);
    if (scanned > budget) return false;
  }
  return true;
}

/** rows[p] = p for every pixel p < n: every pixel asked, each answered in its own row. */
export function gridEveryRow(rows: usize, n: i32): void {
  for (let p = 0; p < n; p++) store<i32>(rows + (<usize>p << 2), p);
}

/**
 * The k nearest pixels to each pixel p of [from, to) with rows[p] >= 0, by the features at `pixelFeatures` (five per
 * pixel) and gridLayout's copy of them at `layout`, written as row rows[p] of `indices` (i32, k per row, nearest
 * first, ties to the lower index, -1 past the image's pixels); rows[p] is then set to -1. A query that scans more
 * than `budget` tiles keeps its row, for the tree (kdQueryOwnPoints with these rows). counts (two i32): the queries
 * asked and those left to the tree are added to them. `scratch`: gridScratchBytes(k, width).
 */
export function gridQueryPixels(pixelFeatures: usize, layout: usize, width: i32, height: i32, k: i32, from: i32, to: i32, rows: usize,
  budget: i32, indices: usize, scratch: usize, counts: usize): void {
  features = pixelFeatures;
  across = tilesAcross(width);
  down = tilesAcross(height);
  imageWidth = width;
  tiles = layout;
  xs = layout + <usize>(across * down) * TILE_BYTES;
  ys = xs + (<usize>(across * TILE) << 2);
  queryColours = scratch;
  store<f32>(queryColours, 0, 12);
  laneDistances = scratch + LANES_AT;
  keepInto(laneDistances + KEPT_AT, min(k, width * height));
  columnKth = keptKeys + (<usize>(k + 1) << 3);
  for (let x = 0; x < width; x++) store<i32>(columnKth + (<usize>x << 3), -1, 4);
  let asked = 0, left = 0;
  for (let p = from; p < to; p++) {
    const rowAt = rows + (<usize>p << 2);
    const row = load<i32>(rowAt);
    if (row < 0) continue;
    asked++;
    if (!scanAround(p, budget)) {
      left++;
      continue;
    }
    const column = columnKth + (<usize>(p % width) << 3);
    store<f32>(column, worstDistance);
    store<i32>(column, p, 4);
    const out = indices + ((<usize>row * <usize>k) << 2);
    for (let j = 0; j < k; j++) store<i32>(out + (<usize>j << 2), j < keptCount ? <i32>load<u64>(keptKeys + (<usize>j << 3)) : -1);
    store<i32>(rowAt, -1);
  }
  store<i32>(counts, load<i32>(counts) + asked);
  store<i32>(counts, load<i32>(counts, 4) + left, 4);
}
