/**
 * A remote background generator, handed to processors through `ProcessorContext.backgrounds` so that the
 * processors stay pure: the network call lives here, the pixels stay in `src/processors`. A source returns
 * the encoded image exactly as the service sent it; `generate_background` decodes, fits and composites it.
 */

export interface BackgroundRequest {
  /** The scene to paint, in words; it asks for an empty surface where the product will be placed. */
  readonly prompt: string;
  /** The size of the canvas the background will cover; a source picks the nearest size it can render. */
  readonly width: number;
  readonly height: number;
  /** The `generate_background` style the prompt was built from (for logs and metrics). */
  readonly style: string;
}

export interface BackgroundSource {
  /** Who renders, as recorded in step metadata, e.g. `openai:gpt-image-1`. */
  readonly name: string;
  /**
   * An encoded image (PNG, JPEG or WebP bytes) of the requested scene, or undefined when no remote
   * generator is configured. Failures throw a MediaStudioError: MS_UPSTREAM_UNAVAILABLE (retriable: rate
   * limits, server errors, network, timeouts) or MS_UPSTREAM_REJECTED (permanent: refused prompt, bad key).
   */
  generate(request: BackgroundRequest, signal?: AbortSignal): Promise<Buffer | undefined>;
}
