import ArgumentParser
import Foundation

/// A command that works against a `Context`. Its `run()` builds the context once, from the
/// process (environment, working directory, clock) and the command's options, and hands it to
/// `run(_:)`, which does the work: a test can run a parsed command in-process with a context of
/// its own, as SwiftPM's commands take a `SwiftCommandState`.
protocol ContextCommand: ParsableCommand {
  var global: GlobalOptions { get }
  func run(_ context: Context) throws
}

extension ContextCommand {
  func run() throws {
    try run(Context(global))
  }
}
