import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, errorCodes, MediaStudioError, toMediaStudioError } from '../../src/errors.js';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `(MS_[A-Z_]+)` \| (yes|no) \|/gm)].map((m) => ({
    code: m[1]!,
    retriable: m[2] === 'yes',
  }));

  it('documents every code with its retriable flag', () => {
    for (const code of errorCodes) {
      expect(
        documented.find((d) => d.code === code),
        code,
      ).toEqual({ code, retriable: errorCatalogue[code].retriable });
    }
  });

  it('documents no code that does not exist', () => {
    for (const d of documented) expect(errorCodes).toContain(d.code);
  });

  it('takes retriable from the code, never from the message', () => {
    expect(new MediaStudioError('MS_STORAGE_UNAVAILABLE', 'x').retriable).toBe(true);
    expect(new MediaStudioError('MS_DECODE_FAILED', 'timeout, please retry').retriable).toBe(false);
  });

  it('wraps foreign errors with the fallback code and keeps the cause', () => {
    const cause = new TypeError('boom');
    const e = toMediaStudioError(cause, 'MS_PROCESSING_FAILED');
    expect(e).toMatchObject({ code: 'MS_PROCESSING_FAILED', retriable: false, message: 'boom' });
    expect(e.cause).toBe(cause);
  });
});
