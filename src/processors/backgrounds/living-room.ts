/**
 * `living_room`: the product on a light oak table, a modern living room out of focus behind it — a window
 * on the key light's side, a sofa with cushions against the wall, a framed print, a plant on the other
 * side, and a few specks of light. Every prop is a soft-edged shape whose edge width is its blur, so the
 * room reads as a room without a single sharp line competing with the product. Dramatic lighting turns it
 * into an evening room: dark walls, a night window, warm lamp glow.
 */
import { sequence } from './noise.js';
import { type Canvas, hex, mixRgb, type Rgb, scaleRgb } from './raster.js';
import {
  type Bokeh,
  ellipse,
  type Frame,
  frameOf,
  over,
  paintBokeh,
  productCentre,
  roundedBox,
  wallLight,
} from './room.js';
import type { LightingName, SceneSetting } from './scene.js';
import type { SceneTraits } from './traits.js';
import { paintTable, woods } from './wood.js';

const walls: Readonly<Record<LightingName, string>> = {
  soft: '#dcd6cd',
  dramatic: '#45403c',
  natural: '#e2d8ca',
};
const sofas = ['#9ea79a', '#a49d93', '#8f9aa6', '#b6a48f'] as const;
const LEAF = hex('#4d6a45');
const LEAF_LIGHT = hex('#6f8c5c');
const POT = hex('#c9c2b8');
const CUSHION = hex('#c9bfb1');
const CUSHION_LIGHT = hex('#e8e1d6');
const FRAME = hex('#3b3733');
const ART_WARM = hex('#c7b299');
const ART_COOL = hex('#7d8a93');

export function paintLivingRoom(canvas: Canvas, setting: SceneSetting): SceneTraits {
  const { camera, lighting, seed } = setting;
  const frame = frameOf(canvas);
  const wall = hex(walls[lighting.name]);
  const evening = lighting.name === 'dramatic';
  paintTable(canvas, setting, woods.oak, (u, v) => scaleRgb(wall, wallLight(u, v, setting, frame, 0)));
  if (camera.perspective === 'top-down') return { reflectivity: 0, depthOfField: false };

  const next = sequence(seed ^ 0x11f1);
  const side = lighting.keyX <= 0 ? -1 : 1;
  const h = camera.horizon;
  const edge = frame.aspect / 2;
  const props: Shape[] = [];
  // The window: a tall bright opening with a mullion, on the key side.
  const windowU = side * Math.min(edge * 0.78, 0.55 + 0.1 * next());
  const windowW = 0.2 + 0.06 * next();
  const glass = evening ? hex('#1c2536') : scaleRgb(hex('#eef3f7'), 1.5);
  props.push(box(glass, windowU, h - 0.55, windowW, 0.5, 0.01, 0.035));
  props.push(box(scaleRgb(wall, 0.9), windowU, h - 0.55, 0.012, 0.5, 0, 0.02));
  // The sofa: backrest and arms in one rounded box, cushions on top, seen over the table's edge.
  const sofa = hex(sofas[Math.floor(next() * sofas.length)]!);
  const sofaU = -side * (0.1 + 0.15 * next());
  const sofaHalf = 0.55 + 0.15 * next();
  const sofaTop = h - 0.2 - 0.05 * next();
  props.push(box(scaleRgb(sofa, 0.92), sofaU, sofaTop + 0.25, sofaHalf, 0.25, 0.06, 0.03));
  for (let n = 0; n < 3; n++) {
    const cu = sofaU - sofaHalf * 0.6 + n * sofaHalf * 0.6 + (next() - 0.5) * 0.05;
    const tone = mixRgb(sofa, n === 1 ? CUSHION_LIGHT : CUSHION, 0.45);
    props.push(box(tone, cu, sofaTop + 0.02, 0.13, 0.1, 0.05, 0.03));
  }
  // A framed print above the sofa.
  const printU = sofaU + (next() - 0.5) * 0.2;
  const printV = sofaTop - 0.26;
  props.push(box(FRAME, printU, printV, 0.17, 0.13, 0, 0.02));
  props.push(box(mixRgb(ART_WARM, ART_COOL, next()), printU, printV, 0.15, 0.11, 0, 0.02));
  // A plant on the far side: a pot and a crown of leaves.
  const plantU = -side * Math.min(edge * 0.85, 0.62 + 0.1 * next());
  props.push(box(POT, plantU, h - 0.06, 0.07, 0.09, 0.02, 0.02));
  for (let n = 0; n < 14; n++) {
    const lu = plantU + (next() - 0.5) * 0.3;
    const lv = h - 0.18 - next() * 0.35;
    const ru = 0.04 + 0.04 * next();
    props.push({
      kind: 'ellipse',
      colour: mixRgb(LEAF, LEAF_LIGHT, next()),
      u: lu,
      v: lv,
      halfU: ru,
      halfV: ru * 0.55,
      radius: 0,
      soft: 0.025,
    });
  }
  paintProps(canvas, frame, setting, props);

  // Specks of light: reflections and lamps far behind.
  const lamp = hex('#ffd39a');
  const discs: Bokeh[] = [];
  for (let n = 0; n < (evening ? 8 : 5); n++) {
    discs.push({
      u: (next() - 0.5) * frame.aspect,
      v: h * (0.1 + 0.6 * next()),
      radius: 0.02 + 0.035 * next(),
      colour: lamp,
      intensity: (evening ? 0.55 : 0.12) * (0.5 + next()),
    });
  }
  if (evening) discs.push({ u: -windowU * 0.9, v: h - 0.62, radius: 0.16, colour: lamp, intensity: 0.35 });
  paintBokeh(canvas, frame, discs);
  return { reflectivity: 0.03, depthOfField: true };
}

