/**
 * `wooden_table`: a rustic plank table against a warm, softly lit wall with out-of-focus lights. Planks run
 * away from the camera, so their joints converge on the horizon; each plank has its own tone and grain
 * phase, board ends at random depths, and grain made of wavering growth lines plus fine streaks (noise
 * stretched along the board). Lines finer than a pixel fade to the plank's average rather than shimmer.
 * The same surface, in lighter wood, is the table of `living_room` and `outdoor`.
 */
import { fbm, random01, sequence } from './noise.js';
import { type Canvas, clamp01, hex, mixRgb, type Rgb, scaleRgb, smoothstep } from './raster.js';
import { type Bokeh, frameOf, paintBokeh, paintFloorAndWall, productCentre, wallLight } from './room.js';
import type { LightingName, SceneSetting } from './scene.js';
import type { SceneTraits } from './traits.js';

export interface WoodPalette {
  readonly light: Rgb;
  readonly dark: Rgb;
  /** Joint darkness, 0–1. */
  readonly joint: number;
  /** Plank width in floor units (canvas heights at the product). */
  readonly plank: number;
  /** How much planks differ in tone, 0–1. */
  readonly variation: number;
}

export const woods = {
  rustic: { light: hex('#a9784f'), dark: hex('#5a3a25'), joint: 0.75, plank: 0.2, variation: 0.3 },
  oak: { light: hex('#d9bf9c'), dark: hex('#b08e68'), joint: 0.5, plank: 0.34, variation: 0.15 },
  weathered: { light: hex('#b8ab99'), dark: hex('#857a6c'), joint: 0.7, plank: 0.16, variation: 0.25 },
} as const satisfies Record<string, WoodPalette>;

/** Box-filtered coverage of a line of half-width `half` at distance `d`, seen by a pixel `footprint` wide. */
function lineCoverage(d: number, half: number, footprint: number): number {
  const lo = Math.max(d - footprint / 2, -half);
  const hi = Math.min(d + footprint / 2, half);
  return Math.max(0, hi - lo) / footprint;
}

/** The wood's colour at floor point (x, z); `footprint` is a pixel's size on the floor. */
export function woodAt(x: number, z: number, seed: number, palette: WoodPalette, footprint: number): Rgb {
  const column = Math.floor(x / palette.plank + 0.5);
  const across = x / palette.plank + 0.5 - column; // 0–1 across the plank
  // Board ends: every plank is cut at its own depths.
  const length = 1.4 + random01(column, 7, seed) * 1.2;
  const shifted = z / length + random01(column, 3, seed);
  const board = Math.floor(shifted);
  const along = shifted - board;
  const id = column * 131 + board;
  const tone = (random01(id, 1, seed) - 0.5) * palette.variation;
  const detail = smoothstep(0.02, 0.004, footprint);
  // Growth lines: wavering stripes along the board, sharpened into thin dark lines.
  const wave = fbm(across * 2.5, z * 0.6, seed + id, 3);
  const phase = across * (6 + 4 * random01(id, 2, seed)) + 1.6 * wave + random01(id, 5, seed) * 10;
  const ring = (0.5 - 0.5 * Math.cos(phase * Math.PI * 2)) ** 3;
  const streak = fbm(x * 70, z * 2.5, seed + 21, 3);
  let t = 0.38 + tone + detail * (0.45 * ring + 0.3 * streak);
  t += 0.12 * fbm(x * 3, z * 0.8, seed + 22, 3); // slow stains
  let colour = mixRgb(palette.light, palette.dark, clamp01(t));
  // Joints between planks and at board ends, box-filtered.
  const side = lineCoverage(Math.min(across, 1 - across) * palette.plank, 0.0025, Math.max(footprint, 1e-4));
  const end = lineCoverage(Math.min(along, 1 - along) * length, 0.002, Math.max(footprint * 2, 1e-4));
  const joint = clamp01(Math.max(side, end)) * palette.joint;
  colour = scaleRgb(colour, 1 - joint);
  return colour;
}

const walls: Readonly<Record<LightingName, string>> = {
  soft: '#d8cbbb',
  dramatic: '#4a3e35',
  natural: '#dccdb8',
};

export function paintWood(canvas: Canvas, setting: SceneSetting): SceneTraits {
  const { camera, lighting, seed } = setting;
  const frame = frameOf(canvas);
  const wall = hex(walls[lighting.name]);
  const centre = productCentre(setting, frame);
  const c = lighting.contrast;
  const dark = lighting.name === 'dramatic';
  paintTable(canvas, setting, woods.rustic, (u, v) => {
    const k = wallLight(u, v, setting, frame, dark ? 0.35 : 0.18);
    return scaleRgb(wall, k);
  });
  // Warm lights far behind: a string of bulbs out of focus, along the upper wall.
  if (camera.perspective !== 'top-down') {
    const next = sequence(seed ^ 0x5eed);
    const discs: Bokeh[] = [];
    const warm = hex('#ffc98a');
    for (let n = 0; n < 9; n++) {
      const u = (next() - 0.5) * frame.aspect * 1.1;
      if (Math.abs(u - centre.u) < 0.12) continue;
      discs.push({
        u,
        v: camera.horizon * (0.15 + 0.55 * next()),
        radius: 0.025 + 0.04 * next(),
        colour: warm,
        intensity: (dark ? 0.5 : 0.25) * (0.5 + next()) * c,
      });
    }
    paintBokeh(canvas, frame, discs);
  }
  return { reflectivity: 0.04, depthOfField: true };
}

/**
 * Paints a plank table on the floor and `wallAt(u, v)` above the horizon: shared by wooden_table,
 * living_room and outdoor, which differ in wood and in what stands behind the table.
 */
export function paintTable(
  canvas: Canvas,
  setting: SceneSetting,
  palette: WoodPalette,
  wallAt: (u: number, v: number) => Rgb,
): void {
  const { lighting, seed } = setting;
  const centre = productCentre(setting, frameOf(canvas));
  const c = lighting.contrast;
  const dark = lighting.name === 'dramatic';
  paintFloorAndWall(canvas, setting, wallAt, ({ u, v, point, footprint }) => {
    const wood = woodAt(point.x + 0.013, point.z, seed, palette, footprint);
    const pool = Math.exp(-(((u - centre.u) / (dark ? 0.45 : 1.1)) ** 2) - ((v - centre.v) / 0.75) ** 2);
    const k = (dark ? 0.22 + 0.95 * pool : 0.88 + 0.14 * pool) * (1 + 0.1 * c * u * lighting.keyX);
    return scaleRgb(wood, k);
  });
}
