/**
 * `marble_desk`: a white marble desk against a light wall lit from a window. The marble is fractal noise
 * twice over: a domain-warped field whose zero crossings are the veins (so they branch and wander like
 * Carrara's), thinner secondary veins from a finer field, and faint grey clouding. The pattern lives on the
 * desk's plane, so it recedes with the perspective, and fades to its average tone where it would be finer
 * than a pixel. The desk is polished: the product is reflected in it.
 */
import { fbm } from './noise.js';
import { type Canvas, clamp01, hex, mix, mixRgb, type Rgb, scaleRgb, smoothstep } from './raster.js';
import { frameOf, paintFloorAndWall, productCentre, wallLight } from './room.js';
import type { LightingName, SceneSetting } from './scene.js';
import type { SceneTraits } from './traits.js';

const walls: Readonly<Record<LightingName, string>> = {
  soft: '#e6e1da',
  dramatic: '#6f6a66',
  natural: '#e9e0d3',
};

const STONE = hex('#f4f3f0');
const CLOUD = hex('#d7d6d3');
const VEIN = hex('#8e9197');
const VEIN_FINE = hex('#b4b6ba');

/**
 * The marble's colour at floor point (x, z); `detail` 0–1 fades veins finer than a pixel.
 *
 * Veins are the classic turbulent-sine marble: stripes along one diagonal, pushed about by fractal noise
 * so they wander, thin and thicken. A slow noise gates each vein in and out, so some run long and others
 * die away; a softer copy of the same stripe gives the grey halo real veins bleed into the stone.
 */
export function marbleAt(x: number, z: number, seed: number, detail: number): Rgb {
  const angle = 0.55 + (seed % 1000) / 1000;
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const along = x * ca + z * sa;
  const across = -x * sa + z * ca;
  const cloud = clamp01(0.5 + 0.9 * fbm(x * 0.8, z * 0.8, seed + 13, 3));
  let colour = mixRgb(STONE, CLOUD, 0.35 * cloud);
  if (detail <= 0) return colour;
  const turbulence = fbm(along * 0.9, across * 1.6, seed + 14, 5);
  const stripe = Math.abs(Math.sin((across * 2.6 + 2.4 * turbulence) * Math.PI));
  const gate = smoothstep(-0.35, 0.25, fbm(along * 0.35, across * 0.6, seed + 15, 2));
  const width = 0.5 + 0.5 * smoothstep(-0.4, 0.4, fbm(along * 1.5, across, seed + 16, 2));
  const vein = smoothstep(0.09 * width, 0.0, stripe) * gate;
  const halo = smoothstep(0.32, 0.0, stripe) * gate;
  // Fine secondary veins at another angle, faint and broken.
  const fineTurb = fbm(x * 2.2 + 9.1, z * 2.2, seed + 17, 4);
  const fineStripe = Math.abs(Math.sin((along * 2.9 + across * 1.1 + 2.5 * fineTurb) * Math.PI));
  const fineGate = smoothstep(-0.1, 0.4, fbm(x * 0.9, z * 0.9 + 4.4, seed + 18, 2));
  const fine = smoothstep(0.035, 0.0, fineStripe) * fineGate;
  colour = mixRgb(colour, CLOUD, 0.75 * halo * detail);
  colour = mixRgb(colour, VEIN_FINE, 0.55 * fine * detail);
  colour = mixRgb(colour, VEIN, 0.7 * vein * detail);
  return colour;
}

export function paintMarble(canvas: Canvas, setting: SceneSetting): SceneTraits {
  const { camera, lighting, seed } = setting;
  const frame = frameOf(canvas);
  const wall = hex(walls[lighting.name]);
  const centre = productCentre(setting, frame);
  const c = lighting.contrast;
  const dark = lighting.name === 'dramatic';
  paintFloorAndWall(
    canvas,
    setting,
    (u, v) => scaleRgb(wall, wallLight(u, v, setting, frame, dark ? 0.5 : 0.28)),
    ({ u, v, point, footprint }) => {
      const detail = smoothstep(0.03, 0.006, footprint);
      const stone = marbleAt(point.x, point.z + 0.37, seed, detail);
      // Light on the desk: a broad pool around the product, brighter towards the key side.
      const pool = Math.exp(-(((u - centre.u) / (dark ? 0.5 : 1.1)) ** 2) - ((v - centre.v) / 0.8) ** 2);
      let k = (dark ? 0.25 + 0.95 * pool : 0.9 + 0.12 * pool) * (1 + 0.08 * c * u * lighting.keyX);
      // The back of the desk, near the wall, catches a sheen from the window.
      if (camera.perspective !== 'top-down') k *= mix(1, 1.06, smoothstep(1.5, 4, point.scale));
      return scaleRgb(stone, k);
    },
  );
  return { reflectivity: 0.2, depthOfField: true };
}
