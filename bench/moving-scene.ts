// A generated video with known alpha, for warm starts (bench/video.ts, tests/sequence.test.ts): a static
// semi-transparent veil with a soft edge (its alpha textured, like smoke or a net curtain) over a textured
// background, and a furry ball (a wavy, soft-edged outline) that moves slowly across the veil and deforms.
// The veil is nowhere opaque (alpha 0.3..0.9), so the ball's core is the only known foreground. Camera and
// background are still. Every frame is composited I = alpha F + (1 - alpha) B; the trimap marks the soft
// pixels unknown, widened by `dilation` pixels (Chebyshev), as a trimap from the ground truth by erosion and
// dilation would.

export interface MovingFrame {
  width: number;
  height: number;
  /** RGB floats in [0, 1]. */
  image: Float32Array;
  /** One byte per pixel: 0 background, 128 unknown, 255 foreground. */
  trimap: Uint8Array;
  alpha: Float32Array;
}

export interface MovingSceneOptions {
  width: number;
  height: number;
  frames: number;
  /** Pixels by which the soft region is widened into the trimap's unknown region. Default 4. */
  dilation?: number;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Background colour at (x, y): sines at several scales and a hashed grain, per channel. */
function backgroundAt(x: number, y: number, channel: number): number {
  const grain = (Math.imul(x * 73856093 ^ y * 19349663 ^ channel * 83492791, 0x27d4eb2d) >>> 0) / 4294967296;
  return clamp01(0.45 + 0.2 * Math.sin(x / (6 + channel) + y / 17) + 0.15 * Math.sin(y / (5 + 2 * channel) - x / 23) + 0.1 * (grain - 0.5));
}

/** Foreground colours: the veil's a warm gradient with stripes, the ball's a cool pattern that moves with it. */
function veilColour(x: number, y: number, channel: number): number {
  return clamp01([0.85, 0.55, 0.35][channel] + 0.1 * Math.sin((x + 2 * y) / 9 + channel));
}

function ballColour(u: number, v: number, channel: number): number {
  return clamp01([0.2, 0.45, 0.8][channel] + 0.15 * Math.sin(u / 5) * Math.cos(v / 7 + channel));
}

/** Soft step from 1 inside to 0 outside over `width` pixels around signed distance 0 (negative inside). */
function softEdge(signedDistance: number, width: number): number {
  const t = clamp01(0.5 - signedDistance / width);
  return t * t * (3 - 2 * t);
}

/** Chebyshev dilation of a 0/1 mask by `radius`, separably (rows, then columns). */
function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const rows = new Uint8Array(mask.length), out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let hit = 0;
      for (let d = Math.max(0, x - radius); d <= Math.min(width - 1, x + radius) && !hit; d++) hit = mask[y * width + d];
      rows[y * width + x] = hit;
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      let hit = 0;
      for (let d = Math.max(0, y - radius); d <= Math.min(height - 1, y + radius) && !hit; d++) hit = rows[d * width + x];
      out[y * width + x] = hit;
    }
  }
  return out;
}

/**
 * The ball's centre in frame `t`: 0.18 H across, it moves over a fifth of the width and bobs (the scene's only
 * motion, which bench/video.ts --motion-oracle reads as the true motion).
 */
export function ballCentre(t: number, options: MovingSceneOptions): [number, number] {
  const { width: W, height: H, frames } = options;
  const progress = frames > 1 ? t / (frames - 1) : 0;
  return [(0.35 + 0.2 * progress) * W, (0.5 + 0.08 * Math.sin(2 * Math.PI * progress)) * H];
}

/** Frame `t` of `frames` of the scene. */
export function movingFrame(t: number, options: MovingSceneOptions): MovingFrame {
  const { width: W, height: H, frames } = options;
  const dilation = options.dilation ?? 4;
  const n = W * H;
  const image = new Float32Array(n * 3), alpha = new Float32Array(n), soft = new Uint8Array(n), trimap = new Uint8Array(n);
  const progress = frames > 1 ? t / (frames - 1) : 0;
  // The veil: an ellipse, static.
  const vx = 0.45 * W, vy = 0.5 * H, va = 0.33 * W, vb = 0.3 * H, veilEdge = 0.04 * W;
  // The ball: its outline's waves turning slowly.
  const [bx, by] = ballCentre(t, options);
  const radius = 0.18 * H, ballEdge = 0.04 * H;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const ex = (x - vx) / va, ey = (y - vy) / vb;
      const veilDistance = (Math.sqrt(ex * ex + ey * ey) - 1) * Math.min(va, vb);
      const veil = softEdge(veilDistance, veilEdge) * (0.6 + 0.3 * Math.sin(x / 9) * Math.sin(y / 13));
      const dx = x - bx, dy = y - by;
      const angle = Math.atan2(dy, dx);
      const outline = radius * (1 + 0.08 * Math.sin(9 * angle + 3 * progress) + 0.04 * Math.sin(23 * angle - 5 * progress));
      const ball = softEdge(Math.hypot(dx, dy) - outline, ballEdge);
      const a = 1 - (1 - veil) * (1 - ball);
      alpha[i] = a;
      for (let c = 0; c < 3; c++) {
        // Colour behind alpha: the ball over the veil, premultiplied, then divided by the joint alpha.
        const premultiplied = ball * ballColour(dx, dy, c) + (1 - ball) * veil * veilColour(x, y, c);
        const foreground = a > 0 ? premultiplied / a : 0;
        image[i * 3 + c] = a * foreground + (1 - a) * backgroundAt(x, y, c);
      }
      soft[i] = a > 0.002 && a < 0.998 ? 1 : 0;
    }
  }
  const unknown = dilate(soft, W, H, dilation);
  for (let i = 0; i < n; i++) trimap[i] = unknown[i] ? 128 : alpha[i] >= 0.5 ? 255 : 0;
  return { width: W, height: H, image, trimap, alpha };
}
