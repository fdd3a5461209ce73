import type { RequestHandler } from 'express';
import { validationFailed } from '../errors.js';

// Limits on the shape of a parsed JSON body, checked right after express.json and before anything
// else reads it (idempotency hashing, zod, services). express.json already bounds the size (100kb);
// a body of that size can still nest 50,000 levels deep, which recursive code cannot walk.

/** No request of this API nests deeper than a few levels; 32 leaves room and stops abuse. */
export const MAX_BODY_DEPTH = 32;

/**
 * Whether `value` nests more than `maxDepth` levels (a scalar is depth 0, `[]` and `{"a":1}` depth
 * 1). Iterative, and it stops at the first path that is too deep.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  // Each round removes one node and adds its children: the loop ends after every node is seen once.
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return true;
    for (const child of Object.values(item.value)) pending.push({ value: child, depth });
  }
  return false;
}

/** 400 validation_failed when the parsed body nests deeper than `maxDepth`. Mount after express.json. */
export function bodyDepthLimit(maxDepth = MAX_BODY_DEPTH): RequestHandler {
  return (req, _res, next) => {
    if (!nestsDeeperThan(req.body, maxDepth)) return next();
    const message = `the request body nests deeper than ${maxDepth} levels`;
    next(validationFailed([{ path: '', code: 'too_deep', message }], message));
  };
}
