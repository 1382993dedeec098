/**
 * The processor contract. A processor is pure: pixels and params in, pixels and metadata out; no network,
 * disk, Kafka or database. The same processors run in the stream processor's stages and in
 * `media-studio process`, so what one runs the other runs.
 */
import type { z } from 'zod';
import type { BackgroundSource } from '../backgrounds/background-source.js';
import type { ModelProvider } from '../models/model-provider.js';
import type { OperationName } from '../schemas/vocabulary.js';

/** Decoded pixels: always 8-bit sRGB RGBA, row-major, no padding (`data.length === width * height * 4`). */
export interface RawImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 4;
}

/** JSON-serialisable metadata a processor reports (recorded on the job step). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Metadata = Record<string, JsonValue>;

export interface ProcessorResult {
  readonly image: RawImage;
  readonly metadata: Metadata;
}

/**
 * What a processor may be handed besides pixels: loaded models, injected capabilities and a cancellation
 * signal. A processor never does I/O itself; a capability such as `backgrounds` does it on its behalf.
 */
export interface ProcessorContext {
  readonly signal?: AbortSignal;
  /** Limits the output may not exceed (longest side), so an operation cannot blow up memory downstream. */
  readonly maxSidePx: number;
  /** ONNX sessions for processors that run models; absent where no model is available. */
  readonly models?: ModelProvider;
  /** A remote background generator (OpenAI) for generate_background; absent when none is configured. */
  readonly backgrounds?: BackgroundSource;
}

/** What a deployment offers that can change an operation's output (names only, no secrets). */
export interface PipelineEnvironment {
  /** The configured remote background generator, e.g. `openai:gpt-image-1`; null when none is. */
  readonly backgrounds: string | null;
}

export interface Processor<S extends z.ZodType = z.ZodType> {
  readonly name: OperationName;
  /**
   * Changes whenever the output for the same input and params changes (algorithm or model version).
   * It is part of the pipeline version, so a replay after a change renders anew instead of reusing.
   */
  readonly version: string;
  /** The params schema: every field described and defaulted; unknown keys are rejected. */
  readonly params: S;
  /**
   * What besides the params and `version` decides this operation's output in this deployment, pinned in
   * the pipeline version: e.g. which remote generator `auto` would use. Absent: nothing does.
   */
  pinnedEnvironment?(params: z.output<S>, environment: PipelineEnvironment): JsonValue | undefined;
  run(image: RawImage, params: z.output<S>, context: ProcessorContext): Promise<ProcessorResult>;
}

/** Helps a processor module declare itself with its params type inferred. */
export function defineProcessor<S extends z.ZodType>(processor: Processor<S>): Processor<S> {
  return processor;
}
