import CArchive
import Foundation

/// The bytes behind an `ArchiveReader`: a file descriptor, after a prefix the caller may already
/// have read from it, handed to libarchive through its read callbacks and counted on the way.
///
/// Counting here, rather than trusting libarchive's own positions, gives the compressed side of
/// the expansion ratio. The read callback is also where a decompression bomb hidden in data that
/// libarchive skips on its own (padding, headers it ignores) is stopped: it runs before every
/// block of input, and checks how far the decompressed stream has got.
final class ArchiveInput {
  private let descriptor: Int32
  private let closesDescriptor: Bool
  /// Whether the descriptor is a regular file with no prefix, so libarchive may seek in it.
  let isSeekable: Bool
  /// The descriptor's offset when the reader started, which is byte 0 of the archive.
  private let startOffset: off_t
  private let prefix: UnsafeMutableRawBufferPointer
  private var prefixDelivered = false
  private let block: UnsafeMutableRawBufferPointer
  private let limits: ArchiveLimits

  /// Bytes handed to libarchive so far: the compressed size consumed.
  private(set) var deliveredBytes: Int64 = 0
  /// The `errno` of a failed read, which makes the failure an I/O error, not a damaged archive.
  private(set) var readError: Int32?
  /// The limit the read callback stopped libarchive for, with the decompressed bytes reached.
  private(set) var crossedLimit: (limit: ArchiveLimits.Limit, expandedBytes: Int64)?
  /// Checks a gzip input's trailers, which libarchive does not, on the bytes handed over.
  private let gzip = BackgroundGzipCheck()
  /// Why the input is not a whole gzip stream. A trailer that disagrees with the content stops
  /// libarchive at once; damaged compressed data is left for libarchive to find and name (it
  /// inflates the same bytes), and reported at the end if it does not.
  private(set) var gzipFailure: GzipCheck.Failure?

  /// What `checkEnd` found wrong after libarchive's last entry.
  enum EndFailure {
    case damaged(String)
    case limit(ArchiveLimits.Limit, expandedBytes: Int64)
    case unreadable(Int32)
  }

  /// The size of the blocks read from the descriptor. Small enough that a limit is checked
  /// often, large enough that reading is not dominated by system calls.
  static let blockSize = 64 * 1024

