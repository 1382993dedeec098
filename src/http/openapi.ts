/** The OpenAPI document of the REST API, generated from the same zod schemas the handlers validate with. */
import { z } from 'zod';
import { batchRequestBody, processRequestBody } from '../schemas/request.js';
import { jobStatuses } from '../schemas/vocabulary.js';

const error = z.object({ code: z.string(), message: z.string() });
const accepted = z.object({ job_id: z.string(), request_id: z.string(), status: z.enum(jobStatuses) });
const jobView = z.object({
  id: z.string(),
  request_id: z.string(),
  store_id: z.string(),
  product_id: z.string(),
  status: z.enum(jobStatuses),
  progress: z.number().int().min(0).max(100),
  current_step: z.number().int(),
  current_operation: z.string().nullable(),
  pipeline_version: z.string(),
  outputs: z.array(
    z.object({
      name: z.string(),
      url: z.string(),
      width: z.number(),
      height: z.number(),
      size_bytes: z.number(),
      format: z.string(),
      checksum: z.string(),
    }),
  ),
  error: error.nullable(),
  created_at: z.string(),
  processed_on: z.string().nullable(),
  finished_on: z.string().nullable(),
});
export type JobView = z.input<typeof jobView>;

const json = (schema: z.ZodType) => ({
  'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
});

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Media Studio', version, description: 'Product image processing over Kafka.' },
    paths: {
      '/health': { get: { summary: 'Liveness', responses: { 200: { description: 'alive' } } } },
      '/ready': {
        get: {
          summary: 'Readiness: Kafka, schema registry, Postgres and S3 answer',
          responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } },
      },
      '/api/v1/images/process': {
        post: {
          summary: 'Queue one image for processing',
          requestBody: { required: true, content: json(processRequestBody) },
          responses: {
            202: { description: 'queued', content: json(accepted) },
            400: { description: 'invalid', content: json(error) },
          },
        },
      },
      '/api/v1/images/batch': {
        post: {
          summary: 'Queue many images of one store',
          requestBody: { required: true, content: json(batchRequestBody) },
          responses: {
            202: { description: 'queued', content: json(z.object({ jobs: z.array(accepted) })) },
            400: { description: 'invalid', content: json(error) },
          },
        },
      },
      '/api/v1/jobs/{id}': {
        get: {
          summary: 'Status, progress, outputs and error of a job',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: 'the job', content: json(jobView) },
            404: { description: 'no such job', content: json(error) },
          },
        },
      },
    },
  };
}
