/**
 * `studio`: a seamless paper sweep. The paper curves from the floor up into the wall with no visible seam;
 * the light is brightest in a broad pool behind the product and falls off towards the top and the front
 * edge. Soft light gives near-white paper with gentle falloff; dramatic light a grey paper lit by one spot,
 * its edges sinking into shadow; natural light a warm paper with a side gradient from the window.
 */
import { type Canvas, hex, type Rgb, setPixel, smoothstep } from './raster.js';
import { frameOf, productCentre } from './room.js';
import type { LightingName, SceneSetting } from './scene.js';
import type { SceneTraits } from './traits.js';

/** Paper colours (sRGB) per lighting. */
export const studioPapers: Readonly<Record<LightingName, string>> = {
  soft: '#f3f3f1',
  dramatic: '#8a8d92',
  natural: '#f2ede5',
};

export function paintStudio(canvas: Canvas, setting: SceneSetting, paper?: Rgb): SceneTraits {
  const { camera, lighting } = setting;
  const frame = frameOf(canvas);
  const colour = paper ?? hex(studioPapers[lighting.name]);
  const flat = camera.perspective === 'top-down';
  const centre = productCentre(setting, frame);
  const horizon = flat ? 0.5 : camera.horizon;
  const spot = lighting.name === 'dramatic';
  const c = lighting.contrast;
  // The pool of light: centred behind the product, on the sweep (or on the product itself, looking down).
  const poolV = flat ? centre.v : horizon - 0.05;
  const poolU = spot ? centre.u - 0.1 * lighting.keyX : centre.u;
  const poolRu = (spot ? 0.42 : 0.9) * Math.max(1, frame.aspect * 0.8);
  const poolRv = spot ? 0.42 : 0.7;
  for (let y = 0, i = 0; y < frame.height; y++) {
    const v = frame.v(y);
    let k = 1;
    if (!flat) {
      // The wall gets less light with height; the floor darkens a little towards the camera.
      k -= 0.2 * c * smoothstep(horizon + 0.05, horizon - 0.75, v);
      k -= 0.05 * c * smoothstep(camera.base - 0.05, 1.15, v);
    }
    for (let x = 0; x < frame.width; x++, i++) {
      const u = frame.u(x);
      const pool = Math.exp(-(((u - poolU) / poolRu) ** 2) - ((v - poolV) / poolRv) ** 2);
      const side = 1 + 0.1 * c * u * lighting.keyX;
      const light = spot ? (0.16 + 1.05 * pool) * k : k * (0.92 + 0.1 * pool) * side;
      setPixel(canvas, i, [colour[0] * light, colour[1] * light, colour[2] * light]);
    }
  }
  return { reflectivity: spot ? 0.1 : 0, depthOfField: false };
}
