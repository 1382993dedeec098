/**
 * A glossy floor's reflection: the product mirrored about its base line, fading with distance and slightly
 * blurred (polished stone is not a mirror). Drawn before the shadows, so the contact shadow still anchors
 * the product. Only for standing products (front and angle): a flat lay has nothing to mirror.
 */

import type { Box } from './placement.js';
import { blurPlane, type Canvas, srgbToLinear } from './raster.js';

export interface ReflectionInput {
  /** The placed product layer: 8-bit sRGB RGBA, canvas-sized. */
  readonly layer: Buffer;
  readonly box: Box;
  /** Strength at the base line, 0–1. */
  readonly strength: number;
}

export function applyReflection(canvas: Canvas, { layer, box, strength }: ReflectionInput): void {
  if (strength <= 0) return;
  const { width, height } = canvas;
  const base = box.top + box.height;
  const depth = Math.min(height - base, Math.round(0.45 * box.height));
  if (depth <= 0) return;
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = srgbToLinear(i / 255);
  // Premultiplied planes of the mirrored band, so the blur does not drag in black from transparent pixels.
  const n = width * depth;
  const r = new Float32Array(n);
  const g = new Float32Array(n);
  const b = new Float32Array(n);
  const a = new Float32Array(n);
  const falloff = 0.18 * box.height;
  for (let j = 0; j < depth; j++) {
    const src = base - 1 - j;
    if (src < 0) break;
    const k = strength * Math.exp(-j / falloff);
    for (let x = box.left; x < box.left + box.width; x++) {
      if (x < 0 || x >= width) continue;
      const p = (src * width + x) * 4;
      const alpha = (layer[p + 3]! / 255) * k;
      if (alpha === 0) continue;
      const q = j * width + x;
      r[q] = lut[layer[p]!]! * alpha;
      g[q] = lut[layer[p + 1]!]! * alpha;
      b[q] = lut[layer[p + 2]!]! * alpha;
      a[q] = alpha;
    }
  }
  const sigma = Math.max(1, 0.006 * box.height);
  const [rb, gb, bb, ab] = [r, g, b, a].map((plane) => blurPlane(plane, width, depth, sigma)) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  for (let q = 0; q < n; q++) {
    const alpha = ab[q]!;
    if (alpha <= 0) continue;
    const p = base * width + q;
    canvas.r[p] = canvas.r[p]! * (1 - alpha) + rb[q]!;
    canvas.g[p] = canvas.g[p]! * (1 - alpha) + gb[q]!;
    canvas.b[p] = canvas.b[p]! * (1 - alpha) + bb[q]!;
  }
}
