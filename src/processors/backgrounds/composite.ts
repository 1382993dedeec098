/**
 * The last step of every scene: reflection and shadows into the background (linear light), encode to
 * 8-bit sRGB, then the product over it with the standard "over" in sRGB values — the blend replace_background
 * and finalize use — so wherever the product is fully opaque its pixels come out exactly as they went in.
 */
import type { RawImage } from '../types.js';
import type { Box } from './placement.js';
import { type Canvas, toRgba8 } from './raster.js';
import { applyReflection } from './reflection.js';
import type { Camera, Lighting } from './scene.js';
import { applyShadow, shadowMask } from './shadow.js';

export interface Composition {
  readonly background: Canvas;
  /** The product on a transparent canvas-sized layer, 8-bit sRGB RGBA. */
  readonly layer: RawImage;
  readonly box: Box;
  readonly camera: Camera;
  readonly lighting: Lighting;
  /** Shadows at all (the `shadow` param). */
  readonly shadow: boolean;
  /** The key light's cast shadow too (only where we painted the light ourselves). */
  readonly castShadow: boolean;
  /** Strength of the floor's reflection, 0 for none. */
  readonly reflectivity: number;
  readonly ditherSeed: number;
}

export function compose(c: Composition): RawImage {
  const { background, layer, box } = c;
  const { width, height } = background;
  if (c.reflectivity > 0 && c.camera.perspective !== 'top-down') {
    applyReflection(background, { layer: layer.data, box, strength: c.reflectivity });
  }
  if (c.shadow) {
    const alpha = new Float32Array(width * height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = layer.data[i * 4 + 3]! / 255;
    const darkness = shadowMask({
      alpha,
      width,
      height,
      box,
      camera: c.camera,
      lighting: c.lighting,
      cast: c.castShadow,
    });
    applyShadow([background.r, background.g, background.b], width, darkness);
  }
  const out = toRgba8(background, c.ditherSeed);
  const p = layer.data;
  for (let i = 0; i < out.length; i += 4) {
    const a = p[i + 3]!;
    if (a === 0) continue;
    if (a === 255) {
      out[i] = p[i]!;
      out[i + 1] = p[i + 1]!;
      out[i + 2] = p[i + 2]!;
      continue;
    }
    const rest = 255 - a;
    out[i] = div255(p[i]! * a + out[i]! * rest);
    out[i + 1] = div255(p[i + 1]! * a + out[i + 1]! * rest);
    out[i + 2] = div255(p[i + 2]! * a + out[i + 2]! * rest);
  }
  return { data: out, width, height, channels: 4 };
}

/** round(v / 255) for 0 ≤ v ≤ 255². */
function div255(v: number): number {
  const t = v + 128;
  return ((t >> 8) + t) >> 8;
}
