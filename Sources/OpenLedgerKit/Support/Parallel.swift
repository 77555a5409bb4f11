import Foundation

/// Runs work over ranges of indices on all cores, for large hashing jobs.
enum Parallel {
  /// Calls `body` with disjoint ranges covering `0..<count`, concurrently when `count` is at
  /// least `minimumCount` (below it, threads cost more than they save).
  static func forEachChunk(
    count: Int, minimumCount: Int = 1 << 14, _ body: (Range<Int>) -> Void
  ) {
    let workers = ProcessInfo.processInfo.activeProcessorCount
    if count < minimumCount || workers < 2 {
      body(0..<count)
      return
    }
    let chunks = workers * 4
    let size = (count + chunks - 1) / chunks
    withoutActuallyEscaping(body) { body in
      // Each call works on its own range of indices, so sharing the closure is safe.
      let shared = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = chunk * size
        let end = min(count, start + size)
        if start < end { shared.value(start..<end) }
      }
    }
  }
}

/// A value handed to concurrent workers that the caller knows they use safely.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
