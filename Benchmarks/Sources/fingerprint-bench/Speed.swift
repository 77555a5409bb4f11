import ArgumentParser
import Foundation
import OpenLedgerKit

/// Measures MB/s of MinHash signatures (tokenizing included) on one core.
struct Speed: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "MB/s of MinHash signatures on one core, documents separated by blank lines.")

  @Argument(help: "The corpus: UTF-8 text, documents separated by blank lines.")
  var corpus: String

  @Option(help: "How many times to measure; the median is reported.")
  var repeats = 5

  @Option(help: "The kernel: best, all, or one of portable, avx2, avx512.")
  var kernel = "best"

  func run() throws {
    let corpus = try Corpus(blankLineSeparated: corpus)
    let megabytes = Double(corpus.documentBytes) / 1_000_000
    note(
      "corpus: \(corpus.documents.count) documents, \(String(format: "%.1f", megabytes)) MB")
    let kernels: [MinHashKernel] =
      switch kernel {
      case "best": [.best]
      case "all": MinHashKernel.allCases.filter(\.isSupported)
      default: [MinHashKernel(rawValue: kernel)].compactMap { $0 }
      }
    guard !kernels.isEmpty else {
      throw ValidationError("unknown kernel '\(kernel)': use best, all, portable, avx2 or avx512")
    }

    var result: [String: Any] = [
      "documents": corpus.documents.count, "megabytes": megabytes,
      "best_kernel": MinHashKernel.best.rawValue,
    ]
    let tokenizer = measure(repeats: repeats, megabytes: megabytes) {
      var tokens = 0
      for index in corpus.documents.indices {
        corpus.withDocument(index) { text in
          Tokenizer.forEachToken(in: text) { _, _, _ in tokens += 1 }
        }
      }
      return tokens
    }
    note("tokenizer only: \(format(tokenizer)) MB/s (median of \(repeats))")
    result["tokenizer_mb_per_s"] = tokenizer

    var checksums: Set<UInt64> = []
    for kernel in kernels {
      let hasher = MinHasher(kernel: kernel)
      var checksum: UInt64 = 0
      let speed = measure(repeats: repeats, megabytes: megabytes) {
        checksum = 0
        for index in corpus.documents.indices {
          corpus.withDocument(index) { text in
            if let signature = hasher.signature(utf8: text) {
              checksum = checksum &* 31 &+ UInt64(signature.values[0])
            }
          }
        }
        return Int(truncatingIfNeeded: checksum)
      }
      checksums.insert(checksum)
      note("minhash, \(kernel.rawValue) kernel: \(format(speed)) MB/s (median of \(repeats))")
      result["minhash_\(kernel.rawValue)_mb_per_s"] = speed
    }
    guard checksums.count == 1 else {
      throw ValidationError("the kernels gave different signatures: \(checksums)")
    }
    // The headline figure is the kernel openledger uses on this machine, when it was measured.
    let headline = kernels.contains(.best) ? MinHashKernel.best : kernels[0]
    result["minhash_mb_per_s"] = result["minhash_\(headline.rawValue)_mb_per_s"]
    result["kernel"] = headline.rawValue
    print(try jsonLine(result))
  }

  /// The median MB/s of `repeats` runs of `work`, which processes `megabytes`.
  private func measure(repeats: Int, megabytes: Double, _ work: () -> Int) -> Double {
    var speeds: [Double] = []
    var sink = 0
    for _ in 0..<repeats {
      let start = threadCPUSeconds()
      sink &+= work()
      speeds.append(megabytes / (threadCPUSeconds() - start))
    }
    if sink == 42 { note("") }
    return median(speeds)
  }

  private func format(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// The CPU time this thread has used, in seconds.
///
/// Speeds are measured in CPU time, not wall-clock time: on a shared machine other processes
/// take the core away now and then, and wall-clock figures swing by a factor of two.
func threadCPUSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
