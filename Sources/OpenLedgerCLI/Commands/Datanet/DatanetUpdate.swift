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
      let update = DatanetUpdate(
        description: description, license: license, policy: policy,
        addCurators: try addCurator.map(context.identities.resolveAccount),
        removeCurators: try removeCurator.map(context.identities.resolveAccount))
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
