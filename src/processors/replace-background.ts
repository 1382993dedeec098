/**
 * `replace_background`: put the image over a solid colour. It is meant to follow `remove_background`, whose
 * alpha marks the background: where alpha is 0 the colour shows, where it is 255 the subject stays, and soft
 * edges blend. On an opaque image there is nothing to replace and the step is a no-op, reported as
 * `had_alpha: false` so a user can see that the plan lacks a `remove_background` before it.
 *
 * The blend is the standard "over" in sRGB values, the same arithmetic as Pillow's `paste` with a mask and as
 * the white flattening that finalize does for JPEG, so a white replace_background and a JPEG output agree.
 * (Blending in linear light would be physically truer, but mattes from segmentation models are made and
 * judged against sRGB composites, and the edges would then differ from finalize's flattening.)
 */
import { z } from 'zod';
import { colourSchema, flattenOnto, parseColour, TRANSPARENT } from './colour.js';
import { defineProcessor, type RawImage } from './types.js';

export const replaceBackgroundParams = z.strictObject({
  color: colourSchema({
    allowAlphaHex: false,
    defaultValue: '#ffffff',
    description:
      'The new background. transparent keeps the alpha as it is (the step then changes nothing). Example: #f0f0f0.',
  }),
});
export type ReplaceBackgroundParams = z.output<typeof replaceBackgroundParams>;

interface AlphaCensus {
  /** Pixels with alpha below 255. */
  readonly translucent: number;
  readonly total: number;
}

function countTranslucent(image: RawImage): AlphaCensus {
  const d = image.data;
  let translucent = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) translucent++;
  return { translucent, total: image.width * image.height };
}

export const replaceBackground = defineProcessor({
  name: 'replace_background',
  version: '1',
  params: replaceBackgroundParams,
  async run(image, params, context) {
    context.signal?.throwIfAborted();
    const { translucent, total } = countTranslucent(image);
    const hadAlpha = translucent > 0;
    const keepAlpha = params.color === TRANSPARENT;
    let result = image;
    if (hadAlpha && !keepAlpha) {
      const data = flattenOnto(image, parseColour(params.color), 4);
      result = { data, width: image.width, height: image.height, channels: 4 };
    }
    return {
      image: result,
      metadata: {
        color: params.color,
        had_alpha: hadAlpha,
        // Share of pixels that were not fully opaque, i.e. how much of the image the new background touches.
        translucent_ratio: Number((translucent / Math.max(1, total)).toFixed(4)),
        changed: result !== image,
      },
    };
  },
});
