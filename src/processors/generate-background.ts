/**
 * `generate_background`: stand a cut-out product in a new scene — a studio sweep, a marble desk, a wooden
 * table, a living room, a garden — with a shadow of its own shape, or simply on white or transparent.
 *
 * **Input.** A cut-out: the product with transparency around it, as `remove_background` leaves it (or a
 * PNG with alpha). A fully opaque image has no product to stand anywhere; it fails with
 * MS_PROCESSING_FAILED ("needs a cut-out: run remove_background first") instead of pasting a rectangle
 * over a scene. The output keeps the input's size and is opaque (except with `transparent`).
 *
 * **Placement.** Scenes reframe the product: scaled to about three quarters of the height and stood
 * bottom-centred on the floor where the camera (`perspective`) puts it; a product already within 10% of
 * that size keeps its own pixels. `white` and `transparent` are plain fills that keep the framing.
 *
 * **Generators.** `openai` paints the scene with the OpenAI Images API (through `context.backgrounds`, the
 * only way a processor reaches the network); `offline` paints it procedurally, deterministically (seeded
 * from style, prompt, lighting and perspective); `auto` (default) uses OpenAI when a source is configured
 * and falls back to offline when none is, or when OpenAI refuses the request (MS_UPSTREAM_REJECTED). A
 * passing OpenAI failure (MS_UPSTREAM_UNAVAILABLE) is *not* papered over in `auto`: it is retried by the
 * stage runner, because a silent fallback during an outage would be recorded as the job's finished
 * render. `openai` without a configured source fails with MS_CONFIG_INVALID. The metadata says which
 * generator painted, the prompt, and why it fell back.
 */
import { z } from 'zod';
import { isMediaStudioError, MediaStudioError } from '../errors.js';
import { compose } from './backgrounds/composite.js';
import { readCustomPrompt } from './backgrounds/custom.js';
import { seedOf } from './backgrounds/noise.js';
import { type OfflineStyle, paintOffline } from './backgrounds/offline.js';
import { type Box, censusOf, inPlace, placeProduct, planPlacement } from './backgrounds/placement.js';
import { promptFor } from './backgrounds/prompts.js';
import { type Canvas, createCanvas } from './backgrounds/raster.js';
import { decodeBackground } from './backgrounds/remote.js';
import {
  type Camera,
  cameras,
  type Lighting,
  lightingPresets,
  lightings,
  perspectives,
} from './backgrounds/scene.js';
import { defineProcessor, type Metadata, type ProcessorContext } from './types.js';

export const backgroundStyles = [
  'white',
  'transparent',
  'marble_desk',
  'wooden_table',
  'living_room',
  'outdoor',
  'studio',
  'custom',
] as const;
export type BackgroundStyle = (typeof backgroundStyles)[number];

export const backgroundGenerators = ['auto', 'openai', 'offline'] as const;

export const generateBackgroundParams = z
  .strictObject({
    style: z
      .enum(backgroundStyles)
      .default('studio')
      .describe(
        'The scene. studio: seamless paper sweep; marble_desk, wooden_table, living_room, outdoor: lifestyle ' +
          'scenes; custom: described by custom_prompt; white and transparent: plain fills that keep the ' +
          'framing. Default studio.',
      ),
    custom_prompt: z
      .string()
      .trim()
      .min(3)
      .max(1000)
      .optional()
      .describe(
        'custom only, and required there: the scene in words, e.g. "a sunlit bathroom shelf with eucalyptus". ' +
          'Offline it is rendered as the closest scene (or a studio sweep in a colour it names).',
      ),
    lighting: z
      .enum(lightings)
      .default('soft')
      .describe(
        'soft: diffuse, gentle shadows; dramatic: one hard light, dark surroundings, long crisp shadow; ' +
          'natural: warm window daylight from the side. Default soft.',
      ),
    perspective: z
      .enum(perspectives)
      .default('front')
      .describe(
        'front: at table height, a low horizon behind the product; angle: from about 35° above, more surface; ' +
          'top-down: a flat lay, the surface filling the frame. Default front.',
      ),
    generator: z
      .enum(backgroundGenerators)
      .default('auto')
      .describe(
        'auto: OpenAI when OPENAI_API_KEY is set, else (or when OpenAI refuses the prompt) the offline ' +
          'generator; openai: OpenAI only; offline: the procedural generator only (deterministic, free). ' +
          'Default auto.',
      ),
    shadow: z
      .boolean()
      .default(true)
      .describe("Draw a shadow from the product's own shape where it stands. Default true."),
  })
  .refine((p) => p.style !== 'custom' || p.custom_prompt !== undefined, {
    message: 'custom_prompt is required with style custom',
    path: ['custom_prompt'],
  })
  .refine((p) => p.style === 'custom' || p.custom_prompt === undefined, {
    message: 'custom_prompt is only used with style custom',
    path: ['custom_prompt'],
  });
export type GenerateBackgroundParams = z.output<typeof generateBackgroundParams>;

/** The background a scene is composited on, and what the step reports about it. */
interface Backdrop {
  readonly canvas: Canvas;
  readonly generator: string;
  readonly reflectivity: number;
  /** We painted the light ourselves, so we know where the key light's shadow falls. */
  readonly knownLight: boolean;
  readonly metadata: Metadata;
}

