/**
 * The flow, in order: every topic and consumer group of Media Studio, and the event schema on each topic.
 * Topic and group names appear as literals only here; the schema registration, topic creation, tests and
 * the AsyncAPI-style listing in the README derive from it.
 *
 *   product.images.requested ─ ingest ─> product.images.stage.<operation> (repeat, in plan order)
 *     ─> product.images.stage.finalize ─ finalize ─> product.images.processed
 *   any undecodable message ─> product.images.dlq
 */
import { deadLetterSchema, processedSchema, requestedSchema, stageSchema } from './schemas/events.js';
import { type OperationName, operationNames, type StageRole } from './schemas/vocabulary.js';

export type EventSchema =
  | typeof requestedSchema
  | typeof stageSchema
  | typeof processedSchema
  | typeof deadLetterSchema;

export interface StageTopology {
  readonly role: StageRole;
  readonly inputTopic: string;
  readonly group: string;
  readonly inputSchema: typeof requestedSchema | typeof stageSchema;
}

export interface Topology {
  readonly requested: string;
  readonly processed: string;
  readonly dlq: string;
  readonly finalize: string;
  readonly stageTopic: (operation: OperationName) => string;
  /** Stages in flow order: ingest, one per operation, finalize. */
  readonly stages: readonly StageTopology[];
  /** Every topic with the schema of its values (subject `<topic>-value`). */
  readonly topics: readonly { readonly topic: string; readonly schema: EventSchema }[];
  readonly stage: (role: StageRole) => StageTopology;
}

export function createTopology(prefix = ''): Topology {
  const name = (base: string) => `${prefix}${base}`;
  const requested = name('product.images.requested');
  const finalize = name('product.images.stage.finalize');
  const stageTopic = (operation: OperationName) => name(`product.images.stage.${operation}`);
  const stages: StageTopology[] = [
    {
      role: 'ingest',
      inputTopic: requested,
      group: name('media-studio.ingest'),
      inputSchema: requestedSchema,
    },
    ...operationNames.map((op) => ({
      role: op,
      inputTopic: stageTopic(op),
      group: name(`media-studio.stage.${op}`),
      inputSchema: stageSchema,
    })),
    {
      role: 'finalize',
      inputTopic: finalize,
      group: name('media-studio.finalize'),
      inputSchema: stageSchema,
    },
  ];
  const processed = name('product.images.processed');
  const dlq = name('product.images.dlq');
  const byRole = new Map(stages.map((s) => [s.role, s]));
  return {
    requested,
    processed,
    dlq,
    finalize,
    stageTopic,
    stages,
    topics: [
      ...stages.map((s) => ({ topic: s.inputTopic, schema: s.inputSchema })),
      { topic: processed, schema: processedSchema },
      { topic: dlq, schema: deadLetterSchema },
    ],
    stage: (role) => byRole.get(role)!,
  };
}
