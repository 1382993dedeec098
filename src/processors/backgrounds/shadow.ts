/**
 * Shadows made from the product's own alpha, so they have its shape: three layers a photographer would
 * recognise, combined as independent occluders (1 − Π(1 − opacity·mask)) and multiplied into the floor:
 *
 * - **contact**: a thin dark line where the product's lowest rows touch the floor (its footprint), barely
 *   blurred: what makes an object sit rather than float;
 * - **ambient**: the silhouette squashed flat onto the floor behind the base and blurred wide: the soft
 *   darkening a large diffuse light leaves around anything standing on a surface;
 * - **cast**: the silhouette projected away from the key light — backwards and to the side, foreshortened
 *   like the floor — sharp near the base and softer further out, as a real shadow is.
 *
 * Looking straight down (top-down) the product lies on the surface: the contact shadow is a tight halo of
 * its outline and the cast shadow a blurred copy offset away from the light.
 */

import type { Box } from './placement.js';
import { blurPlane, clamp01, resizePlane, shrinkPlane, smoothstep } from './raster.js';
import type { Camera, Lighting } from './scene.js';

export interface ShadowInput {
  /** The placed product's alpha, 0–1, one value per canvas pixel. */
  readonly alpha: Float32Array;
  readonly width: number;
  readonly height: number;
  /** The product's box on the canvas. */
  readonly box: Box;
  readonly camera: Camera;
  readonly lighting: Lighting;
  /** Draw the cast shadow (offline scenes know their light; a generated photo's light is unknown). */
  readonly cast: boolean;
}

/** A shadow's darkness, 0 (none) to 1 (black), over the region of the canvas it can reach. */
export interface ShadowMask {
  readonly region: Box;
  readonly darkness: Float32Array;
}

/**
 * The product's shadow. It is computed only over the region it can reach (the product's box grown by the
 * widest blur and the cast shadow's throw), which on a large canvas is a small part of it.
 */