export const generateBackground = defineProcessor({
  name: 'generate_background',
  version: '1',
  params: generateBackgroundParams,
  // A scene painted remotely differs from the offline one: adding OPENAI_API_KEY and replaying renders anew.
  pinnedEnvironment(params, environment) {
    const plainFill = params.style === 'white' || params.style === 'transparent';
    if (plainFill || params.generator === 'offline' || environment.backgrounds === null) return undefined;
    return { backgrounds: environment.backgrounds };
  },
  async run(image, params, context) {
    context.signal?.throwIfAborted();
    const census = censusOf(image);
    if (!census.hasTransparency) {
      throw new MediaStudioError(
        'MS_PROCESSING_FAILED',
        'generate_background needs a cut-out (an image with transparency): run remove_background first',
        { details: { reason: 'opaque_input' } },
      );
    }
    if (!census.box || !census.extent) {
      throw new MediaStudioError(
        'MS_PROCESSING_FAILED',
        'the cut-out is empty: no pixel is opaque enough to be a product',
        {
          details: { reason: 'empty_cutout' },
        },
      );
    }
    const common = { style: params.style, lighting: params.lighting, perspective: params.perspective };
    if (params.style === 'transparent') {
      return { image, metadata: { ...common, generator: 'none', changed: false } };
    }

    const { width, height } = image;
    const lighting = lightingPresets[params.lighting];
    const seed = seedOf(
      [params.style, params.custom_prompt ?? '', params.lighting, params.perspective].join('\u0000'),
    );
    const white = params.style === 'white';
    // White keeps the framing: its "floor" is wherever the product already stands.
    const camera = white ? { ...cameras.front, floorSquash: 0.12 } : cameras[params.perspective];
    const placement = white ? inPlace(census.box) : planPlacement(census.box, width, height, camera);
    const layer = white ? image : await placeProduct(image, census.extent, placement, width, height);
    context.signal?.throwIfAborted();

    const backdrop = white
      ? whiteBackdrop(width, height)
      : await sceneBackdrop(params, context, { width, height, seed, camera, lighting, box: placement.box });
    context.signal?.throwIfAborted();
    const result = compose({
      background: backdrop.canvas,
      layer,
      box: placement.box,
      camera,
      lighting,
      shadow: params.shadow,
      castShadow: backdrop.knownLight,
      reflectivity: backdrop.reflectivity,
      ditherSeed: seed,
    });
    return {
      image: result,
      metadata: {
        ...common,
        generator: backdrop.generator,
        ...backdrop.metadata,
        shadow: params.shadow,
        product_scale: Number(placement.scale.toFixed(4)),
        product_box: { ...placement.box },
      },
    };
  },
});

function whiteBackdrop(width: number, height: number): Backdrop {
  const canvas = createCanvas(width, height);
  canvas.r.fill(1);
  canvas.g.fill(1);
  canvas.b.fill(1);
  return { canvas, generator: 'fill', reflectivity: 0, knownLight: false, metadata: {} };
}

interface SceneRequest {
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  readonly camera: Camera;
  readonly lighting: Lighting;
  readonly box: Box;
}

async function sceneBackdrop(
  params: GenerateBackgroundParams,
  context: ProcessorContext,
  request: SceneRequest,
): Promise<Backdrop> {
  const style = params.style as OfflineStyle | 'custom';
  const prompt = promptFor({
    style,
    customPrompt: params.custom_prompt,
    lighting: params.lighting,
    perspective: params.perspective,
  });
  let fallback: string | undefined;
  if (params.generator !== 'offline') {
    const source = context.backgrounds;
    let bytes: Buffer | undefined;
    try {
      bytes = await source?.generate(
        { prompt, width: request.width, height: request.height, style: params.style },
        context.signal,
      );
    } catch (err) {
      const refused = isMediaStudioError(err) && err.code === 'MS_UPSTREAM_REJECTED';
      if (params.generator === 'openai' || !refused) throw err;
      fallback = `${source?.name ?? 'the remote generator'} refused the request: ${err.message}`;
    }
    if (bytes && source) {
      const canvas = await decodeBackground(bytes, request.width, request.height, source.name);
      return { canvas, generator: source.name, reflectivity: 0, knownLight: false, metadata: { prompt } };
    }
    if (!fallback) {
      if (params.generator === 'openai') {
        throw new MediaStudioError(
          'MS_CONFIG_INVALID',
          'generate_background with generator openai needs OPENAI_API_KEY; use auto or offline without it',
        );
      }
      fallback = 'no remote generator configured (OPENAI_API_KEY is not set)';
    }
  }

  const reading = style === 'custom' ? readCustomPrompt(params.custom_prompt ?? '') : undefined;
  const scene = paintOffline(
    reading?.style ?? (style as OfflineStyle),
    request.width,
    request.height,
    { camera: request.camera, lighting: request.lighting, seed: request.seed, product: request.box },
    reading?.paper ? { paper: reading.paper } : {},
  );
  const metadata: Metadata = { seed: request.seed.toString(16).padStart(8, '0') };
  if (reading) {
    metadata.offline_style = reading.style;
    if (reading.paperColour) metadata.paper_colour = reading.paperColour;
  }
  if (fallback) {
    metadata.fallback_reason = fallback;
    metadata.prompt = prompt;
  }
  return {
    canvas: scene.canvas,
    generator: 'offline',
    reflectivity: scene.traits.reflectivity,
    knownLight: true,
    metadata,
  };
}
