/**
 * `resize`: scale the image to a box, four ways (the seed's fit, fill and stretch, plus pad).
 *
 * | mode      | output size                     | aspect kept | enlarges                    |
 * | --------- | ------------------------------- | ----------- | --------------------------- |
 * | `fit`     | inside width×height, not padded | yes         | only with `allow_enlarge`   |
 * | `fill`    | exactly width×height (cropped)  | yes         | yes, to cover the box       |
 * | `stretch` | exactly width×height            | no          | yes                         |
 * | `pad`     | exactly width×height (padded)   | yes         | only with `allow_enlarge`   |
 *
 * When only one side is given, the other follows the image's aspect ratio (as in the seed), so `fill`,
 * `stretch` and `pad` then behave like an aspect-preserving scale to that side. `fit` never enlarges by default
 * because the seed's fit is PIL's `thumbnail`, which never does, and upscaling by interpolation only blurs;
 * `pad` follows the same rule so a small product photo is centred on the canvas rather than blown up.
 */
import type { Sharp } from 'sharp';
import { z } from 'zod';
import { MediaStudioError, toMediaStudioError } from '../errors.js';
import { fromRaw, toRaw } from './codec.js';
import { colourSchema, parseColour } from './colour.js';
import { defineProcessor, type RawImage } from './types.js';

/** Largest side a resize may ask for; the worker's `maxSidePx` may be stricter. */
export const MAX_RESIZE_SIDE = 8192;

export const resizeModes = ['fit', 'fill', 'stretch', 'pad'] as const;
export type ResizeMode = (typeof resizeModes)[number];

/** Which part of the image `fill` keeps, as sharp gravities, or a sharp strategy that looks at the content. */
const fillPositions = {
  centre: 'centre',
  top: 'north',
  bottom: 'south',
  left: 'west',
  right: 'east',
  top_left: 'northwest',
  top_right: 'northeast',
  bottom_left: 'southwest',
  bottom_right: 'southeast',
  // sharp's smart crops: keep the region with the most luminance frequency, saturation and skin tones …
  attention: 'attention',
  // … or the most Shannon entropy.
  entropy: 'entropy',
} as const;
export type FillPosition = keyof typeof fillPositions;

const side = (which: 'width' | 'height') =>
  z
    .number()
    .int()
    .min(1)
    .max(MAX_RESIZE_SIDE)
    .optional()
    .describe(
      `Target ${which} in pixels, 1–${MAX_RESIZE_SIDE}. No default: when omitted it follows from the other side ` +
        'and the aspect ratio. At least one of width and height is required. Example: 800.',
    );

export const resizeParams = z
  .strictObject({
    width: side('width'),
    height: side('height'),
    mode: z
      .enum(resizeModes)
      .default('fit')
      .describe(
        'fit: inside the box keeping the aspect ratio, no padding; fill: cover the box and crop to exactly ' +
          'width×height; stretch: exactly width×height ignoring the aspect ratio; pad: fit inside and pad to ' +
          'exactly width×height with background_color. Default fit.',
      ),
    allow_enlarge: z
      .boolean()
      .default(false)
      .describe(
        'fit and pad only: scale images smaller than the box up (fill and stretch always reach the box). ' +
          'Default false: a small image keeps its size.',
      ),
    position: z
      .enum(Object.keys(fillPositions) as [FillPosition, ...FillPosition[]])
      .default('centre')
      .describe(
        'fill only: which part of the image to keep when cropping; attention and entropy pick the most ' +
          'interesting region. Default centre.',
      ),
    background_color: colourSchema({
      allowAlphaHex: true,
      defaultValue: '#ffffff',
      description: 'pad only: the colour of the padding. Example: #f5f5f5.',
    }),
  })
  .refine((p) => p.width !== undefined || p.height !== undefined, {
    message: 'at least one of width and height is required',
    path: ['width'],
  });
export type ResizeParams = z.output<typeof resizeParams>;

interface Size {
  readonly width: number;
  readonly height: number;
}

const atLeastOne = (n: number) => Math.max(1, Math.round(n));

/** The box the params ask for, the missing side following the image's aspect ratio. */
function targetBox(image: Size, p: ResizeParams): Size {
  if (p.width !== undefined && p.height !== undefined) return { width: p.width, height: p.height };
  if (p.width !== undefined)
    return { width: p.width, height: atLeastOne((image.height * p.width) / image.width) };
  const height = p.height ?? image.height;
  return { width: atLeastOne((image.width * height) / image.height), height };
}

/** The largest size with the image's aspect ratio inside the box, capped at the image's own size unless enlarging. */
function fitInside(image: Size, box: Size, allowEnlarge: boolean): Size {
  const scale = Math.min(box.width / image.width, box.height / image.height, allowEnlarge ? Infinity : 1);
  return {
    width: Math.min(box.width, atLeastOne(image.width * scale)),
    height: Math.min(box.height, atLeastOne(image.height * scale)),
  };
}

const sameSize = (a: Size, b: Size) => a.width === b.width && a.height === b.height;

/** Scales to `size` exactly; the input is returned untouched when it already has that size. */
function scaledTo(image: RawImage, size: Size, extra?: (pipeline: Sharp) => Sharp): Sharp | null {
  if (sameSize(image, size) && !extra) return null;
  let pipeline = fromRaw(image);
  if (!sameSize(image, size))
    pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
  return extra ? extra(pipeline) : pipeline;
}

export const resize = defineProcessor({
  name: 'resize',
  version: '1',
  params: resizeParams,
  async run(image, params, context) {
    context.signal?.throwIfAborted();
    const box = targetBox(image, params);
    const output = params.mode === 'fit' ? fitInside(image, box, params.allow_enlarge) : box;
    if (Math.max(output.width, output.height) > context.maxSidePx) {
      throw new MediaStudioError(
        'MS_INVALID_PARAMS',
        `resize to ${output.width}×${output.height} exceeds the longest side allowed, ${context.maxSidePx} px`,
        { details: { width: output.width, height: output.height, maxSidePx: context.maxSidePx } },
      );
    }

    let content: Size = output;
    let pipeline: Sharp | null;
    if (params.mode === 'fill') {
      pipeline = sameSize(image, box)
        ? null
        : fromRaw(image).resize(box.width, box.height, {
            fit: 'cover',
            position: fillPositions[params.position],
            kernel: 'lanczos3',
          });
    } else if (params.mode === 'pad') {
      content = fitInside(image, box, params.allow_enlarge);
      const left = Math.floor((box.width - content.width) / 2);
      const top = Math.floor((box.height - content.height) / 2);
      const padding = {
        left,
        top,
        right: box.width - content.width - left,
        bottom: box.height - content.height - top,
      };
      const padded = padding.left + padding.top + padding.right + padding.bottom > 0;
      const background = parseColour(params.background_color);
      pipeline = scaledTo(image, content, padded ? (p) => p.extend({ ...padding, background }) : undefined);
    } else {
      pipeline = scaledTo(image, output);
    }

    let result: RawImage = image;
    if (pipeline) {
      try {
        result = await toRaw(pipeline);
      } catch (err) {
        throw toMediaStudioError(err, 'MS_PROCESSING_FAILED');
      }
    }
    return {
      image: result,
      metadata: {
        mode: params.mode,
        source_width: image.width,
        source_height: image.height,
        width: result.width,
        height: result.height,
        // Whether the picture itself was scaled up (padding alone does not count).
        enlarged: content.width > image.width || content.height > image.height,
        ...(params.mode === 'pad' ? { content_width: content.width, content_height: content.height } : {}),
        ...(params.mode === 'fill' ? { position: params.position } : {}),
      },
    };
  },
});
