export * from './statements.js';
export * from './matching.js';
export * from './breaks.js';
export * from './queries.js';
export * from './internal.js';
