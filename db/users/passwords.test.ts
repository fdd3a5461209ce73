import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashing', () => {
  it('hashes to a self-describing scrypt string with a random salt', async () => {
    const a = await hashPassword('correct horse', FAST);
    const b = await hashPassword('correct horse', FAST);
    expect(a).toMatch(/^scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password only', async () => {
    const stored = await hashPassword('correct horse', FAST);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horse ', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('never matches malformed or absurd stored hashes', async () => {
    expect(await verifyPassword('x', 'plaintext')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$N=3,r=8,p=1$AAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA')).toBe(
      false,
    );
    expect(
      await verifyPassword('x', `scrypt$N=${2 ** 24},r=8,p=1$AAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA`),
    ).toBe(false);
    expect(await verifyAgainstDummy('anything')).toBe(false);
  });

  it('flags weaker hashes for re-hashing', async () => {
    expect(needsRehash(await hashPassword('p', FAST))).toBe(true);
    expect(needsRehash(await hashPassword('p'))).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });
});
