/// A Datanet as its events so far make it.
public struct DatanetState: Codable, Sendable, Equatable {
  public var id: Digest
  public var name: String
  public var description: String
  public var license: String
  public var schema: DatanetSchema
  public var policy: DatanetPolicy
  public var owner: AccountID
  /// Sorted.
  public var curators: [AccountID]
  /// The model operators whose signed inference logs may back reward epochs, sorted.
  public var operators: [AccountID]
  public var created: String
  public var updated: String
  /// The schemas in force before each schema change, oldest first; nil until the first.
  public var earlierSchemas: [DatanetSchema]?

  enum CodingKeys: String, CodingKey {
    case id, name, description, license, schema, policy, owner, curators, operators, created
    case updated, earlierSchemas
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    id = try container.decode(Digest.self, forKey: .id)
    name = try container.decode(String.self, forKey: .name)
    description = try container.decode(String.self, forKey: .description)
    license = try container.decode(String.self, forKey: .license)
    schema = try container.decode(DatanetSchema.self, forKey: .schema)
    policy = try container.decode(DatanetPolicy.self, forKey: .policy)
    owner = try container.decode(AccountID.self, forKey: .owner)
    curators = try container.decode([AccountID].self, forKey: .curators)
    // Catalogs written before operators existed hold none.
    operators = try container.decodeIfPresent([AccountID].self, forKey: .operators) ?? []
    created = try container.decode(String.self, forKey: .created)
    updated = try container.decode(String.self, forKey: .updated)
    earlierSchemas = try container.decodeIfPresent([DatanetSchema].self, forKey: .earlierSchemas)
  }

  /// The state a `datanet.create` event starts.
  public init(created event: Digest, by actor: AccountID, at time: String, _ body: DatanetCreate)
    throws
  {
    guard DatanetCreate.isValidName(body.name) else {
      throw LedgerError.invalid("event \(event.hex): '\(body.name)' is not a valid Datanet name")
    }
    guard body.owner == actor else {
      throw LedgerError.notPermitted(
        actor: actor, action: "create a Datanet owned by \(body.owner.fingerprint)",
        requirement: "a Datanet's creator is its owner")
    }
    try body.schema.check()
    id = event
    name = body.name
    description = body.description
    license = body.license
    schema = body.schema
    policy = body.policy
    owner = body.owner
    curators = Array(Set(body.curators)).sorted()
    operators = []
    created = time
    updated = time
  }

  public func isCurator(_ account: AccountID) -> Bool {
    curators.contains(account)
  }

  /// Throws unless `actor` is the owner, who alone may do `action`.
  func requireOwner(_ actor: AccountID, to action: String) throws {
    guard actor == owner else {
      throw LedgerError.notPermitted(
        actor: actor, action: action, requirement: "only its owner \(owner.fingerprint) may")
    }
  }

  /// Throws unless `actor` is one of the curators, who alone may do `action` (such as "review
  /// contributions to 'NAME'"); the error lists them.
  func requireCurator(_ actor: AccountID, to action: String) throws {
    guard isCurator(actor) else {
      throw LedgerError.notPermitted(
        actor: actor, action: action,
        requirement: "only its curators may ("
          + (curators.isEmpty ? "it has none" : curators.map(\.fingerprint).joined(separator: ", "))
          + ")")
    }
  }

  public func isOperator(_ account: AccountID) -> Bool {
    operators.contains(account)
  }

  /// Applies a `datanet.update`, checking that `actor` may make each change.
  public mutating func apply(_ update: DatanetUpdate, by actor: AccountID, at time: String) throws {
    if update.changesCurators { try requireOwner(actor, to: "change the curators of '\(name)'") }
    if update.changesOperators {
      try requireOwner(actor, to: "change the model operators of '\(name)'")
    }
    if update.description != nil || update.license != nil || update.policy != nil,
      actor != owner, !isCurator(actor)
    {
      throw LedgerError.notPermitted(
        actor: actor, action: "update '\(name)'",
        requirement: "only its owner and curators may")
    }
    try changeSchema(to: update.schema, by: actor)
    if let value = update.description { description = value }
    if let value = update.license { license = value }
    if let value = update.policy { policy = value }
    var set = Set(curators)
    set.formUnion(update.addCurators ?? [])
    set.subtract(update.removeCurators ?? [])
    curators = set.sorted()
    operators = Set(operators).union(update.addOperators ?? []).subtracting(
      update.removeOperators ?? []
    ).sorted()
    updated = time
  }
}
