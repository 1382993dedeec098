import { describe, expect, it } from 'vitest';
import type { BackgroundRequest, BackgroundSource } from '../../src/backgrounds/background-source.js';
import { MediaStudioError } from '../../src/errors.js';
import { encodeLossless } from '../../src/processors/codec.js';
import {
  type BackgroundStyle,
  generateBackground,
  generateBackgroundParams,
} from '../../src/processors/generate-background.js';
import type { ProcessorContext, RawImage } from '../../src/processors/types.js';
import { meanAbsDiff, pixelAt } from '../helpers/image-similarity.js';
import { paint, solid } from '../helpers/synthetic-images.js';

const context: ProcessorContext = { maxSidePx: 10_000 };
const run = (image: RawImage, params: unknown, ctx: ProcessorContext = context) =>
  generateBackground.run(image, generateBackgroundParams.parse(params), ctx);

interface ProductBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A cut-out "bottle" as remove_background leaves it: an opaque rounded body whose colour varies with
 * position (so a misplaced copy is caught), a 2-pixel soft edge, transparent elsewhere (hidden colour green,
 * to catch code that lets it bleed through).
 */
function bottle(width: number, height: number, box: ProductBox): RawImage {
  const cx = box.left + box.width / 2;
  const radius = box.width / 2;
  return paint(width, height, (x, y) => {
    const px = x + 0.5;
    const py = y + 0.5;
    // Distance outside the shape: a rectangle whose top is a half-disc (the shoulder).
    const shoulderY = box.top + radius;
    const inside =
      py < shoulderY
        ? radius - Math.hypot(px - cx, py - shoulderY)
        : Math.min(px - box.left, box.left + box.width - px, box.top + box.height - py);
    if (inside <= 0) return [0, 255, 0, 0];
    const colour: [number, number, number] = [
      60 + Math.round((120 * (x - box.left)) / box.width),
      40 + Math.round((150 * (y - box.top)) / box.height),
      200,
    ];
    return [...colour, inside >= 2 ? 255 : Math.round(127 * inside)];
  });
}

const luminance = (p: number[]) => 0.2126 * p[0]! + 0.7152 * p[1]! + 0.0722 * p[2]!;

function meanLuminance(image: RawImage, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++, n++) sum += luminance(pixelAt(image, x, y));
  return sum / n;
}

