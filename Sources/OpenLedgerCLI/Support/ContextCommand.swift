import ArgumentParser
import Foundation

/// A command that works against a `Context`. Its `run()` builds the context once, from the
/// process (environment, working directory, clock) and `contextOptions`, and hands it to
/// `run(_:)`, which does the work: a test can run a parsed command in-process with a context of
/// its own, as SwiftPM's commands take a `SwiftCommandState`.
protocol ContextRunnable: ParsableCommand {
  /// What the context is built from: the common options, and the format of its output (for a
  /// command with formats of its own, such as JUnit or calldata, the nearest of text and json).
  var contextOptions: (common: CommonOptions, format: OutputFormat) { get }
  func run(_ context: Context) throws
}

extension ContextRunnable {
  func run() throws {
    try run(Context(contextOptions.common, format: contextOptions.format))
  }
}

/// A command that takes the global options (`--store`, `--format`, `--quiet`…), as most do.
protocol ContextCommand: ContextRunnable {
  var global: GlobalOptions { get }
}

extension ContextCommand {
  var contextOptions: (common: CommonOptions, format: OutputFormat) {
    (global.common, global.format)
  }
}
