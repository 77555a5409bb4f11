import CZlib
import Foundation

/// Checks a gzip stream's trailers as its compressed bytes go by: each member ends with the
/// CRC-32 and the length of its content, which libarchive reads past without checking, so a
/// damaged `.gz` would otherwise be contributed as if it were whole (`gzip -t` refuses it).
///
/// The check inflates the bytes a second time with zlib, into a scratch buffer it discards; zlib
/// compares each trailer with what it inflated. It starts by looking at the first three bytes:
/// anything but a gzip header (`1f 8b 08`) turns it off. Members may follow one another, as
/// libarchive reads them; bytes after the last member that do not start another are ignored,
/// as libarchive and gzip ignore them.
final class GzipCheck {
  /// Why the stream is not a whole gzip stream, in words for a message.
  struct Failure: Error, Equatable {
    let message: String
    /// Whether a member's trailer (CRC-32, length) disagrees with its content, rather than the
    /// compressed data being damaged, which libarchive finds and reports on its own.
    var isTrailer = false
  }

  private enum Phase {
    /// Waiting for three bytes: a member's header, or whatever follows the last member.
    case header([UInt8])
    case member
    /// Not gzip, or past the last member: nothing more to check.
    case off
    case failed(Failure)
  }

  private var phase = Phase.header([])
  private var stream = z_stream()
  private var streamReady = false
  private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
  /// The members whose trailers matched.
  private(set) var members = 0
  /// Bytes inflated so far, all members together.
  private(set) var inflatedBytes: Int64 = 0

  private static let magic: [UInt8] = [0x1F, 0x8B, 0x08]

  deinit {
    if streamReady { inflateEnd(&stream) }
    scratch.deallocate()
  }

  /// Whether bytes still need checking: the first three bytes have not come yet, or the input
  /// is gzip and no byte after its last member has been seen.
  var isActive: Bool {
    switch phase {
    case .header, .member: true
    case .off, .failed: false
    }
  }

  /// Checks the next bytes of the stream.
  func update(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
    var rest = bytes
    while !rest.isEmpty {
      switch phase {
      case .failed(let failure): throw failure
      case .off: return
      case .header(var head):
        let taken = min(Self.magic.count - head.count, rest.count)
        head += rest[0..<taken]
        rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
        guard head.count == Self.magic.count else {
          phase = .header(head)
          return
        }
        guard head == Self.magic else {
          phase = .off
          return
        }
        try startMember()
        var failure: Failure?
        head.withUnsafeBytes { raw in
          do throws(Failure) { _ = try inflate(raw) } catch { failure = error }
        }
        if let failure { throw failure }
      case .member:
        let used = try inflate(rest)
        rest = UnsafeRawBufferPointer(rebasing: rest[used...])
      }
    }
  }

  /// Says whether the stream ended where a member ended: a stream cut inside a member (or its
  /// trailer) fails.
  func finish() throws(Failure) {
    switch phase {
    case .failed(let failure): throw failure
    case .member:
      throw fail(
        Failure(
          message: "the gzip stream ends inside a member, before its checksum (it is cut short)",
          isTrailer: true))
    case .header, .off: return
    }
  }

  private func startMember() throws(Failure) {
    if streamReady {
      guard inflateReset(&stream) == Z_OK else { throw fail("zlib could not start a member") }
    } else {
      guard ol_inflate_init_gzip(&stream) == Z_OK else { throw fail("zlib is out of memory") }
      streamReady = true
    }
    phase = .member
  }

