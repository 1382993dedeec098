import { describe, expect, it } from 'vitest';
import { jobIdFor, offlineEnvironment, pipelineVersion, validatePlan } from '../../src/consumers/job-plan.js';
import type { OutputSpec } from '../../src/schemas/events.js';

const output: OutputSpec = { format: 'webp', quality: 90, generateSizes: true };
const withOpenAi = { backgrounds: 'openai:gpt-image-1' };
const plan = (type: string, params: Record<string, unknown>) =>
  validatePlan([{ type, params: JSON.stringify(params) }]);

describe('pipelineVersion', () => {
  it('is the same for equal params written in another order or left to their defaults', () => {
    const a = plan('resize', { width: 300, height: 200, mode: 'fit' });
    const b = plan('resize', { mode: 'fit', height: 200, width: 300 });
    expect(pipelineVersion(a, output, offlineEnvironment)).toBe(
      pipelineVersion(b, output, offlineEnvironment),
    );
  });

  it('changes with the params and with the output spec', () => {
    const a = plan('resize', { width: 300, height: 200 });
    const b = plan('resize', { width: 301, height: 200 });
    const base = pipelineVersion(a, output, offlineEnvironment);
    expect(pipelineVersion(b, output, offlineEnvironment)).not.toBe(base);
    expect(pipelineVersion(a, { ...output, quality: 80 }, offlineEnvironment)).not.toBe(base);
  });

  it('pins the remote generator a generate_background job in auto would use', () => {
    const scene = plan('generate_background', { style: 'marble_desk' });
    const offline = pipelineVersion(scene, output, offlineEnvironment);
    const remote = pipelineVersion(scene, output, withOpenAi);
    expect(remote).not.toBe(offline);
    // A replay after OPENAI_API_KEY is set is a new job, not a re-announcement of the offline render.
    expect(jobIdFor('req-1', remote)).not.toBe(jobIdFor('req-1', offline));
    expect(pipelineVersion(scene, output, { backgrounds: 'openai:dall-e-3' })).not.toBe(remote);
  });

  it('leaves jobs the deployment cannot change alone', () => {
    for (const [type, params] of [
      ['resize', { width: 300, height: 200 }],
      ['generate_background', { style: 'marble_desk', generator: 'offline' }],
      ['generate_background', { style: 'white' }],
    ] as const) {
      const p = plan(type, params);
      expect(pipelineVersion(p, output, withOpenAi), `${type} ${JSON.stringify(params)}`).toBe(
        pipelineVersion(p, output, offlineEnvironment),
      );
    }
  });
});
