// Settlement's tables: batches (claim, netting, pages, progress) and client settlements (legs,
// status, the delivery entry). Reads for the API sit beside them in reads.ts.
export * from './batches.js';
export * from './settlements.js';
