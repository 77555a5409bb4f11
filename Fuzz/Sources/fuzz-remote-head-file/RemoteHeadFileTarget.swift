import Foundation
import FuzzSupport
import OpenLedgerKit

/// A remote's head file on any bytes (Remote/RemoteLayout.swift), through
/// `RemoteHeadFile.parse` as a pull reads each file under `heads/<datanet>/`: named by its
/// SHA-256, for the Datanet it names (the target makes the names agree, as a remote's writer
/// can).
///
/// Properties besides the sanitizers: an accepted head file is exactly the bytes it encodes
/// to, its key names it, it names a head, and its heads, packs and replaced files are sorted
/// and each there once, as a push writes them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRemoteHeadFile(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let bytes = Data(fuzzInput(data, count))
  let id = Digest.of(bytes)
  let datanet = (try? JSONDecoder().decode(Named.self, from: bytes))?.datanet ?? anyDatanet
  let key = RemoteLayout.headKey(datanet, id)
  guard
    let file = try? RemoteHeadFile.parse(
      bytes, key: key, id: id, datanet: datanet, location: "fuzz")
  else { return 0 }
  expect(RemoteLayout.headID(in: key, of: datanet) == id, "a head file's key does not name it")
  expect((try? file.encoded()) == bytes, "an accepted head file encodes to other bytes")
  expect(!file.heads.isEmpty, "an accepted head file names no head")
  let written = RemoteHeadFile(
    datanet: file.datanet, name: file.name, heads: file.heads, packs: file.packs,
    replaces: file.replaces)
  expect(
    written == file,
    "an accepted head file's heads, packs or replaced files are out of order or repeated")
  return 0
}

/// The Datanet a head file names, read first so that the check of it passes.
private struct Named: Decodable {
  var datanet: Digest
}

/// The Datanet asked for when the input names none; any fixed id will do.
private let anyDatanet = Digest.of(Data("fuzz".utf8))
