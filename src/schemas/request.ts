/**
 * The semantic rules of a processing request, beyond what Avro can say: ids safe for object keys, a
 * bounded plan, a quality in range. One zod schema serves the HTTP API (the seed's snake_case body) and
 * ingest (which re-checks every event, whoever produced it).
 */
import { z } from 'zod';
import { imageFormats, operationNames } from './vocabulary.js';

export const MAX_OPERATIONS = 20;

const id = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    'letters, digits, dot, dash and underscore, at most 128, not starting with a symbol',
  )
  .refine((v) => !v.includes('..'), 'must not contain ".."');

export const operationInput = z.object({
  type: z.enum(operationNames).describe('operation name'),
  params: z.record(z.string(), z.unknown()).default({}).describe("the operation's params; see its schema"),
});

/** The seed's ProcessImageRequest. */
export const processImageRequest = z
  .object({
    image_url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .describe('http(s) URL of the source image'),
    operations: z.array(operationInput).max(MAX_OPERATIONS).default([]).describe('applied in order'),
    output_format: z.enum(imageFormats).default('jpeg'),
    output_quality: z.number().int().min(1).max(100).default(90),
    generate_sizes: z
      .boolean()
      .default(true)
      .describe('also write thumbnail (200), medium (800) and large (1600)'),
  })
  .strict();

/** The seed's ProcessRequest: one image of one product of one store. */
export const processRequestBody = z
  .object({
    store_id: id,
    product_id: id,
    request_id: id.optional().describe('idempotency key; generated when absent'),
    request: processImageRequest,
  })
  .strict();
export type ProcessRequestBody = z.output<typeof processRequestBody>;

export const batchRequestBody = z
  .object({
    store_id: id,
    images: z
      .array(processImageRequest.extend({ product_id: id, request_id: id.optional() }).strict())
      .min(1)
      .max(500),
  })
  .strict();
export type BatchRequestBody = z.output<typeof batchRequestBody>;

/** Checks on a `product.images.requested` event that decoded fine but may still be nonsense. */
export const requestedEventRules = z.object({
  requestId: id,
  storeId: id,
  productId: id,
  imageUrl: z.string().min(1).max(2048),
  operations: z.array(z.object({ type: z.string(), params: z.string().max(64 * 1024) })).max(MAX_OPERATIONS),
  output: z.object({
    format: z.enum(imageFormats),
    quality: z.number().int().min(1).max(100),
    generateSizes: z.boolean(),
  }),
});
