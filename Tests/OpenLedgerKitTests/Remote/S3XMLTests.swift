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

  /// A processing instruction without data (`<?x?>`) crashed FoundationXML (a null pointer
  /// read, SIGSEGV) in any S3 answer, an error's too: an endpoint could stop a pull with five
  /// bytes. S3 writes none, so any is refused; the XML declaration is read as before.
  @Test func aProcessingInstructionIsRefused() throws {
    let data = try Data(
      contentsOf: URL(
        fileURLWithPath: fuzzFixture("s3-listing", "processing-instruction-without-data.xml")))
    #expect(throws: S3ListPage.Failure.self) { try S3ListPage.parse(data) }
    #expect(S3ErrorBody.parse(data) == nil)
    for document in [
      "<?x?><Error><Code>A</Code></Error>", "<Error><?x?><Code>A</Code></Error>",
      "<?xml version=\"1.0\"?><Error><?xml-stylesheet?><Code>A</Code></Error>",
    ] {
      #expect(S3ErrorBody.parse(Data(document.utf8)) == nil, "\(document)")
    }
    let declared =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>A</Code></Error>"
    #expect(S3ErrorBody.parse(Data(declared.utf8))?.code == "A")
    #expect(S3ErrorBody.parse(Data("<Error><Code>A</Code></Error>".utf8))?.code == "A")
  }

  /// A ListMultipartUploads page: its uploads with the time each was initiated, and where the
  /// next page starts.
  @Test func aPageOfUploadsIsRead() throws {
    let page = try S3UploadsPage.parse(
      Data(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
          <Bucket>b</Bucket><IsTruncated>true</IsTruncated>
          <NextKeyMarker>remote/objects/b</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>
          <Upload><Key>remote/objects/a</Key><UploadId>u1</UploadId>
            <Initiated>2026-12-01T10:00:00.250Z</Initiated></Upload>
          <Upload><Key>remote/objects/b</Key><UploadId>u2</UploadId>
            <Initiated>2026-12-07T10:00:00Z</Initiated></Upload>
        </ListMultipartUploadsResult>
        """.utf8))
    #expect(page.uploads.map(\.uploadID) == ["u1", "u2"])
    #expect(page.uploads[0].initiated == Date(timeIntervalSince1970: 1_796_119_200.25))
    #expect(page.uploads[1].initiated == Date(timeIntervalSince1970: 1_796_637_600))
    #expect(page.next?.keyMarker == "remote/objects/b")
    #expect(page.next?.uploadIDMarker == "u2")
    #expect(throws: S3ListPage.Failure.self) {
      try S3UploadsPage.parse(
        Data(
          "<ListMultipartUploadsResult><Upload><Key>k</Key><UploadId>u</UploadId></Upload></ListMultipartUploadsResult>"
            .utf8))
    }
  }
}
