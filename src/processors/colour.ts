/**
 * Colours in one place: the params schema for every operation that paints pixels (resize's padding,
 * replace_background) and the one "over a solid colour" blend (replace_background, finalize's JPEG).
 * A colour is spelled `#rrggbb`, `#rrggbbaa` where alpha is allowed, or `transparent`; the schema lowercases
 * it so that `#FFFFFF` and `#ffffff` give the same pipeline version.
 */
import { z } from 'zod';
import type { RawImage } from './types.js';

/** A parsed colour: 0–255 channels and a 0–1 alpha, the shape sharp's `background` options take. */
export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly alpha: number;
}

export const TRANSPARENT = 'transparent';

// A regex rather than a refine, so the rule shows up in JSON Schema generated from the params.
const OPAQUE_COLOUR = /^(transparent|#[0-9a-f]{6})$/;
const ANY_COLOUR = /^(transparent|#[0-9a-f]{6}([0-9a-f]{2})?)$/;

export interface ColourSchemaOptions {
  /** Accept `#rrggbbaa` as well as `#rrggbb`. */
  readonly allowAlphaHex: boolean;
  readonly defaultValue: string;
  readonly description: string;
}

/** A colour param: lowercased, validated, defaulted and described. */
export function colourSchema({ allowAlphaHex, defaultValue, description }: ColourSchemaOptions) {
  const pattern = allowAlphaHex ? ANY_COLOUR : OPAQUE_COLOUR;
  const spelled = allowAlphaHex ? '#rrggbb, #rrggbbaa or transparent' : '#rrggbb or transparent';
  return z
    .string()
    .trim()
    .toLowerCase()
    .regex(pattern, { message: `expected a colour as ${spelled}` })
    .default(defaultValue)
    .describe(`${description} Spelled ${spelled}. Default ${defaultValue}.`);
}

/** Parses a colour that its schema has already accepted. */
export function parseColour(value: string): Rgba {
  if (value === TRANSPARENT) return { r: 0, g: 0, b: 0, alpha: 0 };
  const channel = (at: number) => Number.parseInt(value.slice(at, at + 2), 16);
  const alpha = value.length === 9 ? channel(7) / 255 : 1;
  const rgba = { r: channel(1), g: channel(3), b: channel(5), alpha };
  if ([rgba.r, rgba.g, rgba.b, rgba.alpha].some(Number.isNaN)) throw new TypeError(`not a colour: ${value}`);
  return rgba;
}

/**
 * Paints `image` over an opaque colour with the standard "over" in sRGB values (Pillow's `paste` with a mask,
 * libvips' flatten), exactly rounded. With `channels: 3` the alpha is dropped, which is what a JPEG encoder
 * needs; with 4 it is set to 255. Fully opaque pixels are copied unchanged, so an opaque image comes out
 * bit-identical.
 *
 * It works on 32-bit words, four pixels at a time, because finalize runs it on every image: a byte-wise loop
 * costs ~7 ms per megapixel, this one about a quarter of that.
 */
export function flattenOnto(image: RawImage, colour: Rgba, channels: 3 | 4): Buffer {
  const pixels = image.width * image.height;
  const words = wordsOf(image.data, pixels);
  const background = (colour.r | (colour.g << 8) | (colour.b << 16)) >>> 0;
  const out = new Uint32Array(Math.ceil((pixels * channels) / 4));
  if (channels === 4) {
    for (let i = 0; i < pixels; i++) out[i] = (over(words[i]!, background) | 0xff000000) >>> 0;
    return Buffer.from(out.buffer, 0, pixels * 4);
  }
  // Four RGBA words become three RGB words: R0G0B0R1 G1B1R2G2 B2R3G3B3 (little-endian byte order).
  const groups = pixels >>> 2;
  for (let g = 0, i = 0, o = 0; g < groups; g++, i += 4, o += 3) {
    let p0 = words[i]!;
    let p1 = words[i + 1]!;
    let p2 = words[i + 2]!;
    let p3 = words[i + 3]!;
    if ((p0 & p1 & p2 & p3) >>> 24 !== 255) {
      p0 = over(p0, background);
      p1 = over(p1, background);
      p2 = over(p2, background);
      p3 = over(p3, background);
    }
    out[o] = (p0 & 0xffffff) | (p1 << 24);
    out[o + 1] = ((p1 >>> 8) & 0xffff) | (p2 << 16);
    out[o + 2] = ((p2 >>> 16) & 0xff) | (p3 << 8);
  }
  const bytes = Buffer.from(out.buffer, 0, pixels * 3);
  for (let i = groups * 4; i < pixels; i++) {
    const p = over(words[i]!, background);
    bytes[i * 3] = p & 0xff;
    bytes[i * 3 + 1] = (p >>> 8) & 0xff;
    bytes[i * 3 + 2] = (p >>> 16) & 0xff;
  }
  return bytes;
}

// Words are read and written in the platform's order; every platform Node ships for is little-endian.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
  throw new Error('colour.ts assumes a little-endian CPU');

/** The pixels as one word each (R in the low byte), copied only when the buffer is not 4-byte aligned. */
function wordsOf(data: Buffer, pixels: number): Uint32Array {
  if (data.byteOffset % 4 === 0) return new Uint32Array(data.buffer, data.byteOffset, pixels);
  return new Uint32Array(Uint8Array.from(data.subarray(0, pixels * 4)).buffer);
}

/** One RGBA word over an opaque background word; the result's alpha byte is meaningless. */
function over(p: number, background: number): number {
  const a = p >>> 24;
  if (a === 255) return p;
  if (a === 0) return background;
  const rest = 255 - a;
  const r = div255((p & 0xff) * a + (background & 0xff) * rest);
  const g = div255(((p >>> 8) & 0xff) * a + ((background >>> 8) & 0xff) * rest);
  const b = div255(((p >>> 16) & 0xff) * a + ((background >>> 16) & 0xff) * rest);
  return r | (g << 8) | (b << 16);
}

/** round(v / 255) for 0 ≤ v ≤ 255², without a division. */
function div255(v: number): number {
  const t = v + 128;
  return ((t >> 8) + t) >> 8;
}
