import ArgumentParser
import BenchSupport
import Foundation
import OpenLedgerKit

/// Measures the attribution index: building a segment from a text corpus, and attributing
/// outputs over it. `Benchmarks/attribution.sh` runs it side by side with infini-gram.
@main
struct AttributionBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attribution-bench",
    abstract: "Benchmarks openledger's attribution index and attribution.",
    subcommands: [
      Generate.self, Build.self, Sort.self, Query.self, Credit.self, Phrases.self, Downgrade.self,
    ]
  )
}

/// A note for people on stderr.
func note(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// One line of JSON with sorted keys, for the script to collect.
func jsonLine(_ value: [String: Any]) throws -> String {
  String(
    decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]),
    as: UTF8.self)
}

/// The peak resident memory of this process so far, in MB.
func peakMemoryMegabytes() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}

/// CPU time this thread has used, in seconds: on a shared machine, wall time also counts the
/// time other processes held the core.
func threadCPUSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

extension Duration {
  var seconds: Double {
    Double(components.seconds) + Double(components.attoseconds) / 1e18
  }
}

/// The documents of a corpus file (mapped), separated by blank lines.
struct Corpus {
  let file: MappedFile
  let documents: [Range<Int>]

  init(path: String) throws {
    file = try MappedFile(path: path)
    documents = blankLineSeparatedDocuments(file.bytes)
  }

  func document(_ index: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: file.bytes[documents[index]])
  }
}

/// infini-gram's 16-bit token ids for our ids: the same ids less one when the vocabulary fits
/// (65,535 is its document separator); otherwise ids past 65,000 (the rarest, since our ids
/// rank by frequency) share the 534 ids from 65,000 to 65,533. 65,534 stands for a token that
/// the index does not hold.
enum InfiniGramIDs {
  static let separator: UInt16 = 0xffff
  static let unknown: UInt16 = 65_534

  static func map(_ id: UInt32, vocabulary: Int) -> UInt16 {
    if id == UInt32.max { return unknown }
    if vocabulary <= 65_534 || id <= 65_000 { return UInt16(id - 1) }
    return UInt16(65_000 + (id - 65_001) % 534)
  }
}
