import CArchive
import Foundation

/// Reads the regular files of an archive, or the content of a compressed single file, in order,
/// streamed from libarchive and never written to disk.
///
/// Contributed archives are hostile, so the reader refuses anything that is not a plain file or
/// folder under a relative path (absolute paths, `..`, links, devices, FIFOs, sockets), refuses
/// encrypted entries, turns every libarchive failure into an `ArchiveError` naming the archive
/// and the entry, and stops as soon as the archive expands past its `ArchiveLimits`. After a
/// failure every call throws the same error again.
///
/// ```swift
/// let reader = try ArchiveReader(path: "corpus.tar.gz")
/// while let entry = try reader.nextEntry() {
///   while let chunk = try reader.readChunk() { consume(entry.path, chunk) }
/// }
/// ```
///
/// A reader is used from one thread at a time.
public final class ArchiveReader {
  /// The archive as the user named it (a path, or `<stdin>`), for messages.
  public let name: String
  public let limits: ArchiveLimits
  private let archive: OpaquePointer
  private let input: ArchiveInput
  private let chunk: UnsafeMutableRawBufferPointer
  private let textLocale = UTF8Locale()
  private var state = State.betweenEntries
  /// The path of the last entry whose header was read, to say where a failure happened.
  private var lastEntry: String?
  private var entryBytes: Int64 = 0

  /// Bytes of entry data delivered so far, including entries drained without being read.
  public private(set) var expandedBytes: Int64 = 0
  /// Entries whose headers were read so far, folders included.
  public private(set) var entryCount = 0
  /// Bytes of the archive's file consumed so far.
  public var compressedBytes: Int64 { input.deliveredBytes }
  /// Whether the input turned out to be one compressed file rather than an archive. Known once
  /// the first entry has been read.
  public private(set) var isCompressedFile = false

  private enum State {
    case betweenEntries
    case inEntry(String)
    case finished
    case failed(ArchiveError)
  }

