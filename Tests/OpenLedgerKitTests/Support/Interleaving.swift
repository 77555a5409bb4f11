import Foundation

@testable import OpenLedgerKit

/// Work run on a thread of its own, as another process would run it, whose end can be waited
/// for with a limit.
final class OtherThread<Value>: @unchecked Sendable {
  private let condition = NSCondition()
  private var outcome: Result<Value, Error>?

  init(_ work: @escaping () throws -> Value) {
    // The work is handed to the thread and run only there.
    let handed = UncheckedSendable(work)
    Thread { [self] in
      let result = Result(catching: handed.value)
      condition.lock()
      outcome = result
      condition.broadcast()
      condition.unlock()
    }.start()
  }

  /// Whether the work ended within `seconds`.
  func ended(within seconds: TimeInterval) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    let deadline = Date(timeIntervalSinceNow: seconds)
    while outcome == nil {
      if !condition.wait(until: deadline) { return outcome != nil }
    }
    return true
  }

  /// The work's result, once it has ended.
  func value() throws -> Value {
    condition.lock()
    defer { condition.unlock() }
    while outcome == nil { condition.wait() }
    return try outcome!.get()
  }
}

/// A point where work stops, the first time it gets there, until the test lets it go on: to
/// hold one party in the middle of what it does while another acts.
final class Pause: @unchecked Sendable {
  private let condition = NSCondition()
  private var reached = false
  private var released = false

  /// Called by the paused work: waits the first time, returns at once afterwards.
  func here() {
    condition.lock()
    defer { condition.unlock() }
    guard !reached else { return }
    reached = true
    condition.broadcast()
    while !released { condition.wait() }
  }

  /// Waits until the work has reached the pause.
  func waitUntilReached() {
    condition.lock()
    defer { condition.unlock() }
    while !reached { condition.wait() }
  }

  func release() {
    condition.lock()
    released = true
    condition.broadcast()
    condition.unlock()
  }
}