  /// Inflates from `bytes` until they run out or the member ends; returns the bytes used.
  private func inflate(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Int {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
    stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
    stream.avail_in = uInt(bytes.count)
    var status: Int32
    repeat {
      stream.next_out = scratch.baseAddress!.assumingMemoryBound(to: Bytef.self)
      stream.avail_out = uInt(scratch.count)
      status = CZlib.inflate(&stream, Z_NO_FLUSH)
      inflatedBytes += Int64(scratch.count - Int(stream.avail_out))
    } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
    let used = bytes.count - Int(stream.avail_in)
    switch status {
    case Z_STREAM_END:
      members += 1
      phase = .header([])
    case Z_OK, Z_BUF_ERROR:
      break  // the member goes on in the next bytes
    case Z_MEM_ERROR:
      throw fail("zlib is out of memory")
    default:
      let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
      throw fail(explain(reason))
    }
    return used
  }

  /// zlib's words, with what they mean for a person holding the file.
  private func explain(_ reason: String) -> Failure {
    let member = members == 0 ? "" : " of member \(members + 1)"
    return switch reason {
    case "incorrect data check":
      Failure(
        message: "the gzip checksum (CRC-32)\(member) does not match the content", isTrailer: true)
    case "incorrect length check":
      Failure(
        message: "the gzip length field\(member) does not match the content's length",
        isTrailer: true)
    default:
      Failure(message: "gzip data\(member): \(reason)")
    }
  }

  private func fail(_ message: String) -> Failure {
    fail(Failure(message: message))
  }

  private func fail(_ failure: Failure) -> Failure {
    phase = .failed(failure)
    return failure
  }
}

/// A `GzipCheck` run on a serial queue of its own, so that inflating the input a second time
/// does not slow the thread that reads it (libarchive inflates on that thread already).
///
/// Used from one thread: `update` with each block handed to libarchive, then `wait` and `finish`
/// at the end. The first three bytes are looked at on that thread: anything but a gzip header
/// ends the check at once. Blocks are copied, since the caller reuses its buffer; at most
/// `maxQueuedBlocks` wait, so a check that falls behind holds the reader back, not memory.
final class BackgroundGzipCheck {
  private let queue = DispatchQueue(label: "openledger.gzip-check")
  private let slots = DispatchSemaphore(value: BackgroundGzipCheck.maxQueuedBlocks)
  private let check = UncheckedSendable(GzipCheck())
  private let found = Found()
  private var head = [UInt8]()
  private var decided = false

  static let maxQueuedBlocks = 32

  /// A failure the queue found, read from the reading thread.
  private final class Found: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: GzipCheck.Failure?

    var value: GzipCheck.Failure? {
      lock.lock()
      defer { lock.unlock() }
      return failure
    }

    func set(_ failure: GzipCheck.Failure) {
      lock.lock()
      self.failure = failure
      lock.unlock()
    }
  }

  /// Whether the input starts like a gzip stream; known once three bytes have been passed.
  private(set) var isGzip = false

  /// What the check has found wrong so far, if anything.
  var failure: GzipCheck.Failure? { found.value }

  /// Checks `bytes`, the next part of the input, on the queue (copied first).
  func update(_ bytes: UnsafeRawBufferPointer) {
    guard !bytes.isEmpty else { return }
    if !decided {
      let before = head.count
      head += bytes.prefix(3 - before)
      guard head.count == 3 else { return }
      decided = true
      isGzip = head == [0x1F, 0x8B, 0x08]
      // Blocks before this one held only the start of the header: they go first.
      if isGzip && before > 0 { enqueue(Array(head[0..<before])) }
    }
    guard isGzip, found.value == nil else { return }
    enqueue(Array(bytes))
  }

  /// Stops the check: the input is read out of order from here (a skip or a seek before its
  /// first bytes), so it cannot be gzip read front to back.
  func stop() {
    decided = true
  }

  private func enqueue(_ bytes: [UInt8]) {
    slots.wait()
    let (check, found, slots) = (self.check, self.found, self.slots)
    queue.async {
      defer { slots.signal() }
      guard found.value == nil else { return }
      bytes.withUnsafeBytes { raw in
        do throws(GzipCheck.Failure) {
          try check.value.update(raw)
        } catch {
          found.set(error)
        }
      }
    }
  }

  /// Waits until every block passed is checked; returns whether the stream may go on (no byte
  /// past its last member seen yet) and how many bytes it inflated.
  func wait() -> (isActive: Bool, inflatedBytes: Int64) {
    let check = self.check
    return queue.sync { (check.value.isActive, check.value.inflatedBytes) }
  }

  /// After the last byte: the failure found, or a stream cut inside a member.
  func finish() -> GzipCheck.Failure? {
    guard isGzip else { return nil }
    let check = self.check
    return queue.sync { () -> GzipCheck.Failure? in
      do throws(GzipCheck.Failure) {
        try check.value.finish()
        return nil
      } catch {
        return error
      }
    }
  }
}
