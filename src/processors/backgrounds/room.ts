/**
 * Pieces the interior scenes share: the light on a wall (falling off with height, a window's patch on the
 * key side, darker where it meets the table), soft-edged shapes for out-of-focus furniture, and bokeh.
 * Shapes are drawn with a soft edge of their own instead of being blurred afterwards: a wide blur is then
 * free, and the edge width is exactly the depth of field we want.
 */
import { type Canvas, clamp01, mix, type Rgb, setPixel, smoothstep } from './raster.js';
import { type FloorPoint, floorAt, type SceneSetting } from './scene.js';

/** Pixel → scene coordinates: u across in canvas heights (0 at the centre), v down in canvas heights. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly aspect: number;
  readonly u: (x: number) => number;
  readonly v: (y: number) => number;
}

export function frameOf(canvas: Canvas): Frame {
  const { width, height } = canvas;
  return {
    width,
    height,
    aspect: width / height,
    u: (x) => (x + 0.5 - width / 2) / height,
    v: (y) => (y + 0.5) / height,
  };
}

/** The product's centre in scene coordinates. */
export function productCentre(setting: SceneSetting, frame: Frame): { u: number; v: number } {
  const p = setting.product;
  return {
    u: (p.left + p.width / 2 - frame.width / 2) / frame.height,
    v: (p.top + p.height / 2) / frame.height,
  };
}

/** Where a floor pixel lies: its scene and floor coordinates, and its footprint on the floor. */
export interface FloorSample {
  readonly u: number;
  readonly v: number;
  readonly point: FloorPoint;
  /** The floor length one pixel covers (in canvas heights): patterns finer than this must fade. */
  readonly footprint: number;
}

/**
 * Paints every pixel: `wallAt(u, v)` above the horizon, `floorColour(sample)` on the floor (a desk or a
 * table seen through the camera). The one loop the scenes with a surface share.
 */
export function paintFloorAndWall(
  canvas: Canvas,
  setting: SceneSetting,
  wallAt: (u: number, v: number) => Rgb,
  floorColour: (sample: FloorSample) => Rgb,
): void {
  const { camera } = setting;
  const frame = frameOf(canvas);
  const depthScale = Math.max(1e-3, camera.base - camera.horizon);
  const point: FloorPoint = { x: 0, z: 0, scale: 1 };
  const sample = { u: 0, v: 0, point, footprint: 0 };
  for (let y = 0, i = 0; y < frame.height; y++) {
    const v = frame.v(y);
    for (let x = 0; x < frame.width; x++, i++) {
      const u = frame.u(x);
      if (!floorAt(camera, x, y, frame.width, frame.height, point)) {
        setPixel(canvas, i, wallAt(u, v));
        continue;
      }
      sample.u = u;
      sample.v = v;
      sample.footprint =
        camera.perspective === 'top-down'
          ? 1 / frame.height
          : (point.scale * point.scale) / (depthScale * frame.height);
      setPixel(canvas, i, floorColour(sample));
    }
  }
}

/**
 * How much light a wall receives at (u, v), around 1: darker towards the ceiling, brighter on the key
 * light's side, a soft slanted patch where a window's light falls, and a shadow line along the table.
 */
export function wallLight(
  u: number,
  v: number,
  setting: SceneSetting,
  frame: Frame,
  windowGain: number,
): number {
  const { lighting, camera } = setting;
  const horizon = camera.horizon;
  const c = lighting.contrast;
  let k = 1 - 0.22 * c * smoothstep(horizon, horizon - 0.9, v);
  k *= 1 + 0.12 * c * u * lighting.keyX;
  if (windowGain > 0) {
    // A slanted band of light on the key side: a window out of frame, its light cut by the frame edges.
    const side = lighting.keyX <= 0 ? -1 : 1;
    const centre = side * frame.aspect * 0.28;
    const slant = (u - centre) * side + 0.45 * (v - horizon);
    const across = smoothstep(-0.2, -0.08, slant) * smoothstep(0.2, 0.08, slant);
    const down = smoothstep(horizon - 0.95, horizon - 0.55, v);
    k += windowGain * across * down;
  }
  // Ambient occlusion where the wall meets the table.
  k *= 1 - 0.22 * Math.exp(-Math.max(0, horizon - v) / 0.025);
  return k;
}

/** A soft-edged rounded rectangle's coverage at (u, v): 1 inside, 0 outside, `soft` wide edge. */
export function roundedBox(
  u: number,
  v: number,
  cu: number,
  cv: number,
  halfW: number,
  halfH: number,
  radius: number,
  soft: number,
): number {
  const qx = Math.abs(u - cu) - halfW + radius;
  const qy = Math.abs(v - cv) - halfH + radius;
  const ox = qx > 0 ? qx : 0;
  const oy = qy > 0 ? qy : 0;
  const outside = Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(qx, qy), 0) - radius;
  return smoothstep(soft, -soft, outside);
}

/** A soft-edged ellipse's coverage. */
export function ellipse(
  u: number,
  v: number,
  cu: number,
  cv: number,
  ru: number,
  rv: number,
  soft: number,
): number {
  const du = (u - cu) / ru;
  const dv = (v - cv) / rv;
  const d = Math.sqrt(du * du + dv * dv) - 1;
  return smoothstep(soft, -soft, d * Math.min(ru, rv));
}

/** Lays `colour` over the pixel with `coverage`, in linear light. */
export function over(canvas: Canvas, i: number, colour: Rgb, coverage: number): void {
  if (coverage <= 0) return;
  const t = clamp01(coverage);
  canvas.r[i] = mix(canvas.r[i]!, colour[0], t);
  canvas.g[i] = mix(canvas.g[i]!, colour[1], t);
  canvas.b[i] = mix(canvas.b[i]!, colour[2], t);
}

/** Adds light (bokeh, glow): linear light adds. */
export function addLight(canvas: Canvas, i: number, colour: Rgb, amount: number): void {
  if (amount <= 0) return;
  canvas.r[i]! += colour[0] * amount;
  canvas.g[i]! += colour[1] * amount;
  canvas.b[i]! += colour[2] * amount;
}

export interface Bokeh {
  readonly u: number;
  readonly v: number;
  readonly radius: number;
  readonly colour: Rgb;
  readonly intensity: number;
}

/**
 * Out-of-focus highlights: discs with a soft rim, a little brighter at the edge (as real lenses draw
 * them), added in linear light. Only the rows and columns each disc covers are visited.
 */
export function paintBokeh(canvas: Canvas, frame: Frame, discs: readonly Bokeh[]): void {
  for (const d of discs) {
    const soft = d.radius * 0.12;
    const y0 = Math.max(0, Math.floor((d.v - d.radius - soft) * frame.height));
    const y1 = Math.min(frame.height, Math.ceil((d.v + d.radius + soft) * frame.height));
    const x0 = Math.max(0, Math.floor((d.u - d.radius - soft) * frame.height + frame.width / 2));
    const x1 = Math.min(frame.width, Math.ceil((d.u + d.radius + soft) * frame.height + frame.width / 2));
    for (let y = y0; y < y1; y++) {
      const v = frame.v(y);
      for (let x = x0; x < x1; x++) {
        const du = frame.u(x) - d.u;
        const r = Math.sqrt(du * du + (v - d.v) ** 2);
        const disc = smoothstep(d.radius + soft, d.radius - soft, r);
        if (disc <= 0) continue;
        const rim = 0.8 + 0.2 * smoothstep(d.radius * 0.5, d.radius, r);
        addLight(canvas, y * frame.width + x, d.colour, d.intensity * disc * rim);
      }
    }
  }
}
