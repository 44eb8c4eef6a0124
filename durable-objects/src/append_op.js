// An edit's row, written with one call from wasm. workers-rs's `SqlStorage::exec` takes its bindings as a
// JavaScript Array built one value per call (a string decoded, a number checked, a blob copied, each pushed):
// in a CPU profile of the Yjs fan-out that was over a quarter of the write's time beside SQLite's own.

/**
 * Runs `query` (an INSERT of the nine columns of `ops`, see `sql_store.rs`) with the edit's values.
 * `yjsUpdate` is a view of wasm memory, valid only during this call: SQLite gets a copy, or NULL when the
 * session has no Yjs document (`yjsSeq` undefined).
 */
export function appendOp(sql, query, revision, userId, operationId, op, inverse, kind, timestamp, yjsSeq, yjsUpdate) {
  const noYjs = yjsSeq === undefined;
  sql.exec(query, revision, userId, operationId, op, inverse, kind, timestamp, noYjs ? null : yjsSeq, noYjs ? null : yjsUpdate.slice());
}