/** A soft-edged prop: a rounded box or an ellipse, centred at (u, v), in scene coordinates. */
interface Shape {
  readonly kind: 'box' | 'ellipse';
  readonly colour: Rgb;
  readonly u: number;
  readonly v: number;
  readonly halfU: number;
  readonly halfV: number;
  readonly radius: number;
  readonly soft: number;
}

const box = (
  colour: Rgb,
  u: number,
  v: number,
  halfU: number,
  halfV: number,
  radius: number,
  soft: number,
): Shape => ({
  kind: 'box',
  colour,
  u,
  v,
  halfU,
  halfV,
  radius,
  soft,
});

/**
 * Lays the props over the wall in order, each lit like the wall; only the pixels of each shape's box are
 * visited, and rows below the horizon (the table) are left alone.
 */
function paintProps(canvas: Canvas, frame: Frame, setting: SceneSetting, props: readonly Shape[]): void {
  const rows = Math.min(frame.height, Math.ceil(setting.camera.horizon * frame.height));
  const centre = productCentre(setting, frame);
  for (const s of props) {
    const reachU = s.halfU + s.soft;
    const reachV = s.halfV + s.soft;
    const y0 = Math.max(0, Math.floor((s.v - reachV) * frame.height));
    const y1 = Math.min(rows, Math.ceil((s.v + reachV) * frame.height));
    const x0 = Math.max(0, Math.floor((s.u - reachU) * frame.height + frame.width / 2));
    const x1 = Math.min(frame.width, Math.ceil((s.u + reachU) * frame.height + frame.width / 2));
    for (let y = y0; y < y1; y++) {
      const v = frame.v(y);
      for (let x = x0; x < x1; x++) {
        const u = frame.u(x);
        const coverage =
          s.kind === 'box'
            ? roundedBox(u, v, s.u, s.v, s.halfU, s.halfV, s.radius, s.soft)
            : ellipse(u, v, s.u, s.v, s.halfU, s.halfV, s.soft);
        if (coverage <= 0) continue;
        const light = wallLight(u, v, setting, frame, 0) * (1 + 0.04 * Math.sign(centre.u - u));
        over(canvas, y * frame.width + x, scaleRgb(s.colour, light), coverage);
      }
    }
  }
}
