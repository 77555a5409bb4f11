import ArgumentParser

/// Measures openledger's fingerprinting: speed on a text corpus, and near-duplicate detection
/// quality on planted pairs. `Benchmarks/fingerprint.sh` runs both and compares with Python tools.
@main
struct FingerprintBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fingerprint-bench",
    abstract: "Benchmarks openledger's tokenizer and MinHash.",
    subcommands: [Speed.self, Quality.self]
  )
}
