// Exact k nearest neighbours (squared Euclidean distance) by a k-d tree (Friedman, Bentley, Finkel, "An Algorithm
// for Finding Best Matches in Logarithmic Expected Time", ACM TOMS 1977): split at the median of the widest
// dimension, leaves of up to LEAF points, each node's bounding box kept so that a subtree is skipped as soon as
// the box lies no nearer than the k-th best so far. Points are rows of `dims` f64 (row p at features + p dims 8);
// the tree holds a subset of them (candidate rows) and answers queries by row index. Equidistant candidates may
// come in either order; the distances are exact.

const LEAF: i32 = 16;
// Node: start, end (i32, into the permutation), split dimension (LEAF_NODE, or COINCIDENT for a leaf whose points
// all coincide), left, right, then the box (lo, hi per dimension, f64).
const LEAF_NODE: i32 = -1;
const COINCIDENT: i32 = -2;
const NODE_HEAD: i32 = 24;

let treeFeatures: usize = 0;
let treeDims: i32 = 0;
let treeOrder: usize = 0;
let treeNodes: usize = 0;
let nodeCount: i32 = 0;

/** Bytes of tree storage for `count` candidates in `dims` dimensions (permutation and nodes). */
export function nearestTreeBytes(count: i32, dims: i32): i32 {
  // A node of more than LEAF points splits in halves, so every leaf but a lone root holds at least LEAF / 2.
  const nodes = 2 * ((count + LEAF / 2 - 1) / (LEAF / 2)) + 1;
  return count * 4 + nodes * (NODE_HEAD + dims * 16);
}

@inline
function nodeAt(node: i32): usize {
  return treeNodes + <usize>node * <usize>(NODE_HEAD + treeDims * 16);
}

@inline
function coordinate(row: i32, d: i32): f64 {
  return load<f64>(treeFeatures + ((<usize>row * <usize>treeDims + <usize>d) << 3));
}

@inline
function orderAt(i: i32): i32 {
  return load<i32>(treeOrder + (<usize>i << 2));
}

@inline
function swap(i: i32, j: i32): void {
  const a = treeOrder + (<usize>i << 2), b = treeOrder + (<usize>j << 2);
  const t = load<i32>(a);
  store<i32>(a, load<i32>(b));
  store<i32>(b, t);
}

/** Reorders [start, end) so that position `nth` holds the value it would hold if sorted along d (Hoare's select). */
function select(start: i32, end: i32, nth: i32, d: i32): void {
  let lo = start, hi = end - 1;
  while (lo < hi) {
    const pivot = coordinate(orderAt((lo + hi) >> 1), d);
    let i = lo, j = hi;
    while (i <= j) {
      while (coordinate(orderAt(i), d) < pivot) i++;
      while (coordinate(orderAt(j), d) > pivot) j--;
      if (i <= j) {
        swap(i, j);
        i++;
        j--;
      }
    }
    if (nth <= j) hi = j;
    else if (nth >= i) lo = i;
    else return;
  }
}

function build(start: i32, end: i32): i32 {
  const node = nodeCount++;
  const at = nodeAt(node);
  const box = at + <usize>NODE_HEAD;
  let widest = 0;
  let widestSpan = -1.0;
  for (let d = 0; d < treeDims; d++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = start; i < end; i++) {
      const v = coordinate(orderAt(i), d);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    store<f64>(box + (<usize>(2 * d) << 3), lo);
    store<f64>(box + (<usize>(2 * d + 1) << 3), hi);
    if (hi - lo > widestSpan) {
      widestSpan = hi - lo;
      widest = d;
    }
  }
  store<i32>(at, start);
  store<i32>(at, end, 4);
  if (end - start <= LEAF || widestSpan <= 0) {
    store<i32>(at, widestSpan <= 0 ? COINCIDENT : LEAF_NODE, 8);
    return node;
  }
  const middle = (start + end) >> 1;
  select(start, end, middle, widest);
  store<i32>(at, widest, 8);
  const left = build(start, middle);
  store<i32>(at, left, 12);
  store<i32>(at, build(middle, end), 16);
  return node;
}

