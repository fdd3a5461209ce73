export * from './statements.js';
export * from './matching.js';
export * from './breaks.js';