  init(
    descriptor: Int32, closesDescriptor: Bool, prefix: UnsafeRawBufferPointer, limits: ArchiveLimits
  ) {
    self.descriptor = descriptor
    self.closesDescriptor = closesDescriptor
    self.limits = limits
    var info = stat()
    let offset = lseek(descriptor, 0, SEEK_CUR)
    isSeekable =
      prefix.isEmpty && offset >= 0 && fstat(descriptor, &info) == 0
      && (info.st_mode & S_IFMT) == S_IFREG
    startOffset = max(offset, 0)
    self.prefix = UnsafeMutableRawBufferPointer.allocate(byteCount: prefix.count, alignment: 16)
    self.prefix.copyMemory(from: prefix)
    block = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.blockSize, alignment: 16)
  }

  deinit {
    prefix.deallocate()
    block.deallocate()
    if closesDescriptor { close(descriptor) }
  }

  /// Installs the callbacks on `archive` and opens it, which reads the first block to choose the
  /// decompression filters.
  func open(_ archive: OpaquePointer) -> Int32 {
    archive_read_set_callback_data(archive, Unmanaged.passUnretained(self).toOpaque())
    archive_read_set_read_callback(archive, archiveInputRead)
    if isSeekable {
      archive_read_set_skip_callback(archive, archiveInputSkip)
      archive_read_set_seek_callback(archive, archiveInputSeek)
    }
    return archive_read_open1(archive)
  }

  fileprivate func read(
    _ archive: OpaquePointer?, into buffer: UnsafeMutablePointer<UnsafeRawPointer?>?
  ) -> Int {
    if let archive, let limit = limitCrossed(archive) {
      crossedLimit = limit
      return Int(ARCHIVE_FATAL)
    }
    if !prefixDelivered {
      prefixDelivered = true
      if prefix.count > 0 {
        guard checkGzip(UnsafeRawBufferPointer(prefix)) else { return Int(ARCHIVE_FATAL) }
        buffer?.pointee = UnsafeRawPointer(prefix.baseAddress)
        deliveredBytes += Int64(prefix.count)
        return prefix.count
      }
    }
    guard let count = readBlock() else { return Int(ARCHIVE_FATAL) }
    guard checkGzip(UnsafeRawBufferPointer(rebasing: block[0..<count])) else {
      return Int(ARCHIVE_FATAL)
    }
    buffer?.pointee = UnsafeRawPointer(block.baseAddress)
    deliveredBytes += Int64(count)
    return count
  }

  /// Reads the next block from the descriptor into `block`; nil after a failed read.
  private func readBlock() -> Int? {
    while true {
      let count = Glibc.read(descriptor, block.baseAddress, block.count)
      if count < 0 {
        if errno == EINTR { continue }
        readError = errno
        return nil
      }
      return count
    }
  }

  /// Passes `bytes` to the gzip check; false, with `gzipFailure` set, once the check has found
  /// a trailer that disagrees with its member (in an earlier block: it runs behind the reader).
  private func checkGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
    if let failure = gzip.failure, failure.isTrailer {
      gzipFailure = failure
      return false
    }
    gzip.update(bytes)
    return true
  }

  /// After libarchive's last entry: reads what it left unread of a gzip input (the rest of the
  /// last member, its trailer; within the limits) and checks that the stream ended whole.
  func checkEnd() -> EndFailure? {
    guard gzip.isGzip else { return nil }
    var (isActive, inflated) = gzip.wait()
    while isActive, gzip.failure == nil {
      guard let count = readBlock() else { return .unreadable(readError ?? EIO) }
      if count == 0 { break }
      deliveredBytes += Int64(count)
      gzip.update(UnsafeRawBufferPointer(rebasing: block[0..<count]))
      (isActive, inflated) = gzip.wait()
      if let limit = limits.exceeded(expanded: inflated, compressed: deliveredBytes) {
        return .limit(limit, expandedBytes: inflated)
      }
    }
    if let failure = gzip.failure ?? gzip.finish() {
      gzipFailure = failure
      return .damaged(failure.message)
    }
    return nil
  }

  /// Whether the decompressed stream has gone past a limit, measured by how far libarchive's
  /// format reader has consumed it (filter 0), which counts what it skipped as well as the data
  /// it handed out.
  private func limitCrossed(_ archive: OpaquePointer) -> (ArchiveLimits.Limit, Int64)? {
    guard archive_filter_count(archive) > 1 else { return nil }
    let expanded = archive_filter_bytes(archive, 0)
    guard let limit = limits.exceeded(expanded: expanded, compressed: deliveredBytes) else {
      return nil
    }
    return (limit, expanded)
  }

  /// Skipping forward; never past bytes the gzip check must see (libarchive then reads them).
  fileprivate func skip(_ request: Int64) -> Int64 {
    guard request > 0, !gzip.isGzip else { return 0 }
    gzip.stop()
    guard lseek(descriptor, off_t(request), SEEK_CUR) >= 0 else { return 0 }
    return request
  }

  /// Seeking, for formats that read their directory first (zip, 7z); never in a gzip input,
  /// whose bytes the check must see in order (libarchive seeks in no compressed stream).
  fileprivate func seek(_ offset: Int64, whence: Int32) -> Int64 {
    guard !gzip.isGzip else { return Int64(ARCHIVE_FATAL) }
    gzip.stop()
    let target = whence == SEEK_SET ? off_t(offset) + startOffset : off_t(offset)
    let position = lseek(descriptor, target, whence)
    guard position >= startOffset else { return Int64(ARCHIVE_FATAL) }
    return Int64(position - startOffset)
  }
}

private func archiveInputRead(
  _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?,
  _ buffer: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> la_ssize_t {
  guard let context else { return la_ssize_t(ARCHIVE_FATAL) }
  let input = Unmanaged<ArchiveInput>.fromOpaque(context).takeUnretainedValue()
  return la_ssize_t(input.read(archive, into: buffer))
}

private func archiveInputSkip(
  _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ request: la_int64_t
) -> la_int64_t {
  guard let context else { return 0 }
  return Unmanaged<ArchiveInput>.fromOpaque(context).takeUnretainedValue().skip(request)
}

private func archiveInputSeek(
  _ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?, _ offset: la_int64_t,
  _ whence: Int32
) -> la_int64_t {
  guard let context else { return la_int64_t(ARCHIVE_FATAL) }
  return Unmanaged<ArchiveInput>.fromOpaque(context).takeUnretainedValue().seek(
    offset, whence: whence)
}