export function shadowMask(input: ShadowInput): ShadowMask {
  const { box, lighting, width, height, camera } = input;
  const size = Math.max(box.width, box.height);
  const margin = Math.ceil(3.5 * 1.6 * lighting.softness * size + 0.1 * size);
  const throwX = Math.ceil(Math.abs(lighting.keyX) * lighting.castLength * size);
  const left = Math.max(0, box.left - margin - throwX);
  const top = Math.max(0, box.top - margin);
  const right = Math.min(width, box.left + box.width + margin + throwX);
  const bottom = Math.min(height, box.top + box.height + margin + Math.ceil(camera.floorSquash * size));
  const region = { left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
  const alpha = new Float32Array(region.width * region.height);
  for (let y = 0; y < region.height; y++) {
    const from = (top + y) * width + left;
    alpha.set(input.alpha.subarray(from, from + region.width), y * region.width);
  }
  // Shadows are soft: they are worked out at most SHADOW_SIDE pixels across and scaled back up.
  const f = Math.max(1, Math.floor(Math.max(region.width, region.height) / SHADOW_SIDE));
  const small = shrinkPlane(alpha, region.width, region.height, f);
  const local: LocalInput = {
    alpha: small.plane,
    width: small.width,
    height: small.height,
    box: {
      left: (box.left - left) / f,
      top: (box.top - top) / f,
      width: box.width / f,
      height: box.height / f,
    },
    horizonY: (camera.horizon * height - top) / f,
    fullHeight: height / f,
    camera,
    lighting,
    cast: input.cast,
  };
  const darkness = camera.perspective === 'top-down' ? flatLayShadow(local) : standingShadow(local);
  return {
    region,
    darkness:
      f === 1
        ? darkness
        : resizePlane(darkness, small.width, small.height, region.width, region.height, 1 / f),
  };
}

/** The longest side shadows are computed at; finer detail than this would be blurred away anyway. */
const SHADOW_SIDE = 720;

/** Multiplies the darkness into the linear-light planes of a `width`-wide canvas. */
export function applyShadow(planes: readonly Float32Array[], width: number, mask: ShadowMask): void {
  const { region, darkness } = mask;
  for (let y = 0; y < region.height; y++) {
    const row = (region.top + y) * width + region.left;
    for (let x = 0; x < region.width; x++) {
      const k = 1 - darkness[y * region.width + x]!;
      for (const plane of planes) plane[row + x]! *= k;
    }
  }
}

/** The shadow's inputs cropped to its region: coordinates are the region's. */
interface LocalInput {
  readonly alpha: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly box: Box;
  /** The horizon's row in the region. */
  readonly horizonY: number;
  /** The canvas height, which the horizon's fade is measured in. */
  readonly fullHeight: number;
  readonly camera: Camera;
  readonly lighting: Lighting;
  readonly cast: boolean;
}

function standingShadow({
  alpha,
  width,
  height,
  box,
  camera,
  lighting,
  cast,
  horizonY,
  fullHeight,
}: LocalInput): Float32Array {
  const h = box.height;
  const base = Math.round(box.top + box.height); // first row below the product
  const n = width * height;
  const x0 = Math.max(0, Math.floor(box.left));
  const x1 = Math.min(width, Math.ceil(box.left + box.width));

  // Contact: the footprint (the lowest 4% of the product, per column) as a thin band at the base.
  const band = Math.max(2, Math.round(0.04 * h));
  const contact = new Float32Array(n);
  const above = Math.max(1, Math.round(0.01 * h));
  const below = Math.max(1, Math.round(0.008 * h));
  for (let x = x0; x < x1; x++) {
    let foot = 0;
    for (let y = Math.max(0, base - band); y < Math.min(height, base); y++)
      foot = Math.max(foot, alpha[y * width + x]!);
    if (foot === 0) continue;
    for (let y = Math.max(0, base - above); y < Math.min(height, base + below); y++)
      contact[y * width + x] = foot;
  }
  const contactBlur = blurPlane(contact, width, height, Math.max(1, h * (0.004 + 0.06 * lighting.softness)));

  // Ambient: the silhouette squashed flat onto the floor around the base — `floorSquash` of its height
  // behind it, half that in front — so the pool shows in front of the product and not only behind it.
  const ambient = new Float32Array(n);
  const q = camera.floorSquash;
  const front = q / 2;
  for (
    let y = Math.max(0, Math.floor(base - q * h));
    y < Math.min(height, Math.ceil(base + front * h));
    y++
  ) {
    const src = Math.round(y < base ? base - (base - y) / q : base - (y - base) / front);
    if (src < 0 || src >= height) continue;
    for (let x = x0; x < x1; x++) ambient[y * width + x] = alpha[src * width + x]!;
  }
  const ambientBlur = blurPlane(ambient, width, height, Math.max(1, lighting.softness * h));

  const darkness = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    darkness[i] =
      1 - (1 - lighting.contactOpacity * contactBlur[i]!) * (1 - lighting.ambientOpacity * ambientBlur[i]!);
  }
  if (!cast || lighting.castOpacity <= 0) return darkness;

  // Cast: a point t rows up the product lands t·vy rows behind the base and t·vx columns aside.
  const vy = lighting.castLength * q;
  const vx = -lighting.keyX * lighting.castLength * 0.9;
  const shadow = new Float32Array(n);
  const reach = new Float32Array(n); // t / h, for the softening with distance
  const top = Math.max(0, Math.floor(base - h * vy));
  for (let y = top; y < Math.min(height, base); y++) {
    const t = (base - y) / vy;
    const src = Math.round(base - t);
    if (src < 0 || src >= height) continue;
    const shift = t * vx;
    const fadeFar = 1 - 0.65 * (t / h);
    const horizonFade = smoothstep(horizonY - 0.02 * fullHeight, horizonY + 0.03 * fullHeight, y);
    for (let x = 0; x < width; x++) {
      const sx = Math.round(x - shift);
      if (sx < x0 || sx >= x1) continue;
      const a = alpha[src * width + sx]!;
      if (a === 0) continue;
      shadow[y * width + x] = a * fadeFar * horizonFade;
      reach[y * width + x] = t / h;
    }
  }
  const near = blurPlane(shadow, width, height, Math.max(1, 0.25 * lighting.softness * h));
  const far = blurPlane(shadow, width, height, Math.max(1, 1.6 * lighting.softness * h));
  const reachBlur = blurPlane(reach, width, height, Math.max(1, lighting.softness * h));
  for (let i = 0; i < n; i++) {
    const w = clamp01(reachBlur[i]! * 1.5);
    const c = near[i]! + (far[i]! - near[i]!) * w;
    darkness[i] = 1 - (1 - darkness[i]!) * (1 - lighting.castOpacity * c);
  }
  return darkness;
}

function flatLayShadow({ alpha, width, height, box, lighting, cast }: LocalInput): Float32Array {
  const n = width * height;
  const size = Math.max(box.width, box.height);
  const tight = blurPlane(alpha, width, height, Math.max(1, 0.01 * size));
  const darkness = new Float32Array(n);
  for (let i = 0; i < n; i++) darkness[i] = 0.5 * lighting.contactOpacity * tight[i]!;
  if (!cast) return darkness;
  // The product lifted a little off the surface: its shadow offset away from the light, blurred.
  const dx = Math.round(-lighting.keyX * (0.015 + 0.04 * lighting.castLength) * size);
  const dy = Math.round((0.015 + 0.03 * lighting.castLength) * size);
  const shifted = new Float32Array(n);
  for (let y = Math.max(0, dy); y < height; y++) {
    for (let x = Math.max(0, dx); x < Math.min(width, width + dx); x++) {
      shifted[y * width + x] = alpha[(y - dy) * width + (x - dx)]!;
    }
  }
  const drop = blurPlane(shifted, width, height, Math.max(1, 0.6 * lighting.softness * size));
  const opacity = Math.max(lighting.castOpacity, lighting.ambientOpacity);
  for (let i = 0; i < n; i++) darkness[i] = 1 - (1 - darkness[i]!) * (1 - opacity * drop[i]!);
  return darkness;
}
