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

extension Parallel {
  /// Calls `body` with each of `items` on `workers` threads (for network transfers, where
  /// threads wait more than they work). The first error stops the work that has not started
  /// and is rethrown.
  static func forEach<Item>(
    _ items: [Item], workers: Int, _ body: @escaping (Item) throws -> Void
  ) throws {
    if items.count < 2 || workers < 2 {
      for item in items { try body(item) }
      return
    }
    let lock = NSLock()
    var next = 0
    var failure: (any Error)?
    // Threads of their own: the dispatch pool would run no more of them than there are cores.
    // Each takes the next index under the lock, so sharing the closure and items is safe.
    let work = UncheckedSendable(
      { () -> Void in
        while true {
          let index: Int? = lock.withLock {
            guard failure == nil, next < items.count else { return nil }
            next += 1
            return next - 1
          }
          guard let index else { return }
          do {
            try body(items[index])
          } catch {
            lock.withLock { if failure == nil { failure = error } }
          }
        }
      })
    let done = DispatchGroup()
    for _ in 0..<min(workers, items.count) {
      done.enter()
      Thread {
        work.value()
        done.leave()
      }.start()
    }
    done.wait()
    if let failure = lock.withLock({ failure }) { throw failure }
  }
}

/// A value handed to concurrent workers that the caller knows they use safely.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
