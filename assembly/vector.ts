// Dense f64 vector operations for the solver; v128 paths beside their scalar twins
// (the scalar build compiles with SIMD disabled and takes the plain loops).

export function dot(a: usize, b: usize, count: i32): f64 {
  let sum = 0.0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 3;
      acc0 = f64x2.add(acc0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
      acc1 = f64x2.add(acc1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
    }
    const acc = f64x2.add(acc0, acc1);
    sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    sum += load<f64>(a + o) * load<f64>(b + o);
  }
  return sum;
}

/** y += s * x */
export function axpy(s: f64, x: usize, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f64x2.splat(s);
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 3;
      v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(sv, v128.load(x + o))));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(y + o) + s * load<f64>(x + o));
  }
}

/** y = x + s * y */
export function xpay(x: usize, s: f64, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = f64x2.splat(s);
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 3;
      v128.store(y + o, f64x2.add(v128.load(x + o), f64x2.mul(sv, v128.load(y + o))));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, load<f64>(x + o) + s * load<f64>(y + o));
  }
}

/** z = d .* r (element-wise) */
export function multiply(d: usize, r: usize, z: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 3;
      v128.store(z + o, f64x2.mul(v128.load(d + o), v128.load(r + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(z + o, load<f64>(d + o) * load<f64>(r + o));
  }
}

