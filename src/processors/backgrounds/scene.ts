/**
 * What every background shares: the camera (where the horizon and the floor are, how the floor recedes)
 * and the light (how bright, how contrasted, how warm, where from, how hard the shadows). The three
 * perspectives and three lightings of the seed's params are presets of these two records.
 */

export const perspectives = ['front', 'angle', 'top-down'] as const;
export type Perspective = (typeof perspectives)[number];

export const lightings = ['soft', 'dramatic', 'natural'] as const;
export type LightingName = (typeof lightings)[number];

/**
 * The camera, in fractions of the canvas height. For `front` and `angle` the floor (table, desk, paper) is
 * a plane seen by a pinhole camera: it meets the wall at `horizon` and recedes towards it; the product
 * stands on it at `base`. `top-down` looks straight down: the floor fills the frame, unforeshortened.
 */
export interface Camera {
  readonly perspective: Perspective;
  /** Where the floor meets the wall, as a fraction of the height (unused for top-down). */
  readonly horizon: number;
  /** Where the product's lowest point stands, as a fraction of the height (top-down: centred instead). */
  readonly base: number;
  /** Share of the canvas height the product is scaled to (its width is limited to `productWidth`). */
  readonly productHeight: number;
  readonly productWidth: number;
  /** How much a product's silhouette is squashed when laid on the floor as a shadow (1 = not at all). */
  readonly floorSquash: number;
}

export const cameras: Readonly<Record<Perspective, Camera>> = {
  // At table height: a narrow strip of table, the wall fills the upper half.
  front: {
    perspective: 'front',
    horizon: 0.6,
    base: 0.885,
    productHeight: 0.75,
    productWidth: 0.72,
    floorSquash: 0.16,
  },
  // From above at roughly 35°: more table, a higher horizon, the product's shadow spreads further.
  angle: {
    perspective: 'angle',
    horizon: 0.34,
    base: 0.87,
    productHeight: 0.72,
    productWidth: 0.72,
    floorSquash: 0.32,
  },
  // Flat lay: the product lies on the surface, centred; shadows fall beside it, not behind.
  'top-down': {
    perspective: 'top-down',
    horizon: Number.NEGATIVE_INFINITY,
    base: 0.875,
    productHeight: 0.75,
    productWidth: 0.72,
    floorSquash: 1,
  },
};

/** A point on the floor seen at a pixel: surface coordinates and how far away it is. */
export interface FloorPoint {
  /** Across, in canvas heights at the product's distance; 0 under the canvas centre. */
  x: number;
  /** Depth, in the same units; 0 at the product's base, growing away from the camera. */
  z: number;
  /**
   * Distance relative to the product's base (1 there). A pixel covers `scale / height` floor units across
   * and `scale² / ((base − horizon) · height)` in depth: use it to fade detail finer than a pixel.
   */
  scale: number;
}

/**
 * The floor under pixel (px, py) of a width×height canvas, written into `out`; false above the horizon.
 * With the camera's height above the floor equal to `base − horizon` (in canvas heights) and the product
 * at distance 1, a row d below the horizon sees the floor at distance (base − horizon) / d.
 */
export function floorAt(
  camera: Camera,
  px: number,
  py: number,
  width: number,
  height: number,
  out: FloorPoint,
): boolean {
  const x = (px + 0.5 - width / 2) / height;
  const y = (py + 0.5) / height;
  if (camera.perspective === 'top-down') {
    out.x = x;
    out.z = camera.base - y;
    out.scale = 1;
    return true;
  }
  const d = y - camera.horizon;
  if (d <= 0) return false;
  const scale = (camera.base - camera.horizon) / d;
  out.x = x * scale;
  out.z = scale - 1;
  out.scale = scale;
  return true;
}

/** The light of a scene. Scenes read these to pick tones; shadows read the last five. */
export interface Lighting {
  readonly name: LightingName;
  /** Overall brightness multiplier. */
  readonly exposure: number;
  /** Depth of a scene's light falloff (pools, gradients): 1 normal, higher is moodier. */
  readonly contrast: number;
  /** Darkening at the corners, 0–1. */
  readonly vignette: number;
  /** White balance: −1 cool (blue) … +1 warm (amber). */
  readonly warmth: number;
  /** Where the key light comes from, across: −1 from the left … +1 from the right. */
  readonly keyX: number;
  /** Opacity of the contact shadow right under the product, 0–1. */
  readonly contactOpacity: number;
  /** Opacity of the broad ambient-occlusion shadow around the base, 0–1. */
  readonly ambientOpacity: number;
  /** Blur of the ambient and cast shadows, as a share of the product height: larger = softer light. */
  readonly softness: number;
  /** Opacity of the shadow the key light casts on the floor, 0 for none. */
  readonly castOpacity: number;
  /** Length of the cast shadow on the floor, as a share of the product height. */
  readonly castLength: number;
}

export const lightingPresets: Readonly<Record<LightingName, Lighting>> = {
  // A big diffuser overhead: even tones, a gentle pool of light, soft shadows that barely reach out.
  soft: {
    name: 'soft',
    exposure: 1,
    contrast: 0.8,
    vignette: 0.14,
    warmth: 0.04,
    keyX: -0.25,
    contactOpacity: 0.55,
    ambientOpacity: 0.3,
    softness: 0.09,
    castOpacity: 0.12,
    castLength: 0.35,
  },
  // One hard spot from the side: a bright pool on a dark set, deep corners, a long crisp shadow.
  dramatic: {
    name: 'dramatic',
    exposure: 0.95,
    contrast: 1.8,
    vignette: 0.6,
    warmth: -0.05,
    keyX: -0.8,
    contactOpacity: 0.75,
    ambientOpacity: 0.35,
    softness: 0.025,
    castOpacity: 0.5,
    castLength: 0.75,
  },
  // Daylight from a window on the left: warmer, a side gradient, a medium shadow falling right.
  natural: {
    name: 'natural',
    exposure: 1.02,
    contrast: 1.1,
    vignette: 0.22,
    warmth: 0.28,
    keyX: -0.9,
    contactOpacity: 0.6,
    ambientOpacity: 0.28,
    softness: 0.05,
    castOpacity: 0.3,
    castLength: 0.5,
  },
};

/** Everything a scene painter needs besides the canvas. */
export interface SceneSetting {
  readonly camera: Camera;
  readonly lighting: Lighting;
  readonly seed: number;
  /** The placed product's box on the canvas, in pixels: light pools and props are arranged around it. */
  readonly product: {
    readonly left: number;
    readonly top: number;
    readonly width: number;
    readonly height: number;
  };
}
