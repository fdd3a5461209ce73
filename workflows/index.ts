// Every workflow type the worker registers. Deterministic code only: no I/O, no clocks, no randomness.
export { ping } from './ping.js';
export { deposit } from './deposit.js';
export { archiveLifecycle } from './archive.js';
