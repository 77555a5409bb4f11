import GRDB

/// The `objects` table: what the catalog references, and so what `gc` keeps.
public enum ObjectRefs {
  public enum Kind: String, Sendable {
    case event, shard, manifest, provenance
  }

  static func add(_ id: Digest, kind: Kind, size: Int, in db: Database) throws {
    try db.execute(
      sql: "INSERT OR IGNORE INTO objects (id, kind, size) VALUES (?, ?, ?)",
      arguments: [id.hex, kind.rawValue, size])
  }

  static func remove(_ id: Digest, in db: Database) throws {
    try db.execute(sql: "DELETE FROM objects WHERE id = ?", arguments: [id.hex])
  }

  static func all(in db: Database) throws -> [Digest: Kind] {
    var refs = [Digest: Kind]()
    for row in try Row.fetchAll(db, sql: "SELECT id, kind FROM objects") {
      if let id = Digest(hex: row["id"]), let kind = Kind(rawValue: row["kind"]) { refs[id] = kind }
    }
    return refs
  }
}
