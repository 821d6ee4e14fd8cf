// Exact squared Euclidean distance transform of a binary image, separable in two passes of the 1D lower
// envelope of parabolas: Felzenszwalb and Huttenlocher, "Distance Transforms of Sampled Functions"
// (Theory of Computing 8, 2012), algorithm DT(f). O(width * height) whatever the distances.

/** Scratch bytes `squaredDistances` needs for a width x height image. */
export function distanceScratchBytes(width: i32, height: i32): i32 {
  const length = max(width, height);
  return length * 8 * 3 + 8 + length * 4 + 64;
}

/**
 * 1D transform of the `count` samples f (f64, `stride` bytes apart; +Infinity where there is no feature) into
 * d(q) = min_p ((q - p)^2 + f(p)), written back in place. Samples equal to +Infinity take no part in the
 * envelope, so no arithmetic ever meets an infinity; all-infinite lines stay infinite.
 */
function transformLine(line: usize, stride: usize, count: i32, f: usize, v: usize, z: usize): void {
  for (let q = 0; q < count; q++) store<f64>(f + (<usize>q << 3), load<f64>(line + <usize>q * stride));
  // Parabola k has its vertex at v[k] and is lowest on [z[k], z[k + 1]).
  let k = -1;
  for (let q = 0; q < count; q++) {
    const fq = load<f64>(f + (<usize>q << 3));
    if (fq == Infinity) continue;
    const qq = <f64>q;
    let s = -Infinity;
    while (k >= 0) {
      const p = load<i32>(v + (<usize>k << 2));
      const pp = <f64>p;
      // Where the parabolas from p and q meet.
      s = ((fq + qq * qq) - (load<f64>(f + (<usize>p << 3)) + pp * pp)) / (2 * (qq - pp));
      if (s > load<f64>(z + (<usize>k << 3))) break;
      k--;
    }
    if (k < 0) s = -Infinity;
    k++;
    store<i32>(v + (<usize>k << 2), q);
    store<f64>(z + (<usize>k << 3), s);
    store<f64>(z + (<usize>(k + 1) << 3), Infinity);
  }
  if (k < 0) return;
  k = 0;
  for (let q = 0; q < count; q++) {
    const qq = <f64>q;
    while (load<f64>(z + (<usize>(k + 1) << 3)) < qq) k++;
    const p = load<i32>(v + (<usize>k << 2));
    const dq = qq - <f64>p;
    store<f64>(line + <usize>q * stride, dq * dq + load<f64>(f + (<usize>p << 3)));
  }
}

/**
 * Squared distance (f64) from every pixel to the nearest pixel whose byte in `mask` equals `target`
 * (0 on such pixels, +Infinity when there is none). `scratch` holds distanceScratchBytes(width, height).
 */
export function squaredDistances(mask: usize, target: u8, width: i32, height: i32, distances: usize, scratch: usize): void {
  const length = max(width, height);
  const f = scratch;
  const z = f + (<usize>length << 3);
  const v = z + (<usize>(length + 1) << 3);
  const pixels = width * height;
  for (let i = 0; i < pixels; i++) {
    store<f64>(distances + (<usize>i << 3), load<u8>(mask + <usize>i) == target ? 0.0 : Infinity);
  }
  const rowBytes = <usize>width << 3;
  for (let x = 0; x < width; x++) transformLine(distances + (<usize>x << 3), rowBytes, height, f, v, z);
  for (let y = 0; y < height; y++) transformLine(distances + <usize>y * rowBytes, 8, width, f, v, z);
}