/**
 * Builds the tree over `count` candidate rows (i32 at `candidates`, or rows 0..count-1 when it is 0) of `features` (dims f64 per row) in `tree`
 * (nearestTreeBytes). A leaf may exceed LEAF points only when they all coincide.
 */
export function nearestBuild(features: usize, dims: i32, candidates: usize, count: i32, tree: usize): void {
  treeFeatures = features;
  treeDims = dims;
  treeOrder = tree;
  treeNodes = tree + (<usize>count << 2);
  nodeCount = 0;
  if (candidates == 0) {
    for (let i = 0; i < count; i++) store<i32>(treeOrder + (<usize>i << 2), i);
  } else {
    memory.copy(treeOrder, candidates, <usize>count << 2);
  }
  if (count > 0) build(0, count);
}

let queryRow: i32 = 0;
let queryK: i32 = 0;
let found: i32 = 0;
let bestRows: usize = 0;
let bestDistances: usize = 0;

function offer(row: i32): void {
  if (row == queryRow) return;
  let distance = 0.0;
  for (let d = 0; d < treeDims; d++) {
    const t = coordinate(row, d) - coordinate(queryRow, d);
    distance += t * t;
  }
  if (found == queryK && distance >= load<f64>(bestDistances + (<usize>(queryK - 1) << 3))) return;
  let slot = found < queryK ? found++ : queryK - 1;
  while (slot > 0 && load<f64>(bestDistances + (<usize>(slot - 1) << 3)) > distance) {
    store<f64>(bestDistances + (<usize>slot << 3), load<f64>(bestDistances + (<usize>(slot - 1) << 3)));
    store<i32>(bestRows + (<usize>slot << 2), load<i32>(bestRows + (<usize>(slot - 1) << 2)));
    slot--;
  }
  store<f64>(bestDistances + (<usize>slot << 3), distance);
  store<i32>(bestRows + (<usize>slot << 2), row);
}

function boxDistance(node: i32): f64 {
  const box = nodeAt(node) + <usize>NODE_HEAD;
  let sum = 0.0;
  for (let d = 0; d < treeDims; d++) {
    const v = coordinate(queryRow, d);
    const lo = load<f64>(box + (<usize>(2 * d) << 3)), hi = load<f64>(box + (<usize>(2 * d + 1) << 3));
    const t = v < lo ? lo - v : v > hi ? v - hi : 0.0;
    sum += t * t;
  }
  return sum;
}

function search(node: i32): void {
  if (found == queryK && boxDistance(node) >= load<f64>(bestDistances + (<usize>(queryK - 1) << 3))) return;
  const at = nodeAt(node);
  const dim = load<i32>(at, 8);
  if (dim < 0) {
    // Past the first k + 1 of a coincident leaf (one may be the query), the rest are no nearer than those.
    const start = load<i32>(at), end = load<i32>(at, 4);
    const stop = dim == COINCIDENT ? min(end, start + queryK + 1) : end;
    for (let i = start; i < stop; i++) offer(orderAt(i));
    return;
  }
  const left = load<i32>(at, 12), right = load<i32>(at, 16);
  // The child whose box is nearer first.
  if (boxDistance(left) <= boxDistance(right)) {
    search(left);
    search(right);
  } else {
    search(right);
    search(left);
  }
}

/** Bytes of scratch nearestQuery needs for k neighbours. */
export function nearestScratchBytes(k: i32): i32 {
  return k * 12;
}

/**
 * For each of `count` query rows (i32 at `queries`), its k nearest candidates of the tree built last, nearest
 * first, the query row itself left out: k i32 rows at neighbours + row * k * 4 (-1 where there are fewer).
 */
export function nearestQuery(queries: usize, count: i32, k: i32, scratch: usize, neighbours: usize): void {
  queryK = k;
  bestDistances = scratch;
  bestRows = scratch + (<usize>k << 3);
  for (let q = 0; q < count; q++) {
    queryRow = load<i32>(queries + (<usize>q << 2));
    found = 0;
    if (nodeCount > 0) search(0);
    const out = neighbours + (<usize>(q * k) << 2);
    for (let j = 0; j < k; j++) store<i32>(out + (<usize>j << 2), j < found ? load<i32>(bestRows + (<usize>j << 2)) : -1);
  }
}
