/// Changing a Datanet's schema after its creation: length limits, required fields and text
/// fields, never the record format (records are stored in it). The change is a signed
/// `datanet.update` by the owner; the records already in the Datanet stay as they are, and
/// contributions read after it follow the new schema.
extension DatanetState {
  /// Every schema the Datanet has had, the one in force last.
  public var schemas: [DatanetSchema] { (earlierSchemas ?? []) + [schema] }

  /// Makes `new` the schema in force, checking first that `actor` is the owner and that the
  /// format stays; changes nothing when it throws.
  mutating func changeSchema(to new: DatanetSchema?, by actor: AccountID) throws {
    guard let new else { return }
    try requireOwner(actor, to: "change the schema of '\(name)'")
    if let problem = Self.schemaChangeProblem(from: schema, to: new) {
      throw LedgerError.invalid("a schema change of '\(name)' is refused: \(problem)")
    }
    try new.check()
    guard new != schema else { return }
    earlierSchemas = (earlierSchemas ?? []) + [schema]
    schema = new
  }

  /// Why `old` may not become `new`, if it may not: the format and the text split stay.
  public static func schemaChangeProblem(from old: DatanetSchema, to new: DatanetSchema)
    -> String?
  {
    if new.format != old.format {
      return "the record format is \(old.format.rawValue) and stays so (records are stored in "
        + "it); create another Datanet for \(new.format.rawValue) records"
    }
    if new.split != old.split {
      return "text is cut into records per \(old.split?.rawValue ?? "file") and stays so"
    }
    return nil
  }
}
