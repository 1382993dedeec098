/**
 * The words sent to an image model. The scenes are the seed's (Task 8's BACKGROUND_PROMPTS), rewritten to
 * ask for the scene *without* a product: we composite the real product ourselves, so the model must leave
 * the surface empty rather than invent an object of its own. Lighting and perspective add their phrases,
 * so the generated light and camera match the shadow and placement we draw.
 */
import type { LightingName, Perspective } from './scene.js';

export const scenePrompts = {
  marble_desk:
    'Product photography background: an empty elegant white marble desk surface, soft natural lighting from a ' +
    'window, minimalist style, clean aesthetic',
  wooden_table:
    'Product photography background: an empty rustic wooden table surface, warm natural lighting, cozy ' +
    'atmosphere, lifestyle photography, shallow depth of field',
  living_room:
    'Product photography background: an empty table top in a modern minimalist living room setting, neutral ' +
    'colors, soft ambient lighting, lifestyle photography, blurred background',
  outdoor:
    'Product photography background: an empty garden table in a bright outdoor setting, natural daylight, ' +
    'garden or patio background, fresh and vibrant atmosphere, lifestyle photography',
  studio:
    'Product photography background: an empty clean white studio paper sweep, professional lighting setup, ' +
    'soft shadows, commercial product photography',
} as const;
export type SceneStyle = keyof typeof scenePrompts;

const lightingWords: Readonly<Record<LightingName, string>> = {
  soft: 'soft diffused lighting',
  dramatic: 'dramatic directional lighting with deep shadows',
  natural: 'natural daylight from the side',
};

const perspectiveWords: Readonly<Record<Perspective, string>> = {
  front: 'eye-level view from the front at table height, the surface filling the lower third',
  angle: 'seen from a 35-degree elevated angle, the surface filling the lower two thirds',
  'top-down': 'flat lay photographed straight from above, the surface filling the frame',
};

const EMPTY =
  'Leave the centre of the surface empty for a product to be placed; no products, objects, people, text or ' +
  'logos in the foreground. Photorealistic, high quality.';

export interface PromptParams {
  readonly style: SceneStyle | 'custom';
  readonly customPrompt?: string | undefined;
  readonly lighting: LightingName;
  readonly perspective: Perspective;
}

export function promptFor({ style, customPrompt, lighting, perspective }: PromptParams): string {
  const scene =
    style === 'custom' ? `Product photography background: ${customPrompt ?? ''}` : scenePrompts[style];
  return `${scene}, ${lightingWords[lighting]}, ${perspectiveWords[perspective]}. ${EMPTY}`;
}
