// The trimap being edited: one label per pixel, painted with round brushes and shown as a translucent
// overlay on the photo. Labels use the library's 8-bit convention: 0 background, 255 foreground, else unknown.
export const BACKGROUND = 0;
export const UNKNOWN = 128;
export const FOREGROUND = 255;

// Overlay colour and opacity (0..255) per label: the subject stays visible under its tint,
// the background is mostly hidden so what will be cut away is obvious.
const overlayColour = new Map([
  [BACKGROUND, [27, 35, 51, 230]],
  [UNKNOWN, [242, 165, 22, 200]],
  [FOREGROUND, [47, 179, 109, 80]],
]);

export class TrimapEditor {
  /** @param {HTMLCanvasElement} overlay @param {HTMLElement} cursor the brush outline that follows the pointer */
  constructor(overlay, cursor) {
    this.overlay = overlay;
    this.context = overlay.getContext("2d");
    this.cursor = cursor;
    this.brushLabel = FOREGROUND;
    this.brushDiameter = 24;
    this.width = 0;
    this.height = 0;
    this.labels = new Uint8Array(0);
    this.pixels = undefined;
    this.lastPoint = undefined;
    /** Called after every change of the labels (a stroke, a loaded trimap, a reset). */
    this.onChange = () => {};
    overlay.addEventListener("pointerdown", (event) => this.#pointerDown(event));
    overlay.addEventListener("pointermove", (event) => this.#pointerMove(event));
    overlay.addEventListener("pointerup", () => (this.lastPoint = undefined));
    overlay.addEventListener("pointercancel", () => (this.lastPoint = undefined));
    overlay.addEventListener("pointerleave", () => (cursor.hidden = true));
  }

  /** Starts a new trimap for a photo of this size, every pixel set to `label`. */
  reset(width, height, label = BACKGROUND) {
    this.width = width;
    this.height = height;
    this.overlay.width = width;
    this.overlay.height = height;
    this.labels = new Uint8Array(width * height).fill(label);
    this.pixels = this.context.createImageData(width, height);
    this.#recolour(0, 0, width, height);
    this.onChange();
  }

  /**
   * Takes the trimap from an image of the photo's size, or of the size it had before the page scaled it down
   * (then scaled the same way, nearest-neighbour); the red channel is read.
   */
  loadImage(source) {
    const canvas = new OffscreenCanvas(this.width, this.height);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.imageSmoothingEnabled = false;
    context.drawImage(source, 0, 0, this.width, this.height);
    const rgba = context.getImageData(0, 0, this.width, this.height).data;
    for (let i = 0; i < this.labels.length; i++) {
      const value = rgba[i * 4];
      this.labels[i] = value === BACKGROUND || value === FOREGROUND ? value : UNKNOWN;
    }
    this.#recolour(0, 0, this.width, this.height);
    this.onChange();
  }

  /** How many pixels carry each label. */
  counts() {
    const counts = { foreground: 0, background: 0, unknown: 0 };
    for (const label of this.labels) {
      if (label === FOREGROUND) counts.foreground++;
      else if (label === BACKGROUND) counts.background++;
      else counts.unknown++;
    }
    return counts;
  }

  #imagePoint(event) {
    const box = this.overlay.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) * this.width) / box.width,
      y: ((event.clientY - box.top) * this.height) / box.height,
    };
  }

  #pointerDown(event) {
    if (this.width === 0 || event.button !== 0) return;
    this.overlay.setPointerCapture(event.pointerId);
    this.lastPoint = this.#imagePoint(event);
    this.#stamp(this.lastPoint);
  }

  #pointerMove(event) {
    this.#moveCursor(event);
    if (this.lastPoint === undefined) return;
    const point = this.#imagePoint(event);
    // Stamps at most half a radius apart, so fast strokes stay continuous.
    const step = Math.max(1, this.brushDiameter / 4);
    const distance = Math.hypot(point.x - this.lastPoint.x, point.y - this.lastPoint.y);
    const stamps = Math.ceil(distance / step);
    for (let s = 1; s <= stamps; s++) {
      const t = s / stamps;
      this.#stamp({ x: this.lastPoint.x + (point.x - this.lastPoint.x) * t, y: this.lastPoint.y + (point.y - this.lastPoint.y) * t });
    }
    this.lastPoint = point;
  }

  #moveCursor(event) {
    if (this.width === 0) return;
    const box = this.overlay.getBoundingClientRect();
    const parent = this.overlay.parentElement.getBoundingClientRect();
    const size = (this.brushDiameter * box.width) / this.width;
    Object.assign(this.cursor.style, {
      left: `${event.clientX - parent.left}px`,
      top: `${event.clientY - parent.top}px`,
      width: `${size}px`,
      height: `${size}px`,
    });
    this.cursor.hidden = false;
  }

  #stamp({ x, y }) {
    const radius = this.brushDiameter / 2;
    const left = Math.max(0, Math.floor(x - radius));
    const right = Math.min(this.width - 1, Math.ceil(x + radius));
    const top = Math.max(0, Math.floor(y - radius));
    const bottom = Math.min(this.height - 1, Math.ceil(y + radius));
    if (left > right || top > bottom) return;
    for (let row = top; row <= bottom; row++) {
      for (let column = left; column <= right; column++) {
        // Pixel centres inside the circle.
        if ((column + 0.5 - x) ** 2 + (row + 0.5 - y) ** 2 <= radius * radius) this.labels[row * this.width + column] = this.brushLabel;
      }
    }
    this.#recolour(left, top, right - left + 1, bottom - top + 1);
    this.onChange();
  }

  #recolour(left, top, width, height) {
    const rgba = this.pixels.data;
    for (let row = top; row < top + height; row++) {
      for (let column = left; column < left + width; column++) {
        const i = row * this.width + column;
        rgba.set(overlayColour.get(this.labels[i]), i * 4);
      }
    }
    this.context.putImageData(this.pixels, 0, 0, left, top, width, height);
  }
}
