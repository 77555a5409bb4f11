import GRDB

/// Holds the catalog's write lock from a second connection, as another process would.
final class CatalogBlocker {
  private let queue: DatabaseQueue

  init(path: String) throws {
    var configuration = Configuration()
    configuration.allowsUnsafeTransactions = true
    queue = try DatabaseQueue(path: path, configuration: configuration)
    try queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
  }

  func release() {
    try? queue.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
  }
}