/** Standard deviation of luminance over the pixels outside `box`: how much the background varies. */
function backgroundSpread(image: RawImage, box: ProductBox): number {
  const values: number[] = [];
  for (let y = 0; y < image.height; y += 2) {
    for (let x = 0; x < image.width; x += 2) {
      const inBox = x >= box.left && x < box.left + box.width && y >= box.top && y < box.top + box.height;
      if (!inBox) values.push(luminance(pixelAt(image, x, y)));
    }
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

// 240×200 with a 60×150 product: 150 / 200 is exactly the 75% scenes scale to, so the product keeps its
// own pixels and every one of them can be checked.
const W = 240;
const H = 200;
const SOURCE_BOX = { left: 20, top: 10, width: 60, height: 150 };
const product = bottle(W, H, SOURCE_BOX);

const scenes = ['studio', 'marble_desk', 'wooden_table', 'living_room', 'outdoor'] as const;

describe('generate_background offline', () => {
  it('renders the same pixels for the same request', async () => {
    const a = await run(product, { style: 'marble_desk', lighting: 'natural', generator: 'offline' });
    const b = await run(product, { style: 'marble_desk', lighting: 'natural', generator: 'offline' });
    expect(a.image.data.equals(b.image.data)).toBe(true);
    expect(a.metadata.seed).toBe(b.metadata.seed);
    const c = await run(product, { style: 'marble_desk', lighting: 'soft', generator: 'offline' });
    expect(meanAbsDiff(a.image, c.image)).toBeGreaterThan(1);
  });

  it.each(scenes)(
    '%s: keeps every fully opaque product pixel, stands it bottom-centred, output opaque',
    async (style) => {
      const { image, metadata } = await run(product, { style, generator: 'offline' });
      expect([image.width, image.height]).toEqual([W, H]);
      expect(metadata.product_scale).toBe(1);
      const box = metadata.product_box as unknown as ProductBox;
      expect(box.height).toBe(SOURCE_BOX.height);
      // Centred across, standing on the camera's floor line (front: 88.5% of the height).
      expect(Math.abs(box.left + box.width / 2 - W / 2)).toBeLessThanOrEqual(1);
      expect(box.top + box.height).toBe(Math.round(0.885 * H));
      let checked = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const source = pixelAt(product, x, y);
          if (source[3] !== 255) continue;
          const out = pixelAt(image, x - SOURCE_BOX.left + box.left, y - SOURCE_BOX.top + box.top);
          expect(out).toEqual([source[0], source[1], source[2], 255]);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(5000);
      for (let i = 3; i < image.data.length; i += 4) expect(image.data[i]).toBe(255);
    },
  );

  it.each(
    scenes.flatMap((style) =>
      (['front', 'angle', 'top-down'] as const).map((perspective) => [style, perspective]),
    ),
  )('%s (%s) paints a background that is not a flat fill', async (style, perspective) => {
    const { image, metadata } = await run(product, { style, perspective, generator: 'offline' });
    expect(metadata).toMatchObject({ generator: 'offline', style, perspective });
    expect(backgroundSpread(image, metadata.product_box as unknown as ProductBox)).toBeGreaterThan(2);
  });

  it('paints each scene differently', async () => {
    const images = await Promise.all(scenes.map((style) => run(product, { style, generator: 'offline' })));
    for (let i = 0; i < images.length; i++) {
      for (let j = i + 1; j < images.length; j++) {
        expect(
          meanAbsDiff(images[i]!.image, images[j]!.image),
          `${scenes[i]} vs ${scenes[j]}`,
        ).toBeGreaterThan(4);
      }
    }
  });

  it.each(['front', 'angle', 'top-down'] as const)(
    '%s: the shadow darkens the floor just below the product',
    async (perspective) => {
      const params = { style: 'studio', perspective, generator: 'offline' };
      const lit = await run(product, { ...params, shadow: false });
      const shaded = await run(product, { ...params, shadow: true });
      const box = shaded.metadata.product_box as unknown as ProductBox;
      const base = box.top + box.height;
      const band = [box.left + 5, base + 1, box.left + box.width - 5, base + 5] as const;
      const drop = meanLuminance(lit.image, ...band) - meanLuminance(shaded.image, ...band);
      expect(drop).toBeGreaterThan(perspective === 'top-down' ? 4 : 15);
      // … and leaves the far corners alone.
      expect(
        Math.abs(meanLuminance(lit.image, 0, 0, 10, 10) - meanLuminance(shaded.image, 0, 0, 10, 10)),
      ).toBeLessThan(1);
    },
  );

  it('dramatic light is darker and moodier than soft', async () => {
    const soft = await run(product, { style: 'studio', lighting: 'soft', generator: 'offline' });
    const dramatic = await run(product, { style: 'studio', lighting: 'dramatic', generator: 'offline' });
    expect(meanLuminance(dramatic.image, 0, 0, 30, 30)).toBeLessThan(
      meanLuminance(soft.image, 0, 0, 30, 30) - 60,
    );
  });

  it('scales a small product up to about three quarters of the height', async () => {
    const small = bottle(W, H, { left: 100, top: 40, width: 24, height: 60 });
    const { image, metadata } = await run(small, { style: 'studio', generator: 'offline' });
    const box = metadata.product_box as unknown as ProductBox;
    expect(metadata.product_scale).toBeCloseTo(2.5, 1);
    expect(box.height).toBe(150);
    // The middle of the scaled product is its colour, not the background's.
    const middle = pixelAt(image, box.left + box.width / 2, box.top + box.height / 2);
    expect(middle[2]).toBeGreaterThan(190);
  });

  it('reads a custom prompt for the closest scene, or a paper colour', async () => {
    const wood = await run(product, {
      style: 'custom',
      custom_prompt: 'a rustic oak farmhouse table',
      generator: 'offline',
    });
    expect(wood.metadata).toMatchObject({ generator: 'offline', offline_style: 'wooden_table' });
    const pink = await run(product, {
      style: 'custom',
      custom_prompt: 'a pastel pink backdrop',
      generator: 'offline',
    });
    expect(pink.metadata).toMatchObject({ offline_style: 'studio', paper_colour: '#f2d4d7' });
    const corner = pixelAt(pink.image, W - 20, 20);
    expect(corner[0]!).toBeGreaterThan(corner[1]! + 10);
  });

  it('says why it painted offline', async () => {
    const auto = await run(product, { style: 'outdoor' });
    expect(auto.metadata).toMatchObject({ generator: 'offline' });
    expect(auto.metadata.fallback_reason).toMatch(/OPENAI_API_KEY/);
    expect(auto.metadata.prompt).toMatch(/outdoor/);
    const offline = await run(product, { style: 'outdoor', generator: 'offline' });
    expect(offline.metadata.fallback_reason).toBeUndefined();
  });
});

describe('generate_background fills', () => {
  it('white: the product where it was on white, a contact shadow under it', async () => {
    const { image, metadata } = await run(product, { style: 'white' });
    expect(metadata).toMatchObject({ generator: 'fill', product_scale: 1, product_box: SOURCE_BOX });
    expect(pixelAt(image, W - 5, 5)).toEqual([255, 255, 255, 255]);
    expect(pixelAt(image, 50, 100)).toEqual(pixelAt(product, 50, 100));
    const base = SOURCE_BOX.top + SOURCE_BOX.height;
    expect(meanLuminance(image, 30, base + 1, 70, base + 4)).toBeLessThan(235);
    const flat = await run(product, { style: 'white', shadow: false });
    expect(meanLuminance(flat.image, 30, base + 1, 70, base + 4)).toBeGreaterThan(254);
  });

  it('transparent: the cut-out unchanged', async () => {
    const { image, metadata } = await run(product, { style: 'transparent' });
    expect(image).toBe(product);
    expect(metadata).toMatchObject({ generator: 'none', changed: false });
  });
});

describe('generate_background input', () => {
  it('refuses an opaque image: there is no cut-out to stand in a scene', async () => {
    const opaque = solid(40, 30, [10, 20, 30, 255]);
    await expect(run(opaque, {})).rejects.toMatchObject({
      code: 'MS_PROCESSING_FAILED',
      message: expect.stringMatching(/remove_background/),
    });
  });

  it('refuses a cut-out with nothing in it', async () => {
    await expect(run(solid(40, 30, [0, 0, 0, 0]), {})).rejects.toMatchObject({
      code: 'MS_PROCESSING_FAILED',
    });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(run(product, {}, { ...context, signal: controller.signal })).rejects.toThrow(
      'shutting down',
    );
  });
});

describe('generate_background params', () => {
  it('defaults to a soft studio shot from the front, auto generator, with a shadow', () => {
    expect(generateBackgroundParams.parse({})).toEqual({
      style: 'studio',
      lighting: 'soft',
      perspective: 'front',
      generator: 'auto',
      shadow: true,
    });
  });

  it.each([
    ['custom without a prompt', { style: 'custom' }],
    ['a prompt without custom', { style: 'studio', custom_prompt: 'a beach' }],
    ['an unknown style', { style: 'beach' }],
    ['an unknown lighting', { lighting: 'neon' }],
    ['an unknown perspective', { perspective: 'side' }],
    ['an unknown generator', { generator: 'dall-e' }],
    ['an unknown key', { style: 'studio', colour: '#fff' }],
  ])('rejects %s', (_, params) => {
    expect(generateBackgroundParams.safeParse(params).success).toBe(false);
  });
});

/** A background source that serves one solid colour, or fails as told. */
function stubSource(behaviour: {
  colour?: [number, number, number];
  fail?: MediaStudioError;
}): BackgroundSource & {
  requests: BackgroundRequest[];
} {
  const requests: BackgroundRequest[] = [];
  return {
    name: 'openai:stub',
    requests,
    async generate(request) {
      requests.push(request);
      if (behaviour.fail) throw behaviour.fail;
      const [r, g, b] = behaviour.colour ?? [0, 128, 128];
      return encodeLossless(solid(64, 64, [r, g, b, 255]));
    },
  };
}

describe('generate_background with a remote source', () => {
  it('auto composites the product onto the generated image', async () => {
    const source = stubSource({ colour: [0, 128, 128] });
    const { image, metadata } = await run(
      product,
      { style: 'living_room', lighting: 'natural' },
      { ...context, backgrounds: source },
    );
    expect(metadata).toMatchObject({ generator: 'openai:stub', style: 'living_room' });
    expect(metadata.prompt).toMatch(/living room/);
    expect(source.requests).toEqual([{ prompt: metadata.prompt, width: W, height: H, style: 'living_room' }]);
    // The served colour away from the product (the remote path draws no vignette or cast shadow) …
    for (const [x, y] of [
      [2, 2],
      [W - 3, 2],
      [2, H - 3],
      [W - 3, H - 3],
    ] as const) {
      const p = pixelAt(image, x, y);
      expect(Math.abs(p[0]! - 0) + Math.abs(p[1]! - 128) + Math.abs(p[2]! - 128)).toBeLessThanOrEqual(3);
    }
    // … and the product on top, unchanged.
    const box = metadata.product_box as unknown as ProductBox;
    expect(pixelAt(image, box.left + 30, box.top + 100)).toEqual(
      pixelAt(product, SOURCE_BOX.left + 30, SOURCE_BOX.top + 100),
    );
  });

  it('auto falls back to offline when the prompt is refused, and says so', async () => {
    const source = stubSource({ fail: new MediaStudioError('MS_UPSTREAM_REJECTED', 'content policy') });
    const { metadata } = await run(
      product,
      { style: 'custom', custom_prompt: 'a marble bathroom' },
      { ...context, backgrounds: source },
    );
    expect(metadata).toMatchObject({ generator: 'offline', offline_style: 'marble_desk' });
    expect(metadata.fallback_reason).toMatch(/openai:stub refused the request: content policy/);
  });

  it('auto does not hide a passing failure: it is retried, not painted over', async () => {
    const source = stubSource({ fail: new MediaStudioError('MS_UPSTREAM_UNAVAILABLE', '429') });
    await expect(run(product, {}, { ...context, backgrounds: source })).rejects.toMatchObject({
      code: 'MS_UPSTREAM_UNAVAILABLE',
      retriable: true,
    });
  });

  it('openai insists: a refusal fails the step, and no source is a configuration error', async () => {
    const source = stubSource({ fail: new MediaStudioError('MS_UPSTREAM_REJECTED', 'content policy') });
    await expect(
      run(product, { generator: 'openai' }, { ...context, backgrounds: source }),
    ).rejects.toMatchObject({
      code: 'MS_UPSTREAM_REJECTED',
    });
    await expect(run(product, { generator: 'openai' })).rejects.toMatchObject({ code: 'MS_CONFIG_INVALID' });
  });

  it('offline never asks the source, and white and transparent never need one', async () => {
    const source = stubSource({});
    for (const style of ['studio', 'white', 'transparent'] satisfies BackgroundStyle[]) {
      await run(
        product,
        { style, generator: style === 'studio' ? 'offline' : 'openai' },
        { ...context, backgrounds: source },
      );
    }
    expect(source.requests).toEqual([]);
  });

  it('counts a background that does not decode as a passing upstream failure', async () => {
    const garbage: BackgroundSource = {
      name: 'openai:stub',
      generate: async () => Buffer.from('not an image'),
    };
    await expect(run(product, {}, { ...context, backgrounds: garbage })).rejects.toMatchObject({
      code: 'MS_UPSTREAM_UNAVAILABLE',
    });
  });
});
