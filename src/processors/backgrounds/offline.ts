/**
 * The offline generator: paints a scene procedurally, then gives it the camera's and the light's finish —
 * depth of field, vignette, white balance, exposure. Everything derives from the seed, so the same request
 * at the same size renders the same pixels on every run.
 *
 * Scenes are painted at most `MAX_RENDER_SIDE` pixels on their longest side and scaled up from there: the
 * backgrounds are soft by design (out of focus beyond the product), and this bounds the cost of a large
 * canvas to about a second. Shadows and the product itself are then drawn at full resolution.
 */

import { paintLivingRoom } from './living-room.js';
import { paintMarble } from './marble.js';
import { paintOutdoor } from './outdoor.js';
import {
  blurCanvas,
  blurPlane,
  type Canvas,
  createCanvas,
  mix,
  type Rgb,
  resizeCanvas,
  resizePlane,
  shrinkPlane,
  smoothstep,
} from './raster.js';
import { frameOf, productCentre } from './room.js';
import type { SceneSetting } from './scene.js';
import { paintStudio } from './studio.js';
import type { SceneTraits } from './traits.js';
import { paintWood } from './wood.js';

export const offlineStyles = ['studio', 'marble_desk', 'wooden_table', 'living_room', 'outdoor'] as const;
export type OfflineStyle = (typeof offlineStyles)[number];

export const MAX_RENDER_SIDE = 1600;

export interface OfflineScene {
  /** The background in linear light, at the requested size. */
  readonly canvas: Canvas;
  readonly traits: SceneTraits;
}

export interface OfflineOptions {
  /** Studio only: the paper colour (a custom prompt's colour word), linear light. */
  readonly paper?: Rgb;
}

export function paintOffline(
  style: OfflineStyle,
  width: number,
  height: number,
  setting: SceneSetting,
  options: OfflineOptions = {},
): OfflineScene {
  const s = Math.min(1, MAX_RENDER_SIDE / Math.max(width, height));
  const rw = Math.max(1, Math.round(width * s));
  const rh = Math.max(1, Math.round(height * s));
  const p = setting.product;
  const scaled: SceneSetting = {
    ...setting,
    product: { left: p.left * s, top: p.top * s, width: p.width * s, height: p.height * s },
  };
  let canvas = createCanvas(rw, rh);
  const traits = painters[style](canvas, scaled, options);
  if (traits.depthOfField && setting.camera.perspective !== 'top-down') canvas = depthOfField(canvas, scaled);
  finish(canvas, scaled);
  return { canvas: resizeCanvas(canvas, width, height), traits };
}

const painters: Readonly<
  Record<OfflineStyle, (canvas: Canvas, setting: SceneSetting, options: OfflineOptions) => SceneTraits>
> = {
  studio: (canvas, setting, { paper }) => paintStudio(canvas, setting, paper),
  marble_desk: paintMarble,
  wooden_table: paintWood,
  living_room: paintLivingRoom,
  outdoor: paintOutdoor,
};

/**
 * A lens focused on the product: rows of floor at the product's distance stay sharp, the floor blurs as
 * it recedes (and a little in the near foreground), and the wall behind is fully out of focus. One blurred
 * copy, blended per row by distance, stands in for a per-pixel blur.
 */
function depthOfField(canvas: Canvas, setting: SceneSetting): Canvas {
  const { camera } = setting;
  const blurred = softCopy(canvas, 0.01 * canvas.height);
  const depth = camera.base - camera.horizon;
  const { width, height } = canvas;
  for (let y = 0; y < height; y++) {
    const d = (y + 0.5) / height - camera.horizon;
    const scale = d > 0 ? depth / d : Number.POSITIVE_INFINITY;
    const w = Math.max(smoothstep(1.15, 2.6, scale), 0.5 * smoothstep(0.9, 0.65, scale));
    if (w <= 0) continue;
    for (let x = 0, i = y * width; x < width; x++, i++) {
      canvas.r[i] = mix(canvas.r[i]!, blurred.r[i]!, w);
      canvas.g[i] = mix(canvas.g[i]!, blurred.g[i]!, w);
      canvas.b[i] = mix(canvas.b[i]!, blurred.b[i]!, w);
    }
  }
  return canvas;
}

/** A blurred copy of the canvas, worked out at half size when the blur is wide enough not to tell. */
function softCopy(canvas: Canvas, sigma: number): Canvas {
  if (sigma < 4) return blurCanvas(canvas, Math.max(1, sigma));
  const { width, height } = canvas;
  const half = (plane: Float32Array) => {
    const small = shrinkPlane(plane, width, height, 2);
    const blurred = blurPlane(small.plane, small.width, small.height, sigma / 2);
    return resizePlane(blurred, small.width, small.height, width, height, 0.5);
  };
  return { width, height, r: half(canvas.r), g: half(canvas.g), b: half(canvas.b) };
}

/** Vignette around the product, white balance and exposure, in place. */
function finish(canvas: Canvas, setting: SceneSetting): void {
  const { lighting } = setting;
  const frame = frameOf(canvas);
  const centre = productCentre(setting, frame);
  const wr = lighting.exposure * (1 + 0.07 * lighting.warmth);
  const wg = lighting.exposure * (1 + 0.01 * lighting.warmth);
  const wb = lighting.exposure * (1 - 0.11 * lighting.warmth);
  const halfU = Math.max(0.5, frame.aspect / 2);
  // The falloff by squared radius, tabulated: a square root and a power per pixel cost more than the rest.
  const steps = 1024;
  const maxR2 = 4;
  const falloff = new Float32Array(steps + 1);
  for (let j = 0; j <= steps; j++) {
    falloff[j] = 1 - lighting.vignette * smoothstep(0.3, 1.15, Math.sqrt((j / steps) * maxR2)) ** 1.4;
  }
  for (let y = 0, i = 0; y < frame.height; y++) {
    const dv = (frame.v(y) - centre.v) / 0.5;
    for (let x = 0; x < frame.width; x++, i++) {
      const du = (frame.u(x) - centre.u) / halfU;
      const r2 = (du * du + dv * dv) / 2;
      const k = falloff[Math.round((Math.min(r2, maxR2) / maxR2) * steps)]!;
      canvas.r[i]! *= k * wr;
      canvas.g[i]! *= k * wg;
      canvas.b[i]! *= k * wb;
    }
  }
}
