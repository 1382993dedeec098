/**
 * Encodes and decodes events through the schema registry: each topic's schema is registered under
 * `<topic>-value` (BACKWARD compatible) once per process, and decoding resolves the writer's schema
 * against ours, so older producers stay readable.
 */
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RawAvroSchema } from '@kafkajs/confluent-schema-registry/dist/@types.js';
import { MediaStudioError } from '../errors.js';
import type { EventSchema, Topology } from '../topology.js';

export class EventCodec {
  private readonly ids = new Map<string, number>();
  private readonly schemas = new Map<string, EventSchema>();

  constructor(
    private readonly registry: SchemaRegistry,
    topology: Topology,
  ) {
    for (const { topic, schema } of topology.topics) this.schemas.set(topic, schema);
  }

  static connect(registryUrl: string, topology: Topology): EventCodec {
    return new EventCodec(new SchemaRegistry({ host: registryUrl, retry: { retries: 3 } }), topology);
  }

  /** Registers every topic's schema; idempotent (the registry returns the existing id). */
  async registerAll(): Promise<void> {
    await Promise.all([...this.schemas.keys()].map((topic) => this.idFor(topic)));
  }

  async encode<T extends object>(topic: string, event: T): Promise<Buffer> {
    const id = await this.idFor(topic);
    return this.registry.encode(id, event);
  }

  /** Decodes with our schema of `topic` as the reader schema; throws MS_EVENT_UNDECODABLE on bad input. */
  async decode<T>(topic: string, value: Buffer | null): Promise<T> {
    const schema = this.schemaOf(topic);
    if (value === null || value.length < 6 || value[0] !== 0) {
      throw new MediaStudioError(
        'MS_EVENT_UNDECODABLE',
        `message on ${topic} is not in the registry wire format`,
      );
    }
    try {
      return (await this.registry.decode(value, {
        [SchemaType.AVRO]: { readerSchema: schema as unknown as RawAvroSchema },
      })) as T;
    } catch (err) {
      if (isRegistryUnavailable(err)) {
        throw new MediaStudioError('MS_BROKER_UNAVAILABLE', 'schema registry unavailable', { cause: err });
      }
      throw new MediaStudioError(
        'MS_EVENT_UNDECODABLE',
        `message on ${topic} does not decode: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  private schemaOf(topic: string): EventSchema {
    const schema = this.schemas.get(topic);
    if (!schema) throw new Error(`no schema for topic ${topic}`);
    return schema;
  }

  private async idFor(topic: string): Promise<number> {
    const known = this.ids.get(topic);
    if (known !== undefined) return known;
    try {
      const { id } = await this.registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(this.schemaOf(topic)) },
        { subject: `${topic}-value`, compatibility: COMPATIBILITY.BACKWARD },
      );
      this.ids.set(topic, id);
      return id;
    } catch (err) {
      throw new MediaStudioError(
        'MS_BROKER_UNAVAILABLE',
        `cannot register the schema of ${topic}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}

/** Network failures and 5xx answers are passing; 404 of an unknown schema id is the message's fault. */
function isRegistryUnavailable(err: unknown): boolean {
  const e = err as { status?: number; code?: string; name?: string };
  if (typeof e.status === 'number') return e.status >= 500;
  return e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'ETIMEDOUT';
}
