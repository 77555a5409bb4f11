import ArgumentParser

/// The Datanet a command works on, by name or id: the first argument of most commands.
struct DatanetArgument: ParsableArguments {
  @Argument(help: "The Datanet's name or id.", completion: .datanets)
  var datanet: String
}
