import ArgumentParser

/// Measures the speed of openledger's tokenizer and MinHash on a text corpus, one core.
/// `Benchmarks/bench.py` runs it beside the Python peers; near-duplicate quality it measures
/// through the `openledger fingerprint` command itself.
@main
struct FingerprintBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fingerprint-bench",
    abstract: "Benchmarks openledger's tokenizer and MinHash.",
    subcommands: [Speed.self]
  )
}
