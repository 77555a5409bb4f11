import ArgumentParser
import OpenLedgerKit

extension DatanetCommand {
  struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Change a Datanet's description, license, policy or curators.",
      discussion: "Only the owner may change curators; the owner and curators may change the rest.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The Datanet's name or id.")
    var datanet: String

    @Option(name: .long, help: "A new description.")
    var description: String?

    @Option(name: .long, help: "A new license.")
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
      name: .long, help: "Add a curator: an account id or a local identity's name (repeatable).")
    var addCurator: [String] = []

    @Option(name: .long, help: "Remove a curator (repeatable).")
    var removeCurator: [String] = []

    func validate() throws {
      if description == nil, license == nil, nearDuplicates == nil, rewardsPolicy == nil,
        addCurator.isEmpty, removeCurator.isEmpty
      {
        throw ValidationError(DatanetError.nothingToUpdate.description)
      }
    }

    func run() throws {
      let context = Context(global)
      let store = try context.openStore()
      let ledger = Ledger(store: store)
      let state = try ledger.datanet(datanet)
      let identity = try context.identity()
      var policy: DatanetPolicy?
      if let nearDuplicates {
        policy = policy ?? state.policy
        policy?.nearDuplicate = nearDuplicates
      }
      if let rewardsPolicy {
        let settings = try RewardSettings.load(path: context.absolute(rewardsPolicy))
        // Checked now, so a Datanet never holds a split that cannot be used.
        _ = try settings.resolve(curators: state.curators, owner: state.owner)
        policy = policy ?? state.policy
        policy?.rewards = settings
      }
      let adds = try addCurator.map { ($0, try context.identities.resolveAccount($0)) }
      let removes = try removeCurator.map { ($0, try context.identities.resolveAccount($0)) }
      // A change that changes nothing is refused rather than signed; only for the owner, whom
      // the ledger lets change curators (anyone else is refused there, exit 77).
      if identity.account == state.owner {
        for (name, account) in adds {
          if removes.contains(where: { $0.1 == account }) {
            throw DatanetError.curatorAddedAndRemoved(name)
          }
          if state.curators.contains(account) {
            throw DatanetError.alreadyCurator(name, datanet: state.name)
          }
        }
        for (name, account) in removes where !state.curators.contains(account) {
          throw DatanetError.notCurator(name, datanet: state.name)
        }
        let remaining = Set(state.curators).union(adds.map(\.1)).subtracting(removes.map(\.1))
        if remaining.isEmpty { throw DatanetError.noCuratorsLeft(datanet: state.name) }
      }
      if identity.account == state.owner || state.curators.contains(identity.account),
        adds.isEmpty, removes.isEmpty, description.map({ $0 == state.description }) ?? true,
        license.map({ $0 == state.license }) ?? true, policy.map({ $0 == state.policy }) ?? true
      {
        throw DatanetError.nothingChanges(datanet: state.name)
      }
      let update = DatanetUpdate(
        description: description, license: license, policy: policy,
        addCurators: adds.map(\.1), removeCurators: removes.map(\.1))
      try ledger.append(.datanetUpdate(update), to: state.id, by: identity, clock: context.clock)
      let updated = try ledger.datanet(state.id.hex)
      if context.output.isJSON {
        try context.output.json(updated)
      } else {
        context.output.line("Updated Datanet \(updated.name)")
      }
    }
  }
}
