import CArchive
import Foundation

/// What an input is, told from its first bytes: something to read as it is, or something for
/// `ArchiveReader`.
public enum InputKind: Sendable, Equatable {
  /// Neither an archive nor compressed: the caller reads it as it is.
  case plain
  /// A container of entries (tar, zip, 7z, cpio, ...), compressed or not (`.tar.gz`).
  case archive
  /// One compressed file that is not an archive (`data.jsonl.gz`).
  case compressedFile
}

extension ArchiveReader {
  /// How many leading bytes `detect(firstBytes:)` wants: enough to see an ISO 9660 signature
  /// (at 32 KiB) and to decompress the start of a compressed input.
  public static let detectionByteCount = 64 * 1024

  /// The kind of the file at `path`, from its magic bytes. For a compressed file, the start of
  /// the decompressed content tells an archive (`.tar.gz`) from a single file (`.jsonl.gz`).
  public static func detect(path: String) throws(ArchiveError) -> InputKind {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let code = errno
      if code == ENOENT || code == ENOTDIR { throw .notFound(archive: path) }
      throw .unreadable(archive: path, at: .start, reason: String(cString: strerror(code)))
    }
    defer { close(descriptor) }
    var head = [UInt8](repeating: 0, count: detectionByteCount)
    var filled = 0
    while filled < head.count {
      let count = head.withUnsafeMutableBytes {
        pread(descriptor, $0.baseAddress! + filled, $0.count - filled, off_t(filled))
      }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else {
        throw .unreadable(archive: path, at: .start, reason: String(cString: strerror(errno)))
      }
      if count == 0 { break }
      filled += count
    }
    head.removeSubrange(filled...)
    return classify(head) { archive in
      archive_read_open_fd(archive, descriptor, Int(ArchiveInput.blockSize))
    }
  }

  /// The kind of an input that starts with `firstBytes`: pass at least `detectionByteCount`
  /// bytes, or the whole input when it is shorter.
  ///
  /// A compressed input whose start cannot be decompressed from these bytes alone (bzip2 works
  /// in blocks of up to 900 KB) counts as a compressed file; either way it goes to
  /// `ArchiveReader`, which tells by its content.
  public static func detect(firstBytes: some ContiguousBytes) -> InputKind {
    firstBytes.withUnsafeBytes { bytes in
      classify(Array(bytes)) { archive in
        archive_read_open_memory(archive, bytes.baseAddress, bytes.count)
      }
    }
  }

  /// Classifies `head`; `open` opens a libarchive reader on the whole input, for peeking into
  /// compressed content.
  private static func classify(_ head: [UInt8], open: (OpaquePointer) -> Int32) -> InputKind {
    if Magic.isArchive(head) { return .archive }
    guard Magic.isCompressed(head) else { return .plain }
    let content = decompressedStart(open: open)
    return Magic.isArchive(content) ? .archive : .compressedFile
  }

  /// Up to `detectionByteCount` bytes of decompressed content, as far as they can be had.
  private static func decompressedStart(open: (OpaquePointer) -> Int32) -> [UInt8] {
    guard let archive = archive_read_new() else { return [] }
    defer { archive_read_free(archive) }
    enableCompressionFilters(archive)
    archive_read_support_format_raw(archive)
    var header: OpaquePointer?
    guard open(archive) == ARCHIVE_OK,
      archive_read_next_header(archive, &header) >= ARCHIVE_WARN
    else { return [] }
    var content = [UInt8](repeating: 0, count: detectionByteCount)
    var filled = 0
    while filled < content.count {
      let count = content.withUnsafeMutableBytes {
        archive_read_data(archive, $0.baseAddress! + filled, $0.count - filled)
      }
      if count <= 0 { break }
      filled += count
    }
    content.removeSubrange(filled...)
    return content
  }
}

