import GRDB

/// The catalog's tables, created and upgraded by numbered migrations.
///
/// - `objects`: every object some part of the catalog references, with what it is. `gc` removes
///   the objects that are not listed here.
/// - `datanets`: each Datanet's current state, folded from its events.
/// - `events`, `event_parents`, `heads`: the ledger's DAG.
enum CatalogSchema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("1-ledger") { db in
      try db.create(table: "objects") { t in
        t.primaryKey("id", .text)
        t.column("kind", .text).notNull()
        t.column("size", .integer).notNull()
      }
      try db.create(table: "datanets") { t in
        t.primaryKey("id", .text)
        t.column("name", .text).notNull().unique()
        t.column("state", .blob).notNull()
      }
      try db.create(table: "events") { t in
        t.primaryKey("id", .text)
        t.column("datanet", .text).notNull().indexed()
        t.column("type", .text).notNull()
        t.column("actor", .text).notNull()
        t.column("time", .text).notNull()
        t.column("seq", .integer).notNull()
      }
      try db.create(table: "event_parents") { t in
        t.column("event", .text).notNull().references("events", onDelete: .cascade)
        t.column("parent", .text).notNull()
        t.primaryKey(["event", "parent"])
      }
      try db.create(table: "heads") { t in
        t.column("datanet", .text).notNull()
        t.column("event", .text).notNull()
        t.primaryKey(["datanet", "event"])
      }
    }
    return migrator
  }
}
