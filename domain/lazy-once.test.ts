import { describe, expect, it } from 'vitest';
import { lazyOnce } from './lazy-once.js';

describe('lazyOnce', () => {
  it('makes the value once and keeps it', async () => {
    let made = 0;
    const value = lazyOnce(async () => ++made);
    expect(await Promise.all([value.get(), value.get()])).toEqual([1, 1]);
    expect(await value.get()).toBe(1);
    expect(made).toBe(1);
  });

  it('makes it again after a failure, never after a success', async () => {
    let attempts = 0;
    const value = lazyOnce(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('down');
      return attempts;
    });
    await expect(value.get()).rejects.toThrow('down');
    expect(value.current()).toBeUndefined();
    expect(await value.get()).toBe(2);
    expect(await value.get()).toBe(2);
  });

  it('forget drops what was made, and a stale failure does not drop a newer value', async () => {
    let reject: (error: Error) => void = () => undefined;
    let attempts = 0;
    const value = lazyOnce(
      () =>
        new Promise<number>((resolve, rejectIt) => {
          attempts += 1;
          if (attempts === 1) reject = rejectIt;
          else resolve(attempts);
        }),
    );
    const first = value.get();
    value.forget();
    const second = value.get();
    reject(new Error('late'));
    await expect(first).rejects.toThrow('late');
    expect(await second).toBe(2);
    expect(value.current()).toBe(second);
  });
});
