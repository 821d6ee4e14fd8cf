// 8-bit RGBA cutouts and composites from foreground colours (f64 RGB in [0, 1], as convert.ts makes them)
// and alpha (f32 per pixel). Arithmetic is in f64 and rounds half up: byte = floor(255 v + 1/2).

@inline function toByte(v: f64): u8 {
  return <u8>floor(min(max(v, 0.0), 1.0) * 255.0 + 0.5);
}

/**
 * RGBA with straight alpha (RGB = F) or, when `premultiplied` is non-zero, premultiplied alpha (RGB = a F).
 * A = round(255 a).
 */
export function cutoutRgba(foreground: usize, alpha: usize, pixels: i32, premultiplied: i32, dst: usize): void {
  for (let i = 0; i < pixels; i++) {
    const a = <f64>load<f32>(alpha + (<usize>i << 2));
    const scale = premultiplied != 0 ? a : 1.0;
    const p = foreground + <usize>i * 24;
    const q = dst + (<usize>i << 2);
    store<u8>(q, toByte(scale * load<f64>(p)));
    store<u8>(q, toByte(scale * load<f64>(p, 8)), 1);
    store<u8>(q, toByte(scale * load<f64>(p, 16)), 2);
    store<u8>(q, toByte(a), 3);
  }
}

/**
 * Opaque RGBA of a F + (1 - a) G, where G is the background: f64 RGB advancing by `backgroundStep` bytes per
 * pixel (24 for an image, 0 for one colour).
 */
export function compositeRgba(foreground: usize, alpha: usize, background: usize, backgroundStep: i32, pixels: i32, dst: usize): void {
  let g = background;
  for (let i = 0; i < pixels; i++) {
    const a = <f64>load<f32>(alpha + (<usize>i << 2));
    const b = 1.0 - a;
    const p = foreground + <usize>i * 24;
    const q = dst + (<usize>i << 2);
    store<u8>(q, toByte(a * load<f64>(p) + b * load<f64>(g)));
    store<u8>(q, toByte(a * load<f64>(p, 8) + b * load<f64>(g, 8)), 1);
    store<u8>(q, toByte(a * load<f64>(p, 16) + b * load<f64>(g, 16)), 2);
    store<u8>(q, 255, 3);
    g += <usize>backgroundStep;
  }
}
