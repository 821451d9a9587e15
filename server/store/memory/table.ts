/**
 * The rows of one in-memory table and its id sequence, shared by the in-memory repositories.
 * Rows are copied in and out, so a caller holding a row never changes the table (as with SQLite).
 * @module
 */

/** A table: rows in insertion order, and the next id to hand out (AUTOINCREMENT: never reused). */
export interface MemoryTable<Row> {
  rows: Row[]
  nextId: number
}

/** An empty table. */
export function memoryTable<Row>(): MemoryTable<Row> {
  return { rows: [], nextId: 1 }
}

/** A deep copy of a row (rows hold JSON columns: arrays and records). */
export function copyRow<T>(row: T): T {
  return structuredClone(row)
}
