import Foundation
import GRDB

/// The store's materialized state in SQLite: derived from the objects, rebuilt by
/// `Store.rebuildCatalog()`. Opened in WAL mode with a busy timeout, so several processes can
/// read while one writes, and a second writer waits its turn.
public final class Catalog: Sendable {
  public let path: String
  private let pool: DatabasePool
  private let busyTimeoutMilliseconds: Int

  init(path: String, busyTimeoutMilliseconds: Int) throws {
    self.path = path
    self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    var configuration = Configuration()
    configuration.busyMode = .timeout(TimeInterval(busyTimeoutMilliseconds) / 1000)
    configuration.foreignKeysEnabled = true
    configuration.label = "catalog"
    configuration.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
    }
    let timeout = busyTimeoutMilliseconds
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
    } catch {
      throw Catalog.translate(error, path: path, timeout: timeout)
    }
    try migrate()
  }

  private func migrate() throws {
    let migrator = CatalogSchema.migrator
    let done = try read { db in try migrator.hasCompletedMigrations(db) }
    if !done {
      do {
        try migrator.migrate(pool)
      } catch {
        throw Catalog.translate(error, path: path, timeout: busyTimeoutMilliseconds)
      }
    }
  }

  /// Runs `body` in a read transaction: a consistent snapshot, never blocked by a writer.
  public func read<T>(_ body: (Database) throws -> T) throws -> T {
    do {
      return try pool.read(body)
    } catch {
      throw Catalog.translate(error, path: path, timeout: busyTimeoutMilliseconds)
    }
  }

  /// Runs `body` in an immediate write transaction; it commits when `body` returns and rolls
  /// back, rethrowing, when `body` throws.
  public func write<T>(_ body: (Database) throws -> T) throws -> T {
    do {
      return try pool.write(body)
    } catch {
      throw Catalog.translate(error, path: path, timeout: busyTimeoutMilliseconds)
    }
  }

  /// A read-only view of the catalog as it is now, which later writes do not change: for long
  /// reads that must be consistent (an export, an index build) yet run other work, including
  /// other catalog reads, between their steps.
  public func snapshot() throws -> CatalogSnapshot {
    do {
      return CatalogSnapshot(
        snapshot: try pool.makeSnapshot(), path: path, timeout: busyTimeoutMilliseconds)
    } catch {
      throw Catalog.translate(error, path: path, timeout: busyTimeoutMilliseconds)
    }
  }

  /// Folds the WAL into the main database file.
  public func checkpoint() throws {
    do {
      try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    } catch {
      throw Catalog.translate(error, path: path, timeout: busyTimeoutMilliseconds)
    }
  }

  static func translate(_ error: Error, path: String, timeout: Int) -> Error {
    guard let error = error as? DatabaseError else { return error }
    switch error.resultCode {
    case .SQLITE_BUSY, .SQLITE_LOCKED:
      return StoreError.catalogBusy(path: path, waitedMilliseconds: timeout)
    case .SQLITE_READONLY:
      return StoreError.catalogReadOnly(path: path)
    default:
      let sql = error.sql.map { " (in \($0))" } ?? ""
      return StoreError.catalog(path: path, message: (error.message ?? "\(error)") + sql)
    }
  }
}

/// A consistent, unchanging view of the catalog (`Catalog.snapshot()`).
public final class CatalogSnapshot: Sendable {
  private let snapshot: DatabaseSnapshot
  private let path: String
  private let timeout: Int

  init(snapshot: DatabaseSnapshot, path: String, timeout: Int) {
    self.snapshot = snapshot
    self.path = path
    self.timeout = timeout
  }

  /// Runs `body` against the snapshot.
  public func read<T>(_ body: (Database) throws -> T) throws -> T {
    do {
      return try snapshot.read(body)
    } catch {
      throw Catalog.translate(error, path: path, timeout: timeout)
    }
  }
}
