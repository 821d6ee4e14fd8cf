// The k nearest candidates a search has kept so far, for the k-d tree (kdtree.ts) and the grid scan
// (grid-search.ts), which must give the same answers: a list of 64-bit keys sorted nearest first (candidateKey: the
// f32 distance's bits above the pixel index, so that equal distances go to the lower index; distances are not
// negative, so their bits order as they do) and the farthest kept, which bounds what is still worth reading. One
// search runs at a time, so the two share this module's list.

export let keptKeys: usize = 0;
export let keptCount: i32 = 0;
export let wanted: i32 = 0;
/** The farthest kept key, and its distance; until `wanted` are kept, the bound the query started from. */
export let worstKey: u64 = 0;
export let worstDistance: f32 = 0;

@inline export function candidateKey(distance: f32, index: i32): u64 {
  return (<u64>reinterpret<u32>(distance) << 32) | <u64><u32>index;
}

/** The key a candidate must be below to be kept under `bound` (Infinity: any), equal distances with any index included. */
@inline export function boundKey(bound: f32): u64 {
  return bound == Infinity ? u64.MAX_VALUE : candidateKey(bound, -1);
}

/**
 * Inserts `key` at its place among the sorted keys [0, last) at `keys`, shifting the farther ones up by one into
 * slot `last` (a list of k rather than a heap: k is small and the moves are contiguous).
 */
@inline function insertSorted(keys: usize, last: i32, key: u64): void {
  let i = last;
  while (i > 0) {
    const before = load<u64>(keys + (<usize>(i - 1) << 3));
    if (before <= key) break;
    store<u64>(keys + (<usize>i << 3), before);
    i--;
  }
  store<u64>(keys + (<usize>i << 3), key);
}

/** Above every key (a distance's sign bit is clear), so that signed 64-bit comparisons order keys and it. */
const NONE: u64 = 0x7fff_ffff_ffff_ffff;

/**
 * insertSorted without branches on the keys, two slots at a time (SIMD): the slots past `last` hold NONE and the
 * slot before the first holds 0 (below every key), so that inserting `key` makes slot i min(old i, max(old i - 1,
 * key)) for every i up to `last` (a key never equals another: their indices differ). For an even `last` the pair
 * also writes slot last + 1 (with NONE, or a key past the list's end that is never read), which must exist.
 */
@inline function insertSortedPairs(keys: usize, last: i32, key: u64): void {
  const splat = i64x2.splat(key);
  for (let pair = last >> 1; pair >= 0; pair--) {
    const at = keys + (<usize>pair << 4);
    const old = v128.load(at), before = v128.load(at - 8);
    const above = v128.bitselect(before, splat, i64x2.gt_s(before, splat));
    v128.store(at, v128.bitselect(old, above, i64x2.lt_s(old, above)));
  }
}

/**
 * The list lives at `keys` (8 bytes per key) and holds at most `k`; in the SIMD build the 8 bytes before `keys`
 * must be 0 and there must be room for k rounded up to even (insertSortedPairs).
 */
export function keepInto(keys: usize, k: i32): void {
  keptKeys = keys;
  wanted = k;
  keptCount = 0;
  if (ASC_FEATURE_SIMD) store<u64>(keys - 8, 0);
}

/**
 * Empties the list for a new query that keeps only candidates at distances up to `bound` (Infinity: any), equal
 * distances with any index included.
 */
export function restartKept(bound: f32): void {
  keptCount = 0;
  worstDistance = bound;
  worstKey = boundKey(bound);
  if (ASC_FEATURE_SIMD) {
    for (let i = 0; i < wanted; i += 2) v128.store(keptKeys + (<usize>i << 3), i64x2.splat(NONE));
  }
}

/**
 * Raises the bound of a list that holds fewer than `wanted` to `bound` (at least the one it started from), keeping
 * what it holds: a second pass of the grid scan (grid-search.ts) goes on past its first pass's guess.
 */
export function widenBound(bound: f32): void {
  worstDistance = bound;
  worstKey = boundKey(bound);
}

/** Inserts a key nearer than the farthest kept into the sorted list, dropping the farthest when it is full. */
@inline export function keep(key: u64): void {
  const last = keptCount < wanted ? keptCount++ : keptCount - 1;
  if (ASC_FEATURE_SIMD) insertSortedPairs(keptKeys, last, key);
  else insertSorted(keptKeys, last, key);
  if (keptCount == wanted) {
    worstKey = load<u64>(keptKeys + (<usize>(wanted - 1) << 3));
    worstDistance = reinterpret<f32>(<u32>(worstKey >> 32));
  }
}
