import type { Config } from '../config.js';
import { int8DotProducts } from './cpu-features.js';
import { OnnxModelProvider } from './model-provider.js';
import { ModelStore } from './model-store.js';

/** The provider a process uses: one cache, one session per model. */
export function createModelProvider(config: Config, log?: (message: string) => void): OnnxModelProvider {
  const overrides = Object.fromEntries(
    config.MODEL_PATHS.map((pair) => {
      const eq = pair.indexOf('=');
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
  const store = new ModelStore({
    cacheDir: config.MODEL_CACHE_DIR,
    npmRegistryUrl: config.MODEL_REGISTRY_URL,
    overrides,
    ...(log ? { log } : {}),
  });
  const precision =
    config.MODEL_PRECISION === 'auto' ? (int8DotProducts() ? 'int8' : 'fp32') : config.MODEL_PRECISION;
  return new OnnxModelProvider(store, { intraOpThreads: config.MODEL_THREADS, precision });
}