  /// Opens the archive at `path`.
  public convenience init(path: String, limits: ArchiveLimits = ArchiveLimits())
    throws(ArchiveError)
  {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let code = errno
      if code == ENOENT || code == ENOTDIR { throw .notFound(archive: path) }
      throw .unreadable(archive: path, at: .start, reason: String(cString: strerror(code)))
    }
    var info = stat()
    if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
      close(descriptor)
      throw .unreadable(archive: path, at: .start, reason: "it is a directory")
    }
    try self.init(
      descriptor: descriptor, closesDescriptor: true, name: path, prefix: [], limits: limits)
  }

  /// Reads the archive from `fileDescriptor` (standard input, say) from its current offset,
  /// after `prefix`, bytes already read from it (for `detect(firstBytes:)`).
  ///
  /// The descriptor stays open: it belongs to the caller. A regular file without a prefix may be
  /// seeked in; anything else is read front to back, which every format but 7z allows (a 7z
  /// fails with `needsSeekableInput`).
  public convenience init(
    fileDescriptor: Int32, name: String, prefix: [UInt8] = [],
    limits: ArchiveLimits = ArchiveLimits()
  ) throws(ArchiveError) {
    try self.init(
      descriptor: fileDescriptor, closesDescriptor: false, name: name, prefix: prefix,
      limits: limits)
  }

  private init(
    descriptor: Int32, closesDescriptor: Bool, name: String, prefix: [UInt8],
    limits: ArchiveLimits
  ) throws(ArchiveError) {
    guard let archive = archive_read_new() else {
      if closesDescriptor { close(descriptor) }
      throw .unreadable(archive: name, at: .start, reason: "libarchive is out of memory")
    }
    self.name = name
    self.limits = limits
    self.archive = archive
    input = prefix.withUnsafeBytes {
      ArchiveInput(
        descriptor: descriptor, closesDescriptor: closesDescriptor, prefix: $0, limits: limits)
    }
    chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: ArchiveInput.blockSize, alignment: 16)
    Self.enableArchiveFormats(archive)
    Self.enableCompressionFilters(archive)
    archive_read_support_format_raw(archive)
    let status = textLocale.apply { input.open(archive) }
    if status != ARCHIVE_OK {
      throw fail(at: .start)
    }
  }

  deinit {
    archive_read_free(archive)
    chunk.deallocate()
  }

  /// The next regular file, or nil after the last. Folders are skipped; the unread data of the
  /// previous entry is read and discarded first (and counts against the limits).
  public func nextEntry() throws(ArchiveError) -> ArchiveEntry? {
    try textLocale.apply { () throws(ArchiveError) in try advance() }
  }

  /// `nextEntry`, run under the UTF-8 locale.
  private func advance() throws(ArchiveError) -> ArchiveEntry? {
    while true {
      switch state {
      case .failed(let error): throw error
      case .finished: return nil
      case .inEntry: while try readBlock() != nil {}
      case .betweenEntries: break
      }
      if let entry = try readHeader() { return entry }
    }
  }

  /// The next block of the current entry's data, at most 64 KiB, or nil at its end. The buffer is
  /// valid until the next call on the reader.
  public func readChunk() throws(ArchiveError) -> UnsafeRawBufferPointer? {
    try textLocale.apply { () throws(ArchiveError) in try readBlock() }
  }

  /// `readChunk`, run under the UTF-8 locale; counts the block against the limits.
  private func readBlock() throws(ArchiveError) -> UnsafeRawBufferPointer? {
    guard case .inEntry(let path) = state else {
      if case .failed(let error) = state { throw error }
      return nil
    }
    let count = archive_read_data(archive, chunk.baseAddress, chunk.count)
    if count == 0 {
      state = .betweenEntries
      return nil
    }
    guard count > 0 else { throw fail(at: .entry(path)) }
    entryBytes += Int64(count)
    expandedBytes += Int64(count)
    if entryBytes > limits.maxEntryBytes {
      throw fail(limitExceeded(.entrySize, at: .entry(path)))
    }
    if let limit = limits.exceeded(expanded: expandedBytes, compressed: compressedBytes) {
      throw fail(limitExceeded(limit, at: .entry(path)))
    }
    return UnsafeRawBufferPointer(rebasing: chunk[0..<count])
  }

  /// The rest of the current entry's data, in memory; throws `entryTooLargeToBuffer` when it is
  /// longer than `maxBytes`.
  public func readEntry(maxBytes: Int) throws(ArchiveError) -> Data {
    var data = Data()
    while let block = try readChunk() {
      guard data.count + block.count <= maxBytes else {
        throw .entryTooLargeToBuffer(archive: name, entry: lastEntry ?? "", maxBytes: maxBytes)
      }
      data.append(contentsOf: block)
    }
    return data
  }

  /// Reads one header; returns the entry when it is a regular file, nil when it was skipped.
  private func readHeader() throws(ArchiveError) -> ArchiveEntry? {
    let position = lastEntry.map(ArchivePosition.after) ?? .start
    var header: OpaquePointer?
    let status = archive_read_next_header(archive, &header)
    if status == ARCHIVE_EOF {
      if let failure = input.checkEnd() { throw fail(endFailure(failure)) }
      state = .finished
      return nil
    }
    guard status >= ARCHIVE_WARN, let header else { throw fail(at: position) }
    if entryCount == 0 {
      let isRaw = archive_format(archive) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_RAW
      // Without a decompression filter, the raw format is libarchive accepting anything at all.
      guard !isRaw || archive_filter_count(archive) > 1 else {
        throw fail(.unrecognizedFormat(archive: name))
      }
      isCompressedFile = isRaw
    }
    entryCount += 1
    if entryCount > limits.maxEntries {
      throw fail(limitExceeded(.entryCount, at: position))
    }
    let entry = try checkedEntry(header)
    lastEntry = entry.path
    entryBytes = 0
    state = .inEntry(entry.path)
    if let size = entry.declaredSize, size > limits.maxEntryBytes {
      throw fail(limitExceeded(.entrySize, at: .entry(entry.path)))
    }
    return archive_entry_filetype(header) == fileTypeDirectory ? nil : entry
  }

  /// The entry `header` describes, or the error that rejects it.
  private func checkedEntry(_ header: OpaquePointer) throws(ArchiveError) -> ArchiveEntry {
    let type = archive_entry_filetype(header)
    let declaredSize = archive_entry_size_is_set(header) != 0 ? archive_entry_size(header) : nil
    if isCompressedFile {
      return ArchiveEntry(path: EntryPath.decompressedName(of: name), declaredSize: declaredSize)
    }
    guard let raw = Self.pathname(header) else {
      let lossy = archive_entry_pathname(header).map {
        String(decoding: Self.bytes($0), as: UTF8.self)
      }
      throw fail(.invalidPath(archive: name, entry: lossy ?? "", reason: "it is not valid UTF-8"))
    }
    let path: String
    do {
      path = try EntryPath.normalize(raw, archive: name, isDirectory: type == fileTypeDirectory)
    } catch {
      throw fail(error)
    }
    if let target = archive_entry_hardlink(header) {
      throw fail(.hardLink(archive: name, entry: path, target: String(cString: target)))
    }
    switch type {
    case fileTypeRegular, fileTypeDirectory: break
    case fileTypeSymbolicLink:
      let target = archive_entry_symlink(header).map { String(cString: $0) } ?? ""
      throw fail(.symbolicLink(archive: name, entry: path, target: target))
    case fileTypeCharacterDevice:
      throw fail(.specialFile(archive: name, entry: path, type: .characterDevice))
    case fileTypeBlockDevice:
      throw fail(.specialFile(archive: name, entry: path, type: .blockDevice))
    case fileTypeFIFO: throw fail(.specialFile(archive: name, entry: path, type: .fifo))
    case fileTypeSocket: throw fail(.specialFile(archive: name, entry: path, type: .socket))
    default:
      throw fail(.specialFile(archive: name, entry: path, type: .unknown(mode: UInt32(type))))
    }
    if archive_entry_is_encrypted(header) != 0 {
      throw fail(.encrypted(archive: name, at: .entry(path)))
    }
    return ArchiveEntry(path: path, declaredSize: declaredSize)
  }

  /// The entry's path as UTF-8, however the archive encoded it; nil when it is not valid UTF-8.
  private static func pathname(_ header: OpaquePointer) -> String? {
    if let utf8 = archive_entry_pathname_utf8(header) {
      return String(validatingCString: utf8)
    }
    // The conversion fails for bytes that are not text in the current locale, which is the C
    // locale where C.UTF-8 is missing; the bytes may still be UTF-8 (a tar made on Linux).
    guard let native = archive_entry_pathname(header) else { return nil }
    return String(validatingCString: native)
  }

  private static func bytes(_ string: UnsafePointer<CChar>) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: string, count: strlen(string))
  }

  // MARK: - Failures

  /// Records `error` as the reader's final state and returns it, to be thrown.
  private func fail(_ error: ArchiveError) -> ArchiveError {
    state = .failed(error)
    return error
  }

  /// The error for a failed libarchive call at `position`: a limit the input callback stopped
  /// it for, a read error, encryption, or damage in libarchive's words. (Never an unknown
  /// format: the raw format accepts any input, which `readHeader` then refuses.)
  private func fail(at position: ArchivePosition) -> ArchiveError {
    if let crossed = input.crossedLimit {
      return fail(
        .limitExceeded(
          archive: name, at: position, limit: crossed.limit, limits: limits,
          expandedBytes: crossed.expandedBytes, compressedBytes: compressedBytes))
    }
    if let code = input.readError {
      return fail(
        .unreadable(archive: name, at: position, reason: String(cString: strerror(code))))
    }
    if let damage = input.gzipFailure, damage.isTrailer {
      return fail(.corrupt(archive: name, at: .end, message: damage.message))
    }
    if archive_read_has_encrypted_entries(archive) > 0 {
      return fail(.encrypted(archive: name, at: position))
    }
    let format = archive_format(archive) & ARCHIVE_FORMAT_BASE_MASK
    if !input.isSeekable && position == .start && format == ARCHIVE_FORMAT_7ZIP {
      return fail(.needsSeekableInput(archive: name, format: "7-Zip"))
    }
    let message =
      archive_error_string(archive).map { String(cString: $0) }
      ?? "libarchive gave no reason"
    return fail(.corrupt(archive: name, at: position, message: message))
  }

  /// The error for what `ArchiveInput.checkEnd` found past the last entry.
  private func endFailure(_ failure: ArchiveInput.EndFailure) -> ArchiveError {
    switch failure {
    case .damaged(let message):
      .corrupt(archive: name, at: .end, message: message)
    case .limit(let limit, let expanded):
      .limitExceeded(
        archive: name, at: .end, limit: limit, limits: limits, expandedBytes: expanded,
        compressedBytes: compressedBytes)
    case .unreadable(let code):
      .unreadable(archive: name, at: .end, reason: String(cString: strerror(code)))
    }
  }

  private func limitExceeded(_ limit: ArchiveLimits.Limit, at position: ArchivePosition)
    -> ArchiveError
  {
    .limitExceeded(
      archive: name, at: position, limit: limit, limits: limits, expandedBytes: expandedBytes,
      compressedBytes: compressedBytes)
  }

  // MARK: - Formats

  /// Every archive format the system libarchive reads, except mtree: an mtree file is a text
  /// listing that makes libarchive read the files it names from the local disk, which would let a
  /// contribution pull in files of the machine that ingests it.
  private static func enableArchiveFormats(_ archive: OpaquePointer) {
    archive_read_support_format_7zip(archive)
    archive_read_support_format_ar(archive)
    archive_read_support_format_cab(archive)
    archive_read_support_format_cpio(archive)
    archive_read_support_format_empty(archive)
    archive_read_support_format_iso9660(archive)
    archive_read_support_format_lha(archive)
    archive_read_support_format_rar(archive)
    archive_read_support_format_rar5(archive)
    archive_read_support_format_tar(archive)
    archive_read_support_format_warc(archive)
    archive_read_support_format_xar(archive)
    archive_read_support_format_zip(archive)
  }

  /// Every decompression filter libarchive runs in-process. Left out: lrzip, lzop and grzip,
  /// which libarchive runs as external programs (a hostile input should not start processes),
  /// and uuencode, which is text, not compression.
  static func enableCompressionFilters(_ archive: OpaquePointer) {
    archive_read_support_filter_bzip2(archive)
    archive_read_support_filter_compress(archive)
    archive_read_support_filter_gzip(archive)
    archive_read_support_filter_lz4(archive)
    archive_read_support_filter_lzip(archive)
    archive_read_support_filter_lzma(archive)
    archive_read_support_filter_rpm(archive)
    archive_read_support_filter_xz(archive)
    archive_read_support_filter_zstd(archive)
  }
}

// libarchive's entry types (`AE_IF*`), the POSIX mode bits, which archives carry whatever the
// system reading them.
private let fileTypeRegular: UInt32 = 0o100000
private let fileTypeDirectory: UInt32 = 0o040000
private let fileTypeSymbolicLink: UInt32 = 0o120000
private let fileTypeCharacterDevice: UInt32 = 0o020000
private let fileTypeBlockDevice: UInt32 = 0o060000
private let fileTypeFIFO: UInt32 = 0o010000
private let fileTypeSocket: UInt32 = 0o140000
