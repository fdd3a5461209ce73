import { describe, expect, it } from 'vitest';
import { ApiError, notFound } from './errors.js';

describe('ApiError identity', () => {
  it('is recognised across bundled copies of the module (the Remix build has its own)', () => {
    // What another copy's instance looks like from here: a different class carrying the same brand.
    const foreign = Object.assign(new Error('elsewhere'), { [Symbol.for('clearhouse.ApiError')]: true });
    expect(foreign instanceof ApiError).toBe(true);
    expect(notFound() instanceof ApiError).toBe(true);
    expect(new Error('plain') instanceof ApiError).toBe(false);
    expect((null as unknown as object) instanceof ApiError).toBe(false);
  });
});
