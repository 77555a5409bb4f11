import GRDB

/// The catalog's tables, created and upgraded by numbered migrations.
///
/// - `objects`: every object some part of the catalog references, with what it is. `gc` removes
///   the objects that are not listed here.
/// - `datanets`: each Datanet's current state, folded from its events, and a small number (`num`)
///   that the large tables use instead of the 64-digit id.
/// - `events`, `event_parents`, `heads`: the ledger's DAG. `events.overridden` says why an
///   event that lost to a concurrent one changed nothing (Docs/Formats.md, "Rights follow
///   causality"); NULL when it applied.
/// - `contributions`: one row per `contribution.submit`, with its status and counts.
/// - `shards`: the shard objects of each contribution, in order.
/// - `records`: every record a Datanet holds, by (Datanet, record id): the contribution that
///   first brought it (the one credited) and where its bytes are.
/// - `near_duplicate_segments`: the files of each Datanet's near-duplicate index.
/// - `near_duplicate_pending`: shards (by `shards.num`) a pull brought whose records the
///   near-duplicate index does not hold yet; the next `contribute` or `fingerprint` of the
///   Datanet indexes them first.
/// - `removed_records`: every record that has left its Datanet, by (Datanet, record id), with
///   the event that removed it: a `record.takedown`, or the `contribution.withdraw` of the
///   contribution it is credited to. Queries over a Datanet's records mask these rows.
/// - `contributions.decision`: the id of the event that settled the contribution's status (its
///   review or withdrawal); `reviewer`, `reviewed` and `reason` are that event's actor, time and
///   reason.
/// - `attribution_segments`: the segments of each Datanet's attribution index, by segment id
///   (the directory `indexes/<datanet>/<segment>/`), with their size.
/// - `attribution_contributions`: which accepted contributions the index covers, and the
///   segment holding their records; `segment` is empty for a contribution that had no record
///   left to index. `index build` indexes the accepted contributions not listed here.
/// - `reward_epochs`: one row per `rewards.epoch` event, by (Datanet, epoch): the event, the
///   objects of the epoch (manifest envelope, leaves, tree, inference log, allocations), its
///   root and totals (amounts as decimal text: they exceed SQLite's 64-bit integers).
/// - `remote_files`: per remote, the head files and packs this store has read from it or
///   written to it, so a pull fetches only what is new. A cache: losing it costs requests, not
///   correctness.
/// - `reward_allocations`: per (Datanet, epoch, account): what the account earned in the epoch
///   and in all epochs so far, its roles, its attribution units and how many inferences paid it.
/// - `payout_addresses`: every applied `payout.set` event, by event: the Datanet, the account
///   (its actor), the EVM address (`0x` and lowercase hex), the chain id when given, and the
///   time. An account's payout address is its row whose event is latest in `events.seq`.
/// - `reward_epochs.signed_log`: the operator's signed inference log object of the epoch, NULL
///   when the log was not signed.
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
        t.primaryKey("num", .integer)
        t.column("id", .text).notNull().unique()
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
    migrator.registerMigration("2-contributions") { db in
      try db.create(table: "contributions") { t in
        t.primaryKey("num", .integer)
        t.column("id", .text).notNull().unique()
        t.column("datanet", .integer).notNull()
        t.column("contributor", .text).notNull()
        t.column("time", .text).notNull()
        t.column("status", .text).notNull()
        t.column("records", .integer).notNull()
        t.column("bytes", .integer).notNull()
        t.column("exact_duplicates", .integer).notNull()
        t.column("near_duplicates", .integer).notNull()
        t.column("invalid", .integer).notNull()
        t.column("reviewer", .text)
        t.column("reviewed", .text)
        t.column("reason", .text)
      }
      try db.create(
        index: "contributions_by_datanet", on: "contributions", columns: ["datanet", "status"])
      try db.create(table: "shards") { t in
        t.primaryKey("num", .integer)
        t.column("id", .text).notNull()
        t.column("contribution", .integer).notNull().indexed()
        t.column("position", .integer).notNull()
        t.column("records", .integer).notNull()
      }
      try db.execute(
        sql: """
          CREATE TABLE records (
            datanet INTEGER NOT NULL,
            id BLOB NOT NULL,
            contribution INTEGER NOT NULL,
            shard INTEGER NOT NULL,
            offset INTEGER NOT NULL,
            length INTEGER NOT NULL,
            PRIMARY KEY (datanet, id)
          ) WITHOUT ROWID
          """)
      try db.create(table: "near_duplicate_segments") { t in
        t.column("datanet", .integer).notNull()
        t.column("file", .text).notNull()
        t.column("records", .integer).notNull()
        t.primaryKey(["datanet", "file"])
      }
    }
    migrator.registerMigration("3-curation") { db in
      try db.execute(
        sql: """
          CREATE TABLE removed_records (
            datanet INTEGER NOT NULL,
            id BLOB NOT NULL,
            event TEXT NOT NULL,
            PRIMARY KEY (datanet, id)
          ) WITHOUT ROWID
          """)
      try db.alter(table: "contributions") { t in
        t.add(column: "decision", .text)
      }
    }
    migrator.registerMigration("4-attribution") { db in
      try db.create(table: "attribution_segments") { t in
        t.column("datanet", .integer).notNull()
        t.column("id", .text).notNull()
        t.column("tokens", .integer).notNull()
        t.column("records", .integer).notNull()
        t.column("bytes", .integer).notNull()
        t.column("created", .text).notNull()
        t.primaryKey(["datanet", "id"])
      }
      try db.create(table: "attribution_contributions") { t in
        t.column("datanet", .integer).notNull()
        t.column("contribution", .text).notNull()
        t.column("segment", .text).notNull()
        t.primaryKey(["datanet", "contribution", "segment"])
      }
    }
    migrator.registerMigration("5-rewards") { db in
      try db.create(table: "reward_epochs") { t in
        t.column("datanet", .integer).notNull()
        t.column("epoch", .integer).notNull()
        t.column("event", .text).notNull().unique()
        t.column("manifest", .text).notNull().unique()
        t.column("leaves", .text).notNull()
        t.column("tree", .text).notNull()
        t.column("log", .text).notNull()
        t.column("allocations", .text).notNull()
        t.column("root", .text).notNull()
        t.column("inferences", .integer).notNull()
        t.column("accounts", .integer).notNull()
        t.column("fees", .text).notNull()
        t.column("cumulative", .text).notNull()
        t.column("actor", .text).notNull()
        t.column("time", .text).notNull()
        t.primaryKey(["datanet", "epoch"])
      }
      try db.create(table: "reward_allocations") { t in
        t.column("datanet", .integer).notNull()
        t.column("epoch", .integer).notNull()
        t.column("account", .text).notNull()
        t.column("amount", .text).notNull()
        t.column("cumulative", .text).notNull()
        t.column("roles", .text).notNull()
        t.column("units", .text).notNull()
        t.column("inferences", .integer).notNull()
        t.primaryKey(["datanet", "epoch", "account"])
      }
    }
    migrator.registerMigration("6-overridden-events") { db in
      try db.alter(table: "events") { t in
        t.add(column: "overridden", .text)
      }
    }
    migrator.registerMigration("7-remote-files") { db in
      try db.create(table: "remote_files") { t in
        t.column("remote", .text).notNull()
        t.column("key", .text).notNull()
        // For a head file: the heads it announces, space-separated.
        t.column("heads", .text)
        t.primaryKey(["remote", "key"])
      }
    }
    migrator.registerMigration("8-payouts") { db in
      try db.create(table: "payout_addresses") { t in
        t.primaryKey("event", .text)
        t.column("datanet", .integer).notNull()
        t.column("account", .text).notNull()
        t.column("address", .text).notNull()
        t.column("chain_id", .integer)
        t.column("time", .text).notNull()
      }
      try db.create(
        index: "payout_addresses_by_account", on: "payout_addresses",
        columns: ["datanet", "account"])
      try db.alter(table: "reward_epochs") { t in
        t.add(column: "signed_log", .text)
      }
    }
    migrator.registerMigration("9-near-duplicate-pending") { db in
      try db.create(table: "near_duplicate_pending") { t in
        t.column("datanet", .integer).notNull()
        t.column("shard", .integer).notNull()
        t.primaryKey(["datanet", "shard"])
      }
    }
    return migrator
  }
}
