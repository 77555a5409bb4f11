import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct S3XMLTests {
  /// A listing page with an element name that is not UTF-8 (`<Stor\xff\xffeClass>`, the
  /// `s3-listing` fuzz target's find): FoundationXML traps on such a name, so the page is
  /// refused before it is parsed, and so is an error body.
  @Test func aPageThatIsNotUTF8IsRefused() throws {
    let data = try Data(
      contentsOf: URL(
        fileURLWithPath: fuzzFixture("s3-listing", "element-name-not-utf8.xml")))
    #expect(throws: S3ListPage.Failure.self) { try S3ListPage.parse(data) }
    #expect(S3ErrorBody.parse(data) == nil)
  }
}
