import Foundation

/// Work started on another thread, whose result is waited for where it is needed.
final class BackgroundTask<Value: Sendable>: @unchecked Sendable {
  private let group = DispatchGroup()
  /// Set once on the other thread; read only after `group` says it is done.
  private var outcome: Result<Value, Error>?

  init(_ work: @escaping @Sendable () throws -> Value) {
    DispatchQueue.global().async(group: group) { [self] in
      outcome = Result(catching: work)
    }
  }

  /// The work's result, or the error it threw, once it has finished.
  func value() throws -> Value {
    group.wait()
    return try outcome!.get()
  }
}
