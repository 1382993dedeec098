/**
 * Finalize: encodes the requested format once (and the size variants), uploads each with its content
 * type and cache headers, records every output with its real size and checksum, completes the job and
 * publishes `product.images.processed`.
 */
import { createHash } from 'node:crypto';
import type { JobRepository } from '../db/job-repository.js';
import { decodeLossless } from '../processors/codec.js';
import { encodeOutputs } from '../processors/encode-output.js';
import type { StageEvent, VariantRecord } from '../schemas/events.js';
import { objectKeys } from '../storage/keys.js';
import { IMMUTABLE_CACHE_CONTROL, type ObjectStore } from '../storage/object-store.js';
import type { Topology } from '../topology.js';
import { failStep } from './fail-step.js';
import { completedEvent, messageKey } from './processed-event.js';
import type { StageHandler } from './stage-handler.js';

export interface FinalizeDeps {
  readonly store: ObjectStore;
  readonly jobs: JobRepository;
  readonly topology: Topology;
}

export function createFinalize(deps: FinalizeDeps): StageHandler<StageEvent> {
  return {
    role: 'finalize',

    async handle(event) {
      const job = await deps.jobs.getJob(event.jobId);
      if (job && job.status === 'failed') return { messages: [], skipped: true };
      await deps.jobs.startStep(
        {
          jobId: event.jobId,
          step: event.step,
          operation: 'finalize',
          params: { ...event.output },
          inputKey: event.inputKey,
        },
        event.plan.length,
      );
      const started = performance.now();
      const image = await decodeLossless(await deps.store.get(event.inputKey));
      const encoded = await encodeOutputs(image, event.output);
      const variants: VariantRecord[] = [];
      for (const v of encoded) {
        const key = objectKeys.output(event, v.name, v.extension);
        await deps.store.put(key, v.data, {
          contentType: v.contentType,
          cacheControl: IMMUTABLE_CACHE_CONTROL,
        });
        variants.push({
          name: v.name,
          url: deps.store.publicUrl(key),
          key,
          width: v.width,
          height: v.height,
          bytes: v.data.length,
          format: v.format,
          checksum: createHash('sha256').update(v.data).digest('hex'),
        });
      }
      await deps.jobs.completeStep(event.jobId, event.step, {
        outputKey: variants[0]?.key ?? '',
        durationMs: Math.round(performance.now() - started),
        metadata: { variants: variants.map((v) => v.name) },
      });
      await deps.jobs.completeJob(
        event.jobId,
        variants.map((v) => ({ jobId: event.jobId, variant: v.name, ...v })),
      );
      return {
        messages: [
          {
            topic: deps.topology.processed,
            key: messageKey(event),
            value: completedEvent(
              event,
              event.plan.map((o) => o.type),
              variants,
            ),
          },
        ],
        finished: 'completed',
      };
    },

    fail(event, error) {
      return failStep(deps, event, error, 'finalize');
    },
  };
}
