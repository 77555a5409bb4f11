import Foundation
import FuzzSupport

@testable import OpenLedgerKit

/// An S3 answer's body on any bytes (Remote/S3XML.swift): as a ListObjectsV2 page, read by
/// `S3ListPage.parse` and made into a listing's entries as `S3Transport.list` does (under the
/// bucket prefix `team/`), whose keys go on to the remote's layout as a pull reads them; and
/// as the `<Error>` body of a failed request (`S3ErrorBody.parse`).
///
/// Properties besides the sanitizers:
/// - an accepted page's keys are not empty, its sizes not negative, and a truncated page has a
///   continuation token;
/// - the page written again as S3 writes one gives the same keys, sizes, truncation and token,
///   and so does an error body;
/// - the entries listed are the page's keys under the prefix, in page order, each a valid
///   relative key (`RemoteKey`) with the prefix taken off, never the conditional-write check;
///   a page with a key outside the prefix is refused;
/// - the layout reads back the keys listed (`expectLayoutReadsBack`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzS3Listing(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let bytes = Data(fuzzInput(data, count))
  if let error = S3ErrorBody.parse(bytes) {
    expect(
      S3ErrorBody.parse(Data(errorDocument(error).utf8)) == error,
      "an error body written again reads otherwise")
  }
  guard let page = try? S3ListPage.parse(bytes) else { return 0 }
  for (key, size) in page.entries {
    expect(!key.isEmpty && size >= 0, "a page holds an entry '\(key)' of size \(size)")
  }
  expect(!page.isTruncated || page.continuationToken != nil, "a truncated page has no token")
  let again = try? S3ListPage.parse(Data(listingDocument(page).utf8))
  expect(again.map { same($0, page) } == true, "a page written again reads otherwise")

  let outside = page.entries.contains { !$0.key.utf8.starts(with: bucketPrefix.utf8) }
  guard let entries = try? page.remoteEntries(under: bucketPrefix, relativeTo: bucketPrefix)
  else {
    expect(outside, "a page with every key under the prefix is refused")
    return 0
  }
  expect(!outside, "a page with a key outside the prefix is accepted")
  var rest = page.entries[...]
  for entry in entries {
    expect(RemoteKey.isValid(entry.key), "the listing gives the invalid key '\(entry.key)'")
    expect(
      entry.key != S3Transport.conditionalWriteCheckKey, "the listing gives the check file")
    guard let found = rest.firstIndex(where: { $0.key == bucketPrefix + entry.key }) else {
      expect(false, "the listing gives '\(entry.key)', which the page does not hold there")
      return 0
    }
    expect(page.entries[found].size == entry.size, "the listing gives '\(entry.key)' another size")
    rest = rest[(found + 1)...]
  }
  expectLayoutReadsBack(entries.map(\.key))
  return 0
}

/// What LeakSanitizer is not to report: FoundationXML leaks the error it makes of each of
/// libxml2's parse errors (`_CFErrorCreateFromXMLInterface`, a 72-byte string). That is the
/// toolchain's, not openledger's, and would stop a run at the first malformed page.
@_cdecl("__lsan_default_suppressions")
public func leakSuppressions() -> UnsafePointer<CChar> {
  let suppressions: StaticString = "leak:_CFErrorCreateFromXMLInterface\n"
  return UnsafeRawPointer(suppressions.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The bucket's prefix a transport lists under (`S3Configuration.prefix`).
private let bucketPrefix = "team/"

private func same(_ a: S3ListPage, _ b: S3ListPage) -> Bool {
  a.entries.elementsEqual(b.entries) { $0.key == $1.key && $0.size == $1.size }
    && a.isTruncated == b.isTruncated && a.continuationToken == b.continuationToken
}

/// `page` as S3 writes a ListObjectsV2 answer.
private func listingDocument(_ page: S3ListPage) -> String {
  var xml = #"<?xml version="1.0" encoding="UTF-8"?>"#
  xml += #"<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
  for (key, size) in page.entries {
    xml += "<Contents><Key>\(escaped(key))</Key><Size>\(size)</Size></Contents>"
  }
  xml += "<IsTruncated>\(page.isTruncated)</IsTruncated>"
  if let token = page.continuationToken {
    xml += "<NextContinuationToken>\(escaped(token))</NextContinuationToken>"
  }
  return xml + "</ListBucketResult>"
}

/// `error` as S3 writes an `<Error>` body.
private func errorDocument(_ error: S3ErrorBody) -> String {
  var xml = #"<?xml version="1.0" encoding="UTF-8"?><Error>"#
  xml += "<Code>\(escaped(error.code))</Code><Message>\(escaped(error.message))</Message>"
  if let region = error.region { xml += "<Region>\(escaped(region))</Region>" }
  return xml + "</Error>"
}

/// `text` as an element's content: what XML would change (a carriage return becomes a line
/// feed when read) as a character reference.
private func escaped(_ text: String) -> String {
  var out = ""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\r": out += "&#13;"
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out
}
