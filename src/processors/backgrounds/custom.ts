/**
 * Offline, a custom prompt cannot be painted word for word; it is read for the scene it is closest to.
 * The first scene whose keywords the prompt mentions wins (in the order below), else the studio sweep;
 * a colour word ("a pastel pink backdrop") tints the studio paper. Deterministic, and reported in the step
 * metadata as `offline_style`, so a user can see what their prompt was rendered as.
 */
import type { OfflineStyle } from './offline.js';
import { hex, type Rgb } from './raster.js';

const sceneKeywords: readonly (readonly [OfflineStyle, RegExp])[] = [
  ['marble_desk', /\b(marble|stone|granite|quartz|terrazzo|bathroom|spa|vanity)\b/],
  ['wooden_table', /\b(wood|wooden|oak|walnut|pine|teak|rustic|cabin|farmhouse|workbench)\b/],
  [
    'living_room',
    /\b(living|room|sofa|couch|home|interior|bedroom|kitchen|shelf|cafe|cozy|cosy|office|desk)\b/,
  ],
  [
    'outdoor',
    /\b(outdoors?|garden|patio|park|nature|forest|beach|sky|grass|summer|picnic|balcony|terrace)\b/,
  ],
];

/** Paper colours for colour words, sRGB. */
const paperColours: readonly (readonly [RegExp, string])[] = [
  [/\b(pink|blush|rose)\b/, '#f2d4d7'],
  [/\b(peach|coral)\b/, '#f5d3c0'],
  [/\b(yellow|lemon|mustard)\b/, '#f3e3a8'],
  [/\b(orange)\b/, '#f0c08f'],
  [/\b(red)\b/, '#c9544d'],
  [/\b(purple|lilac|lavender|violet)\b/, '#d9cfe6'],
  [/\b(blue|navy)\b/, '#c9d8e8'],
  [/\b(teal|turquoise|mint)\b/, '#c6e3db'],
  [/\b(green|sage|olive)\b/, '#cfdcc3'],
  [/\b(beige|cream|sand|ivory)\b/, '#eee4d3'],
  [/\b(black|charcoal|dark)\b/, '#3a3b3e'],
  [/\b(gr[ae]y|concrete)\b/, '#c4c5c7'],
];

export interface CustomReading {
  readonly style: OfflineStyle;
  /** The studio paper, when a colour word names one. */
  readonly paper?: Rgb;
  readonly paperColour?: string;
}

export function readCustomPrompt(prompt: string): CustomReading {
  const text = prompt.toLowerCase();
  const scene = sceneKeywords.find(([, words]) => words.test(text));
  if (scene) return { style: scene[0] };
  const colour = paperColours.find(([words]) => words.test(text));
  return colour ? { style: 'studio', paper: hex(colour[1]), paperColour: colour[1] } : { style: 'studio' };
}
