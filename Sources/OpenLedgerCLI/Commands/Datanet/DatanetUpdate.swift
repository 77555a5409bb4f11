import ArgumentParser
import OpenLedgerKit

extension DatanetCommand {
  struct Update: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Change a Datanet's description, license, policy, curators, model operators or schema.",
      discussion: """
        Only the owner may change curators, model operators (the identities whose signed \
        inference logs back reward epochs) and the schema; the owner and curators may change \
        the rest. A schema change (--min-length, --max-length, --require, --text-field, or \
        --schema FILE; the record format and split stay) applies to contributions from now \
        on: the records already in the Datanet stay as they are. --min-length 0 and \
        --max-length 0 remove a limit.

        An account is named by its id (64 hex digits, or 8 or more of its first digits, such \
        as the short id listings print, when this store's ledger or a local identity knows it), \
        by a local identity's name, or by the path of the file `identity export-public` wrote \
        for it.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    @Option(name: .long, help: "A new description.")
    var description: String?

    @Option(
      name: .long,
      help: ArgumentHelp(
        "A new license: an SPDX license id or expression, or LicenseRef-NAME.", valueName: "spdx"))
    var license: String?

    @Option(name: .long, help: "What near duplicates get from now on: flag or reject.")
    var nearDuplicates: NearDuplicateAction?

    @Option(
      name: .long,
      help: ArgumentHelp(
        "The default reward split from now on: a policy file as `rewards compute --policy` "
          + "takes.", valueName: "file"))
    var rewardsPolicy: String?

    @Option(
      name: .long,
      help: ArgumentHelp(
        "Add a curator: an account id, a local identity's name or a public key file "
          + "(repeatable)."),
      completion: .identities)
    var addCurator: [String] = []

    @Option(name: .long, help: "Remove a curator (repeatable).", completion: .identities)
    var removeCurator: [String] = []

    @Option(
      name: .long,
      help: ArgumentHelp(
        "Register a model operator, whose signed inference logs may back reward epochs: an "
          + "account id, a local identity's name or a public key file (repeatable)."),
      completion: .identities)
    var addOperator: [String] = []

    @Option(name: .long, help: "Remove a model operator (repeatable).", completion: .identities)
    var removeOperator: [String] = []

    @Flag(help: "From now on, refuse reward epochs whose inference log no operator signed.")
    var requireSignedLog = false

    @Flag(help: "From now on, accept reward epochs from unsigned inference logs (the default).")
    var allowUnsignedLog = false

    @OptionGroup(title: "Schema (owner only; for contributions from now on)")
    var schemaChange: SchemaOptions

    func validate() throws {
      if description == nil, license == nil, nearDuplicates == nil, rewardsPolicy == nil,
        addCurator.isEmpty, removeCurator.isEmpty, addOperator.isEmpty, removeOperator.isEmpty,
        !requireSignedLog, !allowUnsignedLog, !schemaChange.hasFlags, schemaChange.schema == nil
      {
        throw ValidationError(DatanetError.nothingToUpdate.description)
      }
      if requireSignedLog, allowUnsignedLog {
        throw ValidationError("give one of --require-signed-log and --allow-unsigned-log")
      }
      do {
        _ = try license.map(License.normalize)
      } catch {
        throw ValidationError(error.description)
      }
    }

    func run(_ context: Context) throws {
      let license = try self.license.map(License.normalize)
      let (ledger, state) = try context.ledger(target.datanet)
      let identity = try context.identity()
      let schema = try schemaChange.change(
        of: state.schema, workingDirectory: context.workingDirectory)
      var policy: DatanetPolicy?
      if let nearDuplicates {
        policy = policy ?? state.policy
        policy?.nearDuplicate = nearDuplicates
      }
      if let rewardsPolicy {
        let settings = try RewardSettings.load(
          path: context.absolute(rewardsPolicy), resolveAccount: context.identities.resolveAccount)
        // Checked now, so a Datanet never holds a split that cannot be used.
        _ = try settings.resolve(curators: state.curators, owner: state.owner)
        policy = policy ?? state.policy
        policy?.rewards = settings
      }
      if requireSignedLog || allowUnsignedLog {
        policy = policy ?? state.policy
        // Not requiring is the absence of the field, so a policy has one encoding per meaning.
        policy?.requireSignedLog = requireSignedLog ? true : nil
      }
      let resolve = { (names: [String]) in
        try names.map { ($0, try context.resolveAccount($0)) }
      }
      let (adds, removes) = (try resolve(addCurator), try resolve(removeCurator))
      let (addsOperators, removesOperators) = (
        try resolve(addOperator), try resolve(removeOperator)
      )
      // A change that changes nothing is refused rather than signed; only for the owner, whom
      // the ledger lets change curators and operators (anyone else is refused there, exit 77).
      if identity.account == state.owner {
        try Self.check(adds, removes, members: state.curators, as: .curator, of: state)
        try Self.check(
          addsOperators, removesOperators, members: state.operators, as: .operator, of: state)
        let remaining = Set(state.curators).union(adds.map(\.1)).subtracting(removes.map(\.1))
        if remaining.isEmpty { throw DatanetError.noCuratorsLeft(datanet: state.name) }
      }
      if identity.account == state.owner || state.curators.contains(identity.account),
        adds.isEmpty, removes.isEmpty, addsOperators.isEmpty, removesOperators.isEmpty,
        description.map({ $0 == state.description }) ?? true,
        license.map({ $0 == state.license }) ?? true, policy.map({ $0 == state.policy }) ?? true,
        schema.map({ $0 == state.schema }) ?? true
      {
        throw DatanetError.nothingChanges(datanet: state.name)
      }
      let update = DatanetUpdate(
        description: description, license: license, policy: policy,
        addCurators: adds.map(\.1), removeCurators: removes.map(\.1),
        addOperators: addsOperators.map(\.1), removeOperators: removesOperators.map(\.1),
        schema: schema)
      try ledger.append(.datanetUpdate(update), to: state.id, by: identity, clock: context.clock)
      let updated = try ledger.datanet(state.id.hex)
      if context.output.isJSON {
        try context.output.json(updated)
      } else {
        context.output.line("Updated Datanet \(updated.name)")
      }
      if let schema, schema != state.schema {
        let records = try ledger.statistics(of: state.id).records
        let change = SchemaOptions.describeChange(from: state.schema, to: schema)
        context.output.note(
          "the schema of \(state.name) changed (\(change)): the \(records) record(s) already in "
            + "it stay as they are; contributions from now on follow the new schema")
      }
    }

    /// Throws when `adds` and `removes` (each with the name given) would change nothing: an
    /// account both added and removed, added while a member, or removed while not one.
    static func check(
      _ adds: [(String, AccountID)], _ removes: [(String, AccountID)], members: [AccountID],
      as role: DatanetMembership, of state: DatanetState
    ) throws {
      for (name, account) in adds {
        if removes.contains(where: { $0.1 == account }) {
          throw DatanetError.addedAndRemoved(name, role)
        }
        if members.contains(account) {
          throw DatanetError.alreadyMember(name, role, datanet: state.name)
        }
      }
      for (name, account) in removes where !members.contains(account) {
        throw DatanetError.notMember(name, role, datanet: state.name)
      }
    }
  }
}
