/**
 * TypeScript types derived from Avro schemas written as `as const` objects, so every event is defined
 * once (the Avro schema) and its type follows from it. Covers the subset our schemas use: primitives,
 * records, enums, arrays, maps and unions (a union with "null" becomes `T | null`).
 */

interface AvroPrimitives {
  null: null;
  boolean: boolean;
  int: number;
  long: number;
  float: number;
  double: number;
  bytes: Buffer;
  string: string;
}

interface AvroField {
  readonly name: string;
  readonly type: unknown;
}

export type AvroType<S> = S extends keyof AvroPrimitives
  ? AvroPrimitives[S]
  : S extends readonly unknown[]
    ? AvroType<S[number]>
    : S extends { readonly type: 'record'; readonly fields: readonly AvroField[] }
      ? { -readonly [F in S['fields'][number] as F['name']]: AvroType<F['type']> }
      : S extends { readonly type: 'enum'; readonly symbols: readonly (infer E)[] }
        ? E
        : S extends { readonly type: 'array'; readonly items: infer I }
          ? AvroType<I>[]
          : S extends { readonly type: 'map'; readonly values: infer V }
            ? Record<string, AvroType<V>>
            : S extends { readonly type: infer P extends keyof AvroPrimitives }
              ? AvroPrimitives[P]
              : never;
