/**
 * Synthetic test images made in code, so tests need no binary fixtures and every pixel is known.
 * They are smooth (gradients and soft shapes), like product photos, so lossy encoders treat them kindly.
 */
import type { RawImage } from '../../src/processors/types.js';

export type Rgba = readonly [number, number, number, number];

/** An image whose every pixel is `paint(x, y)`. */
export function paint(width: number, height: number, paint: (x: number, y: number) => Rgba): RawImage {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 4);
  }
  return { data, width, height, channels: 4 };
}

/** An opaque, smooth two-way gradient with a darker disc: content that shows both shifts and blurs. */
export function gradient(width: number, height: number): RawImage {
  const cx = width / 2;
  const cy = height / 2;
  const radius = Math.min(width, height) / 4;
  return paint(width, height, (x, y) => {
    const inDisc = Math.hypot(x - cx, y - cy) < radius;
    const r = Math.round((x / Math.max(1, width - 1)) * 255);
    const g = Math.round((y / Math.max(1, height - 1)) * 255);
    return inDisc ? [r >> 1, g >> 1, 96, 255] : [r, g, 160, 255];
  });
}

/** A single colour. */
export function solid(width: number, height: number, colour: Rgba): RawImage {
  return paint(width, height, () => colour);
}

/**
 * A cut-out product as remove_background leaves it: a subject disc of `subject` colour, fully opaque inside,
 * a soft edge `edge` pixels wide with alpha falling linearly, and a fully transparent background whose hidden
 * colour is `hidden` (to catch code that lets it bleed through).
 */
export function cutOut(
  size: number,
  { subject = [200, 40, 40, 255] as Rgba, hidden = [0, 0, 0, 0] as Rgba, edge = 8 } = {},
): RawImage {
  const c = size / 2;
  const radius = size / 3;
  return paint(size, size, (x, y) => {
    const d = Math.hypot(x + 0.5 - c, y + 0.5 - c);
    if (d <= radius) return subject;
    if (d >= radius + edge) return hidden;
    const alpha = Math.round(255 * (1 - (d - radius) / edge));
    return [subject[0], subject[1], subject[2], alpha];
  });
}
