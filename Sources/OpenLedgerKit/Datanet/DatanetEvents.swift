/// The body of a `datanet.create` event.
public struct DatanetCreate: Codable, Sendable, Equatable {
  public var name: String
  public var description: String
  public var license: String
  public var schema: DatanetSchema
  public var policy: DatanetPolicy
  public var owner: AccountID
  public var curators: [AccountID]

  public init(
    name: String, description: String, license: String, schema: DatanetSchema,
    policy: DatanetPolicy, owner: AccountID, curators: [AccountID]
  ) {
    self.name = name
    self.description = description
    self.license = license
    self.schema = schema
    self.policy = policy
    self.owner = owner
    self.curators = Array(Set(curators)).sorted()
  }

  /// Datanet names: 1 to 64 of `a-z 0-9 . _ -`, starting with a letter or digit, so they are
  /// safe as directory names and in URLs (`StoreName`).
  public static func isValidName(_ name: String) -> Bool {
    StoreName.isValid(name)
  }
}

/// The body of a `datanet.update` event: only the fields it changes.
public struct DatanetUpdate: Codable, Sendable, Equatable {
  public var description: String?
  public var license: String?
  public var policy: DatanetPolicy?
  public var addCurators: [AccountID]?
  public var removeCurators: [AccountID]?
  /// Model operators: the identities whose signed inference logs back reward epochs.
  public var addOperators: [AccountID]?
  public var removeOperators: [AccountID]?
  /// The schema new contributions follow from now on (owner only; see `SchemaChange.swift`).
  public var schema: DatanetSchema?

  public init(
    description: String? = nil, license: String? = nil, policy: DatanetPolicy? = nil,
    addCurators: [AccountID] = [], removeCurators: [AccountID] = [],
    addOperators: [AccountID] = [], removeOperators: [AccountID] = [],
    schema: DatanetSchema? = nil
  ) {
    self.schema = schema
    self.description = description
    self.license = license
    self.policy = policy
    self.addCurators = addCurators.isEmpty ? nil : Array(Set(addCurators)).sorted()
    self.removeCurators = removeCurators.isEmpty ? nil : Array(Set(removeCurators)).sorted()
    self.addOperators = addOperators.isEmpty ? nil : Array(Set(addOperators)).sorted()
    self.removeOperators = removeOperators.isEmpty ? nil : Array(Set(removeOperators)).sorted()
  }

  public var changesCurators: Bool { addCurators != nil || removeCurators != nil }

  public var changesOperators: Bool { addOperators != nil || removeOperators != nil }

  public var isEmpty: Bool {
    description == nil && license == nil && policy == nil && !changesCurators
      && !changesOperators && schema == nil
  }
}
