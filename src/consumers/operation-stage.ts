/**
 * An operation stage: reads the step's input artifact, runs the processor, writes the output artifact
 * under a deterministic key, records the step and emits the next step (or finalize).
 */
import type { BackgroundSource } from '../backgrounds/background-source.js';
import type { JobRepository } from '../db/job-repository.js';
import { MediaStudioError } from '../errors.js';
import type { ModelProvider } from '../models/model-provider.js';
import { decodeLossless, encodeLossless } from '../processors/codec.js';
import { getProcessor, parseParams } from '../processors/index.js';
import type { StageEvent } from '../schemas/events.js';
import type { OperationName } from '../schemas/vocabulary.js';
import { objectKeys } from '../storage/keys.js';
import { INTERMEDIATE_CACHE_CONTROL, type ObjectStore } from '../storage/object-store.js';
import type { Topology } from '../topology.js';
import { failStep } from './fail-step.js';
import { messageKey } from './processed-event.js';
import type { StageHandler } from './stage-handler.js';

export interface OperationStageDeps {
  readonly store: ObjectStore;
  readonly jobs: JobRepository;
  readonly topology: Topology;
  readonly maxSidePx: number;
  readonly models: ModelProvider;
  /** The remote background generator for generate_background, when one is configured. */
  readonly backgrounds?: BackgroundSource;
}

export function createOperationStage(
  operation: OperationName,
  deps: OperationStageDeps,
): StageHandler<StageEvent> {
  return {
    role: operation,

    async handle(event, { signal }) {
      const spec = event.plan[event.step];
      if (!spec || spec.type !== operation) {
        throw new MediaStudioError(
          'MS_INVALID_REQUEST',
          `step ${event.step} of job ${event.jobId} is not ${operation}`,
        );
      }
      const job = await deps.jobs.getJob(event.jobId);
      // A stale duplicate of a job that already finished: nothing to do.
      if (job && (job.status === 'completed' || job.status === 'failed'))
        return { messages: [], skipped: true };

      const processor = getProcessor(spec.type);
      const params = parseParams(processor, JSON.parse(spec.params));
      await deps.jobs.startStep(
        {
          jobId: event.jobId,
          step: event.step,
          operation,
          params: params as Record<string, unknown>,
          inputKey: event.inputKey,
        },
        event.plan.length,
      );
      const started = performance.now();
      const input = await decodeLossless(await deps.store.get(event.inputKey));
      const result = await processor.run(input, params, {
        signal,
        maxSidePx: deps.maxSidePx,
        models: deps.models,
        backgrounds: deps.backgrounds,
      });
      if (Math.max(result.image.width, result.image.height) > deps.maxSidePx) {
        throw new MediaStudioError(
          'MS_PIXEL_LIMIT',
          `${operation} produced ${result.image.width}×${result.image.height}, over ${deps.maxSidePx} px`,
        );
      }
      const outputKey = objectKeys.step(event, event.step, operation);
      await deps.store.put(outputKey, await encodeLossless(result.image), {
        contentType: 'image/png',
        cacheControl: INTERMEDIATE_CACHE_CONTROL,
      });
      await deps.jobs.completeStep(event.jobId, event.step, {
        outputKey,
        durationMs: Math.round(performance.now() - started),
        metadata: { ...result.metadata, width: result.image.width, height: result.image.height },
      });

      const step = event.step + 1;
      const nextSpec = event.plan[step];
      const topic = nextSpec
        ? deps.topology.stageTopic(nextSpec.type as OperationName)
        : deps.topology.finalize;
      return {
        messages: [
          {
            topic,
            key: messageKey(event),
            value: { ...event, step, inputKey: outputKey, emittedAt: Date.now() },
          },
        ],
      };
    },

    fail(event, error) {
      return failStep(deps, event, error, operation);
    },
  };
}
