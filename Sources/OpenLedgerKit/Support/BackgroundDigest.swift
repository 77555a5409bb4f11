import Crypto
import Foundation

/// The SHA-256 of a stream of bytes, computed on a serial queue of its own so that the thread
/// reading the stream goes on meanwhile. The bytes are not copied: the caller keeps each part
/// unchanged until `wait` (or `finalize`) returns.
final class BackgroundDigest {
  private let queue = DispatchQueue(label: "openledger.input-digest")
  private let state = State()

  /// The hasher, touched only on `queue`.
  private final class State: @unchecked Sendable {
    var hasher = SHA256()
  }

  deinit {
    // Bytes still queued must be read before their owner may change them.
    queue.sync {}
  }

  /// Hashes `bytes` on the queue, after the parts before; they must stay as they are until
  /// `wait` returns.
  func update(borrowing bytes: UnsafeRawBufferPointer) {
    guard !bytes.isEmpty else { return }
    let (state, handed) = (self.state, UncheckedSendable(bytes))
    queue.async { state.hasher.update(bufferPointer: handed.value) }
  }

  /// Returns once every part passed to `update` is hashed.
  func wait() {
    queue.sync {}
  }

  /// The digest of every byte passed to `update`.
  func finalize() -> Digest {
    let state = self.state
    return queue.sync { Digest(bytes: state.hasher.finalize()) }
  }
}
