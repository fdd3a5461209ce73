// The deposit variants the replay guard tests bundle (tests/replay/fixtures/deposit-variants.ts):
// generated from the real workflows/deposit.ts, the change placed right after the ON_HOLD
// transition, the imports pointing at the real modules, and a loud failure when the anchor is gone.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ON_HOLD_ANCHOR, depositVariantSource, withGuardChange } from './fixtures/deposit-variants.js';

/** Where the generator writes (only the path matters here: nothing is written). */
const dir = fileURLToPath(new URL('../../.cache/replay-guard/changed-test', import.meta.url));
const workflow = readFileSync(new URL('../../workflows/deposit.ts', import.meta.url), 'utf8');

describe('the generated deposit variants', () => {
  it('are workflows/deposit.ts with the extra activity right after the ON_HOLD transition', () => {
    for (const variant of ['changed', 'patched'] as const) {
      const source = depositVariantSource(variant, dir);
      const anchor = source.indexOf(ON_HOLD_ANCHOR);
      const change = source.indexOf('// GUARD CHANGE', anchor);
      expect(anchor, variant).toBeGreaterThan(0);
      // Between the two: the rest of that transition call, up to its closing `});`.
      expect(source.slice(anchor, change), variant).toMatch(/\n\s*\}\);\n\s*$/);
      expect(source.indexOf('guardNotifyClient.executeWithOptions'), variant).toBeGreaterThan(change);
    }
    expect(depositVariantSource('patched', dir)).toContain("if (guardPatched('notify-client-of-hold')) {");
    expect(depositVariantSource('changed', dir)).not.toContain('guardPatched(');
  });

  it('import the real modules from where they are generated', () => {
    const source = depositVariantSource('changed', dir);
    expect(source).toContain("from '../../../domain/deposit.js'");
    expect(source).toContain("from '../../../workflows/lifecycle.js'");
    expect(source).not.toMatch(/from '\.\.?\/(domain|activities|lifecycle|archive)/);
  });

  it('fail loudly when workflows/deposit.ts no longer has the anchor', () => {
    const moved = workflow.replace(ON_HOLD_ANCHOR, "await transition('hold', args.actor, {");
    expect(() => withGuardChange(moved, 'changed', dir)).toThrow(/ON_HOLD transition .* found 0/);
  });
});
