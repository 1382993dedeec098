/**
 * Every event Media Studio reads or writes, defined once as an Avro schema. Producers and consumers
 * encode and decode them through the schema registry (subject `<topic>-value`, BACKWARD compatible);
 * the TypeScript types are derived from these definitions. Times are epoch milliseconds (long).
 * Operation params travel as a JSON string: each operation's params are validated by its own zod
 * schema, and keeping them opaque here lets operations evolve without an Avro schema change.
 */
import type { AvroType } from './avro-type.js';
import { imageFormats, processedStatuses } from './vocabulary.js';

const namespace = 'media.studio.events';

const operation = {
  type: 'record',
  name: 'Operation',
  fields: [
    { name: 'type', type: 'string', doc: 'operation name, e.g. resize' },
    { name: 'params', type: 'string', doc: 'JSON object of the operation params' },
  ],
} as const;

/** Who a job is: every stage event and the outcome event start with these. */
const jobRefFields = [
  { name: 'jobId', type: 'string' },
  { name: 'requestId', type: 'string' },
  { name: 'storeId', type: 'string' },
  { name: 'productId', type: 'string' },
  { name: 'sourceUrl', type: 'string' },
  { name: 'pipelineVersion', type: 'string' },
] as const;

const imageFormat = { type: 'enum', name: 'ImageFormat', symbols: imageFormats } as const;

/** What finalize encodes: shared by the request and every stage event. */
const outputSpec = {
  type: 'record',
  name: 'OutputSpec',
  fields: [
    { name: 'format', type: imageFormat },
    { name: 'quality', type: 'int', doc: '1..100' },
    { name: 'generateSizes', type: 'boolean', doc: 'also write thumbnail, medium and large' },
  ],
} as const;

export const requestedSchema = {
  type: 'record',
  name: 'ProductImagesRequested',
  namespace,
  doc: 'A request to process one product image. Key: storeId:productId.',
  fields: [
    {
      name: 'requestId',
      type: 'string',
      doc: 'unique per request; with the pipeline version it names the job',
    },
    { name: 'storeId', type: 'string' },
    { name: 'productId', type: 'string' },
    { name: 'imageUrl', type: 'string' },
    { name: 'operations', type: { type: 'array', items: operation } },
    { name: 'output', type: outputSpec },
    { name: 'requestedAt', type: 'long' },
  ],
} as const;

export const stageSchema = {
  type: 'record',
  name: 'ProductImagesStage',
  namespace,
  doc: 'One step of a job: the whole plan travels with it, so any worker can run any step.',
  fields: [
    ...jobRefFields,
    { name: 'plan', type: { type: 'array', items: operation } },
    { name: 'step', type: 'int', doc: 'index into plan of the step to run; plan.length means finalize' },
    { name: 'inputKey', type: 'string', doc: 'object key of the lossless input artifact' },
    { name: 'output', type: outputSpec },
    { name: 'emittedAt', type: 'long' },
  ],
} as const;

const variant = {
  type: 'record',
  name: 'Variant',
  fields: [
    { name: 'name', type: 'string', doc: 'original, thumbnail, medium or large' },
    { name: 'url', type: 'string' },
    { name: 'key', type: 'string' },
    { name: 'width', type: 'int' },
    { name: 'height', type: 'int' },
    { name: 'bytes', type: 'long' },
    { name: 'format', type: 'string' },
    { name: 'checksum', type: 'string', doc: 'sha256 hex of the object bytes' },
  ],
} as const;

const failure = {
  type: 'record',
  name: 'Failure',
  fields: [
    { name: 'code', type: 'string', doc: 'an MS_* code from the error catalogue' },
    { name: 'message', type: 'string' },
    { name: 'step', type: ['null', 'int'], default: null },
    { name: 'operation', type: ['null', 'string'], default: null },
  ],
} as const;

export const processedSchema = {
  type: 'record',
  name: 'ProductImagesProcessed',
  namespace,
  doc: 'The one outcome of a job, success or failure.',
  fields: [
    ...jobRefFields,
    { name: 'status', type: { type: 'enum', name: 'ProcessedStatus', symbols: processedStatuses } },
    { name: 'operations', type: { type: 'array', items: 'string' }, doc: 'operations applied, in order' },
    { name: 'variants', type: { type: 'array', items: variant } },
    { name: 'error', type: ['null', failure], default: null },
    {
      name: 'replayed',
      type: 'boolean',
      default: false,
      doc: 'true when a replay re-announced a finished job',
    },
    { name: 'finishedAt', type: 'long' },
  ],
} as const;

export const deadLetterSchema = {
  type: 'record',
  name: 'ProductImagesDeadLetter',
  namespace,
  doc: 'A message that could not be read as an event of its topic, kept whole with why.',
  fields: [
    { name: 'topic', type: 'string' },
    { name: 'partition', type: 'int' },
    { name: 'offset', type: 'string' },
    { name: 'key', type: ['null', 'bytes'], default: null },
    { name: 'value', type: ['null', 'bytes'], default: null },
    { name: 'errorCode', type: 'string' },
    { name: 'errorMessage', type: 'string' },
    { name: 'failedAt', type: 'long' },
  ],
} as const;

export type RequestedEvent = AvroType<typeof requestedSchema>;
export type StageEvent = AvroType<typeof stageSchema>;
export type ProcessedEvent = AvroType<typeof processedSchema>;
export type DeadLetterEvent = AvroType<typeof deadLetterSchema>;
export type OperationSpec = AvroType<typeof operation>;
export type OutputSpec = StageEvent['output'];
export type VariantRecord = AvroType<typeof variant>;
export type FailureRecord = AvroType<typeof failure>;
