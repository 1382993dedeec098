/**
 * `outdoor`: a weathered garden table in daylight, a garden out of focus behind it — sky fading to haze at
 * the horizon, a band of foliage (fractal noise, low octaves only, so it is born blurred), sun sparkling
 * through the leaves as bokeh, and dappled leaf shadows on the table. Dramatic lighting is golden hour:
 * a deeper sky warming towards a low sun on the key side, longer shadows, warmer sparkle.
 */
import { fbm, sequence } from './noise.js';
import { type Canvas, clamp01, hex, mixRgb, type Rgb, scaleRgb, smoothstep } from './raster.js';
import { type Bokeh, frameOf, paintBokeh } from './room.js';
import type { LightingName, SceneSetting } from './scene.js';
import type { SceneTraits } from './traits.js';
import { paintTable, woods } from './wood.js';

interface Sky {
  readonly zenith: string;
  readonly horizon: string;
  readonly foliage: string;
  readonly foliageLit: string;
  readonly sun: string;
}

const skies: Readonly<Record<LightingName, Sky>> = {
  soft: { zenith: '#a9c3dc', horizon: '#e8eef1', foliage: '#5f7a52', foliageLit: '#93ab76', sun: '#fffaf0' },
  natural: {
    zenith: '#7fabd8',
    horizon: '#dfeaf2',
    foliage: '#4c6f3f',
    foliageLit: '#8fb063',
    sun: '#fff6e0',
  },
  dramatic: {
    zenith: '#52709a',
    horizon: '#f3c38e',
    foliage: '#3d4a2c',
    foliageLit: '#a08a4a',
    sun: '#ffd59a',
  },
};

export function paintOutdoor(canvas: Canvas, setting: SceneSetting): SceneTraits {
  const { camera, lighting, seed } = setting;
  const frame = frameOf(canvas);
  const sky = skies[lighting.name];
  const zenith = hex(sky.zenith);
  const haze = hex(sky.horizon);
  const foliage = hex(sky.foliage);
  const lit = hex(sky.foliageLit);
  const sun = hex(sky.sun);
  const h = camera.horizon;
  const sunU = lighting.keyX * frame.aspect * 0.45;
  const background = (u: number, v: number): Rgb => {
    let colour = mixRgb(zenith, haze, smoothstep(h - 0.9, h, v) ** 0.8);
    // Glow around the sun, out of frame on the key side.
    const glow = Math.exp(-(((u - sunU) / 0.6) ** 2) - ((v - (h - 0.5)) / 0.6) ** 2);
    colour = mixRgb(colour, sun, 0.35 * glow);
    // Foliage: denser towards the table, thinning into the sky; lit on the sun's side.
    const n = fbm(u * 2.2, v * 3, seed + 31, 4);
    const density = n + 1.15 * smoothstep(h - 0.62, h - 0.05, v) - 0.55;
    const leaves = smoothstep(-0.04, 0.14, density);
    if (leaves > 0) {
      const shade = clamp01(0.5 + 0.9 * fbm(u * 5, v * 5, seed + 32, 3) + 0.25 * lighting.keyX * -u);
      colour = mixRgb(colour, mixRgb(foliage, lit, shade), leaves);
    }
    return colour;
  };
  paintTable(canvas, setting, woods.weathered, background);

  const flat = camera.perspective === 'top-down';
  // Dappled light on the table: leaf shadows, large and soft.
  const depth = Math.max(1e-3, camera.base - h);
  for (let y = 0, i = 0; y < frame.height; y++) {
    const v = frame.v(y);
    if (!flat && v <= h) {
      i += frame.width;
      continue;
    }
    const scale = flat ? 1 : depth / (v - h);
    for (let x = 0; x < frame.width; x++, i++) {
      const fx = frame.u(x) * scale;
      const fz = flat ? v : scale;
      const dapple = smoothstep(-0.15, 0.25, fbm(fx * 2.5 + 3.1, fz * 2.5, seed + 33, 3));
      const k = 0.82 + 0.26 * dapple;
      canvas.r[i]! *= k;
      canvas.g[i]! *= k;
      canvas.b[i]! *= k;
    }
  }
  if (!flat) {
    // Sun through the leaves: bright discs where the foliage is thin.
    const next = sequence(seed ^ 0x0d00);
    const discs: Bokeh[] = [];
    const sparkle = scaleRgb(sun, lighting.name === 'dramatic' ? 1 : 0.8);
    for (let n = 0; n < 40 && discs.length < 14; n++) {
      const u = (next() - 0.5) * frame.aspect;
      const v = h * (0.25 + 0.7 * next());
      const density = fbm(u * 2.2, v * 3, seed + 31, 4) + 1.15 * smoothstep(h - 0.62, h - 0.05, v) - 0.55;
      if (density < -0.02 || density > 0.3) continue;
      discs.push({ u, v, radius: 0.018 + 0.03 * next(), colour: sparkle, intensity: 0.35 + 0.5 * next() });
    }
    paintBokeh(canvas, frame, discs);
  }
  return { reflectivity: 0, depthOfField: true };
}
