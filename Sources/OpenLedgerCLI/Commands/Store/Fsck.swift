import ArgumentParser
import OpenLedgerKit

struct Fsck: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Re-hash every object and check that the catalog's objects exist.",
    discussion: "Exits 1 when a problem is found; each problem names the object.")

  @OptionGroup var global: GlobalOptions

  func run(_ context: Context) throws {
    let store = try context.openStore()
    var progress: ProgressBar?
    let report = try store.fsck { objects, total, bytes in
      if progress == nil {
        progress = ProgressBar(
          label: "fsck", unit: "objects", output: context.output, total: .items(total))
      }
      progress?.update(items: objects, bytes: bytes)
    }
    progress?.finish()
    if context.output.isJSON {
      try context.output.json(report)
    } else {
      for problem in report.problems {
        context.output.line("\(problem.kind.rawValue): \(DisplayText.escaped(problem.message))")
      }
      let summary =
        "checked \(report.objectsChecked) objects (\(formatBytes(report.bytesChecked))): "
        + (report.isClean ? "no problems" : "\(report.problems.count) problem(s)")
      context.output.line(summary)
    }
    if !report.isClean { throw ExitCode(FailureKind.checksFailed.exitStatus) }
  }
}