/// Signatures of the archive and compression formats libarchive reads.
enum Magic {
  static func isArchive(_ bytes: [UInt8]) -> Bool {
    let signatures: [(offset: Int, bytes: [UInt8])] = [
      (0, Array("PK\u{3}\u{4}".utf8)),  // zip
      (0, Array("PK\u{5}\u{6}".utf8)),  // empty zip
      (0, Array("PK\u{7}\u{8}".utf8)),  // split zip
      (0, [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]),  // 7z
      (0, Array("Rar!\u{1A}\u{7}".utf8)),  // rar 4 and 5
      (0, Array("070707".utf8)),  // cpio, old ASCII
      (0, Array("070701".utf8)),  // cpio, new ASCII
      (0, Array("070702".utf8)),  // cpio, new ASCII with checksums
      (0, [0xC7, 0x71]),  // cpio, binary little-endian (big-endian "q\u{C7}" is left out: it
      // can begin UTF-8 text)
      (0, Array("!<arch>\n".utf8)),  // ar
      (0, Array("xar!".utf8)),  // xar
      (0, Array("MSCF\0\0\0\0".utf8)),  // cab
      (0, Array("WARC/".utf8)),  // warc
      (0, [0xED, 0xAB, 0xEE, 0xDB]),  // rpm (a cpio archive behind a header)
      (32_769, Array("CD001".utf8)),  // ISO 9660
    ]
    for signature in signatures where has(signature.bytes, at: signature.offset, in: bytes) {
      return true
    }
    return isLHA(bytes) || isTarHeader(bytes)
  }

  static func isCompressed(_ bytes: [UInt8]) -> Bool {
    let signatures: [[UInt8]] = [
      [0x1F, 0x8B],  // gzip
      [0x1F, 0x9D],  // compress (.Z)
      [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00],  // xz
      [0x28, 0xB5, 0x2F, 0xFD],  // zstd
      [0x04, 0x22, 0x4D, 0x18],  // lz4
      [0x02, 0x21, 0x4C, 0x18],  // lz4, legacy frames
      Array("LZIP".utf8),
      [0x5D, 0x00, 0x00],  // lzma "alone": properties 0x5D, a dictionary of whole 64 KiBs
    ]
    if signatures.contains(where: { has($0, at: 0, in: bytes) }) { return true }
    // bzip2: "BZh" and the block size, 1 to 9 hundred kB.
    return has(Array("BZh".utf8), at: 0, in: bytes) && bytes.count > 3
      && (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(bytes[3])
  }

  /// A tar header: the POSIX or GNU magic, or, for old tars without one, a valid checksum.
  static func isTarHeader(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 512, bytes[0] != 0 else { return false }
    if has(Array("ustar".utf8), at: 257, in: bytes) { return true }
    // The checksum field holds the octal sum of the header's bytes, counting itself as spaces.
    let field = bytes[148..<156]
    var stored = 0
    var digits = 0
    for byte in field {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "7"):
        stored = stored * 8 + Int(byte - UInt8(ascii: "0"))
        digits += 1
      case UInt8(ascii: " "), 0: continue
      default: return false
      }
    }
    guard digits > 0 else { return false }
    let sum = bytes[0..<512].enumerated().reduce(0) { total, element in
      total + ((148..<156).contains(element.offset) ? 32 : Int(element.element))
    }
    return sum == stored
  }

  /// An LHA header: `-lh?-` or `-lz?-` after the header size and checksum bytes.
  private static func isLHA(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 7, bytes[2] == UInt8(ascii: "-"), bytes[6] == UInt8(ascii: "-"),
      bytes[3] == UInt8(ascii: "l")
    else { return false }
    return bytes[4] == UInt8(ascii: "h") || bytes[4] == UInt8(ascii: "z")
  }

  private static func has(_ signature: [UInt8], at offset: Int, in bytes: [UInt8]) -> Bool {
    bytes.count >= offset + signature.count
      && bytes[offset..<offset + signature.count].elementsEqual(signature)
  }
}
