import GRDB
import GRDBSQLite

/// Writes the `records` rows of a contribution. A contribution of a million records inserts a
/// million rows inside one transaction, so the rows go through the SQLite C API, many to a
/// statement, with nothing allocated per row: bound one by one through `StatementArguments`
/// they cost about five times what SQLite itself spends storing them.
enum RecordRows {
  /// Rows per `INSERT` statement.
  static let rowsPerStatement = 256

  /// Inserts `records` for the contribution numbered `contribution`, and returns how many are
  /// credited to it. A record the Datanet holds already keeps its row; one whose row is no
  /// longer held (see `RecordStanding`) is credited to this contribution.
  @discardableResult
  static func insert(
    _ records: [StoredRecord], datanet: Int64, contribution: Int64, shards: [Int64],
    in db: Database
  ) throws -> Int {
    // In id order, so the B-tree is written at its right edge: the order of the ids' first 64
    // bits is enough for that, and sorting them with the records' positions moves 16 bytes a
    // record instead of 56.
    var order = records.indices.map { (records[$0].id.words.0, UInt32($0)) }
    order.sort { $0.0 < $1.0 }
    var start = 0
    var full: Statement?
    var credited = 0
    while start < records.count {
      let count = min(rowsPerStatement, records.count - start)
      let statement: Statement
      if count == rowsPerStatement, let full {
        statement = full
      } else {
        statement = try db.makeStatement(
          sql: sql(rows: count, datanet: datanet, contribution: contribution))
        if count == rowsPerStatement { full = statement }
      }
      credited += try insert(
        order[start..<(start + count)].lazy.map { records[Int($0.1)] }, shards: shards,
        with: statement)
      start += count
    }
    return credited
  }

  /// `rows` rows of (id, shard, offset, length); the Datanet and contribution are numbers
  /// written into the statement.
  private static func sql(rows: Int, datanet: Int64, contribution: Int64) -> String {
    let row = "(\(datanet), ?, \(contribution), ?, ?, ?)"
    return """
      INSERT INTO records (datanet, id, contribution, shard, offset, length)
      VALUES \(repeatElement(row, count: rows).joined(separator: ", "))
      ON CONFLICT (datanet, id) DO UPDATE SET contribution = excluded.contribution,
        shard = excluded.shard, offset = excluded.offset, length = excluded.length
      WHERE NOT \(RecordStanding.held("records"))
      """
  }

  /// Runs one statement; returns the rows it inserted or took over.
  private static func insert(
    _ records: some Collection<StoredRecord>, shards: [Int64], with prepared: Statement
  ) throws -> Int {
    let statement = prepared.sqliteStatement
    // The ids' bytes, big-endian, alive until the step that reads them (SQLITE_STATIC).
    let ids = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 4 * records.count)
    defer { ids.deallocate() }
    for (row, record) in records.enumerated() {
      let words = record.id.words
      ids[4 * row] = words.0.bigEndian
      ids[4 * row + 1] = words.1.bigEndian
      ids[4 * row + 2] = words.2.bigEndian
      ids[4 * row + 3] = words.3.bigEndian
      let column = CInt(4 * row)
      sqlite3_bind_blob(statement, column + 1, ids.baseAddress! + 4 * row, 32, nil)
      sqlite3_bind_int64(statement, column + 2, shards[record.shard])
      sqlite3_bind_int64(statement, column + 3, Int64(record.offset))
      sqlite3_bind_int64(statement, column + 4, Int64(record.length))
    }
    let code = sqlite3_step(statement)
    // Rows whose conflict update did not apply (the record is held) are not counted.
    let changed = Int(sqlite3_changes(sqlite3_db_handle(statement)))
    sqlite3_reset(statement)
    sqlite3_clear_bindings(statement)
    guard code == SQLITE_DONE else {
      throw DatabaseError(
        resultCode: ResultCode(rawValue: code),
        message: String(cString: sqlite3_errmsg(sqlite3_db_handle(statement))),
        sql: prepared.sql)
    }
    return changed
  }
}
