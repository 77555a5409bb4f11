import ArgumentParser
import OpenLedgerKit

/// The settings of attribution, for the commands that attribute outputs.
struct AttributionOptions: ParsableArguments {
  @Option(help: "The fewest tokens a span needs to count.")
  var minSpan = AttributionSettings.defaultMinSpan

  @Option(help: "The most occurrences in the index a span may have to count.")
  var maxOccurrences = AttributionSettings.defaultMaxOccurrences

  func check() throws {
    guard minSpan >= 1 else { throw ValidationError("--min-span must be 1 or more") }
    guard maxOccurrences >= 1 else { throw ValidationError("--max-occurrences must be 1 or more") }
  }

  var settings: AttributionSettings {
    AttributionSettings(minSpan: minSpan, maxOccurrences: maxOccurrences)
  }
}

extension Context {
  /// Notes on stderr the accepted contributions the index does not cover yet, and what that
  /// means here (`consequence`, e.g. "earn nothing in this epoch").
  func notePendingIndex(
    _ status: AttributionIndex.Status, of state: DatanetState, _ consequence: String
  ) {
    guard status.pendingContributions > 0 else { return }
    output.note(
      "note: \(status.pendingContributions) accepted contribution(s) of \(state.name) are not "
        + "indexed yet\(consequence); run `openledger index build \(state.name)` to include them")
  }

  /// The attribution index of Datanet `datanet` (a name or an id), for a query of it: notes
  /// the accepted contributions it does not cover yet, as `notePendingIndex` does.
  func attributionIndex(_ datanet: String, _ consequence: String) throws -> (
    state: DatanetState, index: AttributionIndex
  ) {
    let (store, state) = try self.datanet(datanet)
    let index = AttributionIndex(store: store, datanet: state)
    notePendingIndex(try index.status(), of: state, consequence)
    return (state, index)
  }
}
