import Foundation
import FuzzSupport

@testable import OpenLedgerKit

/// A web server's directory listing on any bytes (Remote/HTTPTransport.swift): the links
/// `AutoindexPage.links` finds in the page, made into keys as `HTTPTransport.list` does (the
/// page read as the listing of the remote's top and of its directories under `heads/` and
/// `redactions/`), which go on to the remote's layout as a pull reads them.
///
/// Properties besides the sanitizers:
/// - each name is there once, is not empty, does not start with `.`, and holds no `/` but a
///   directory's last;
/// - a page linking to those names, percent-encoded, gives the same names in the same order;
/// - the layout reads back the keys listed (`expectLayoutReadsBack`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPIndex(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let names = AutoindexPage.links(in: Data(fuzzInput(data, count)))
  expect(Set(names).count == names.count, "the page gives a name twice")
  for name in names {
    let segment = name.hasSuffix("/") ? name.dropLast() : name[...]
    expect(
      !segment.isEmpty && !segment.hasPrefix(".") && !segment.contains("/"),
      "the page gives the name '\(name)', which is not one entry of the directory")
  }
  let page = names.map { #"<a href="\#(percentEncoded($0))">link</a>"# }.joined(separator: "\n")
  expect(
    AutoindexPage.links(in: Data(page.utf8)) == names, "a page of the names found reads otherwise")
  // The page as the listing of the top, and of each directory it names under `heads/` and
  // `redactions/`: the keys `list` would give for it.
  let directories = names.filter { $0.hasSuffix("/") }
  var keys = [String]()
  for name in names where !name.hasSuffix("/") {
    for directory in [""] + directories.flatMap({ ["heads/" + $0, "redactions/" + $0] }) {
      if RemoteKey.isValid(directory + name) { keys.append(directory + name) }
    }
  }
  expectLayoutReadsBack(keys)
  return 0
}

/// `name` as a server writes it in a link: every byte but letters, digits, `-._~` and a
/// directory's last `/` percent-encoded.
private func percentEncoded(_ name: String) -> String {
  var out = ""
  for (index, byte) in name.utf8.enumerated() {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
      UInt8(ascii: "_"), UInt8(ascii: "~"):
      out.unicodeScalars.append(Unicode.Scalar(byte))
    case UInt8(ascii: "/") where index == name.utf8.count - 1:
      out += "/"
    default:
      out += String(format: "%%%02X", byte)
    }
  }
  return out
}
