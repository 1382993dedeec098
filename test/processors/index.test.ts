import { describe, expect, it } from 'vitest';
import { MediaStudioError } from '../../src/errors.js';
import {
  availableOperations,
  getProcessor,
  normaliseParams,
  parseParams,
  processors,
} from '../../src/processors/index.js';
import { operationNames } from '../../src/schemas/vocabulary.js';

const failure = (fn: () => unknown): MediaStudioError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MediaStudioError) return err;
    throw err;
  }
  throw new Error('expected a MediaStudioError');
};

describe('processor registry', () => {
  it('finds every registered processor under its own name', () => {
    for (const [name, processor] of Object.entries(processors)) expect(getProcessor(name)).toBe(processor);
  });

  it('rejects an unknown operation', () => {
    const error = failure(() => getProcessor('sharpen'));
    expect(error.code).toBe('MS_UNKNOWN_OPERATION');
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('"sharpen"');
    expect(failure(() => getProcessor('toString')).code).toBe('MS_UNKNOWN_OPERATION');
  });

  it('has every operation of the vocabulary in this build', () => {
    for (const name of operationNames) expect(getProcessor(name).name).toBe(name);
    expect([...availableOperations].sort()).toEqual([...operationNames].sort());
  });
});

describe('parseParams', () => {
  it('applies defaults', () => {
    expect(parseParams(processors.replace_background, undefined)).toEqual({ color: '#ffffff' });
  });

  it('reports every issue readably and in details', () => {
    const error = failure(() => parseParams(processors.crop, { x: -1, y: 0, width: 0, height: 5, z: 1 }));
    expect(error.code).toBe('MS_INVALID_PARAMS');
    expect(error.message).toMatch(/^invalid params for crop: /);
    expect(error.message).toContain('x: ');
    expect(error.message).toContain('width: ');
    expect(error.message).toContain('"z"');
    const issues = (error.details as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['', 'width', 'x']);
  });
});

describe('normaliseParams', () => {
  it('gives one JSON for every spelling of the same request', () => {
    const a = normaliseParams('resize', { width: 300, background_color: '#FFFFFF' });
    const b = normaliseParams('resize', { mode: 'fit', allow_enlarge: false, width: 300 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(Object.keys(a)).toEqual([...Object.keys(a)].sort());
  });

  it('fails like parseParams and getProcessor', () => {
    expect(failure(() => normaliseParams('resize', {})).code).toBe('MS_INVALID_PARAMS');
    expect(failure(() => normaliseParams('make_it_pop', {})).code).toBe('MS_UNKNOWN_OPERATION');
  });
});
