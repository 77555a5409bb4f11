import Foundation
import Testing

@testable import OpenLedgerKit

/// Where an S3 remote's endpoint, region, keys and addressing come from: the URL, `--endpoint`,
/// the AWS variables and the shared files, as the AWS CLI reads them.
@Suite struct S3ConfigurationTests {
  @Test func theEnvironmentGivesKeysRegionAndEndpoint() throws {
    let configuration = try S3Configuration.resolve(
      url: "s3://my-bucket/team/datanets/",
      environment: [
        "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token", "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000/",
      ], home: "/nonexistent")
    #expect(configuration.bucket == "my-bucket")
    #expect(configuration.prefix == "team/datanets/")
    #expect(configuration.region == "eu-west-1")
    #expect(
      configuration.credentials
        == AWSCredentials(accessKeyID: "AKIDENV", secretAccessKey: "secret", sessionToken: "token"))
    #expect(configuration.credentialSource == .environment)
    #expect(configuration.endpoint.absoluteString == "http://127.0.0.1:9000")
    // An endpoint of one's own (MinIO, moto) is addressed path-style.
    #expect(configuration.addressing == .path)
    #expect(S3Transport(configuration: configuration).location == "s3://my-bucket/team/datanets")
  }

  @Test func theEndpointOptionWinsOverTheVariables() throws {
    let environment = [
      "AWS_ENDPOINT_URL": "http://general:1", "AWS_ENDPOINT_URL_S3": "http://s3-only:2",
      "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1",
    ]
    let fromOption = try S3Configuration.resolve(
      url: "s3://bucket", environment: environment, home: "/nonexistent",
      endpoint: "https://minio.example.org:443")
    #expect(fromOption.endpoint.absoluteString == "https://minio.example.org")
    #expect(fromOption.region == "us-west-2")
    let fromVariable = try S3Configuration.resolve(
      url: "s3://bucket", environment: environment, home: "/nonexistent")
    #expect(fromVariable.endpoint.absoluteString == "http://s3-only:2")
  }

  /// Without an endpoint, AWS's regional one, addressed virtual-hosted, unless the bucket's name
  /// cannot be a host name under TLS; path style can be forced.
  @Test func awsIsAddressedVirtualHosted() throws {
    let aws = try S3Configuration.resolve(
      url: "s3://bucket", environment: ["AWS_REGION": "ap-south-1"], home: "/nonexistent")
    #expect(aws.endpoint.absoluteString == "https://s3.ap-south-1.amazonaws.com")
    #expect(aws.addressing == .virtualHosted)
    #expect(aws.credentials == nil)
    #expect(aws.credentialSource == .none(profile: "default"))
    let dotted = try S3Configuration.resolve(
      url: "s3://my.bucket", environment: [:], home: "/nonexistent")
    #expect(dotted.addressing == .path)
    #expect(dotted.region == "us-east-1")
    let forced = try S3Configuration.resolve(
      url: "s3://bucket", environment: [:], home: "/nonexistent", addressing: .path)
    #expect(forced.addressing == .path)
  }

  @Test func aProfileGivesKeysRegionEndpointAndAddressing() throws {
    let home = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: "\(home.path)/.aws", withIntermediateDirectories: true)
    try Data(
      """
      [default]
      aws_access_key_id = AKIDDEFAULT
      aws_secret_access_key = default-secret

      # the team's MinIO
      [work]
      aws_access_key_id=AKIDWORK
      aws_secret_access_key = work/secret+key
      aws_session_token = work-token
      """.utf8
    ).write(to: URL(fileURLWithPath: "\(home.path)/.aws/credentials"))
    try Data(
      """
      [default]
      region = eu-central-1
      [profile work]
      region = us-west-1
      endpoint_url = http://minio.internal:9000
      s3 =
        addressing_style = virtual
      """.utf8
    ).write(to: URL(fileURLWithPath: "\(home.path)/.aws/config"))

    let work = try S3Configuration.resolve(
      url: "s3://bucket/p", environment: ["AWS_PROFILE": "work"], home: home.path)
    #expect(
      work.credentials
        == AWSCredentials(
          accessKeyID: "AKIDWORK", secretAccessKey: "work/secret+key", sessionToken: "work-token"))
    #expect(work.credentialSource == .profile(name: "work", file: "\(home.path)/.aws/credentials"))
    #expect(work.region == "us-west-1")
    #expect(work.endpoint.absoluteString == "http://minio.internal:9000")
    #expect(work.addressing == .virtualHosted)

    let standard = try S3Configuration.resolve(
      url: "s3://bucket", environment: [:], home: home.path)
    #expect(standard.credentials?.accessKeyID == "AKIDDEFAULT")
    #expect(standard.region == "eu-central-1")
    // The environment's keys come before any profile.
    let environment = try S3Configuration.resolve(
      url: "s3://bucket",
      environment: ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"],
      home: home.path)
    #expect(environment.credentials?.accessKeyID == "AKIDENV")
    #expect(environment.credentialSource == .environment)
  }

  @Test func settingsThatCannotWorkAreRefused() throws {
    let home = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: "\(home.path)/.aws", withIntermediateDirectories: true)
    try Data("[profile sso]\nsso_session = corp\nregion = eu-west-1\n".utf8)
      .write(to: URL(fileURLWithPath: "\(home.path)/.aws/config"))

    func refusal(_ url: String, _ environment: [String: String], endpoint: String? = nil)
      -> String?
    {
      do {
        _ = try S3Configuration.resolve(
          url: url, environment: environment, home: home.path, endpoint: endpoint)
        return nil
      } catch let error as S3ConfigurationError {
        #expect(error.kind.exitStatus == 64)
        return error.description
      } catch {
        return "\(error)"
      }
    }
    #expect(refusal("s3://b", [:])?.contains("not an S3 bucket name") == true)
    #expect(refusal("s3://-bucket", [:])?.contains("not an S3 bucket name") == true)
    #expect(refusal("s3://bucket/a//b", [:])?.contains("empty, '.' or '..' segment") == true)
    #expect(refusal("s3://bucket/a/../b", [:])?.contains("segment") == true)
    #expect(refusal("s3://bucket", [:], endpoint: "minio:9000")?.contains("--endpoint") == true)
    #expect(
      refusal("s3://bucket", ["AWS_ACCESS_KEY_ID": "AKID"])?
        .contains("AWS_SECRET_ACCESS_KEY is not") == true)
    #expect(
      refusal("s3://bucket", ["AWS_PROFILE": "sso"])?
        .contains("aws configure export-credentials --profile sso") == true)
    #expect(refusal("s3://bucket", ["AWS_PROFILE": "nobody"])?.contains("'nobody'") == true)
    #expect(throws: RemoteError.self) {
      _ = try S3Configuration.resolve(url: "https://x/y", environment: [:], home: home.path)
    }
  }

  /// AWS_CA_BUNDLE, else the profile's ca_bundle, names the authorities to trust; a file that
  /// is not there is refused up front, naming where it was set.
  @Test func certificateAuthoritiesComeFromTheVariableOrTheProfile() throws {
    let home = try TemporaryDirectory()
    try FileManager.default.createDirectory(
      atPath: "\(home.path)/.aws", withIntermediateDirectories: true)
    let bundle = "\(home.path)/authorities.pem"
    try Data("not read here\n".utf8).write(to: URL(fileURLWithPath: bundle))
    try Data("[default]\nca_bundle = \(bundle)\n[profile gone]\nca_bundle = /nowhere.pem\n".utf8)
      .write(to: URL(fileURLWithPath: "\(home.path)/.aws/config"))
    func resolve(_ environment: [String: String]) throws -> S3Configuration {
      try S3Configuration.resolve(url: "s3://bucket", environment: environment, home: home.path)
    }
    #expect(try resolve(["AWS_CONFIG_FILE": "/nowhere"]).caBundle == nil)
    #expect(try resolve([:]).caBundle == bundle)
    #expect(try resolve(["AWS_CA_BUNDLE": bundle, "AWS_PROFILE": "gone"]).caBundle == bundle)
    // An http endpoint has no certificate: the settings are not read.
    let plain = ["AWS_CA_BUNDLE": "/nowhere.pem", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000"]
    #expect(try resolve(plain).caBundle == nil)
    for (environment, origin) in [
      (["AWS_CA_BUNDLE": "\(home.path)/missing.pem"], "AWS_CA_BUNDLE"),
      (["AWS_CA_BUNDLE": home.path], "AWS_CA_BUNDLE"),
      (["AWS_PROFILE": "gone"], "ca_bundle in \(home.path)/.aws/config"),
    ] {
      let error = #expect(throws: S3ConfigurationError.self) { try resolve(environment) }
      #expect(error?.kind.exitStatus == 66)
      #expect(
        error?.description.contains("(from \(origin))") == true, "\(String(describing: error))")
    }
  }
}
