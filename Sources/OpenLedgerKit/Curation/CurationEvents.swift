/// A curator's decision on a contribution.
public enum ReviewDecision: String, Codable, Sendable, CaseIterable {
  case accept
  case reject

  /// The status the decision gives the contribution.
  public var status: ContributionStatus {
    switch self {
    case .accept: .accepted
    case .reject: .rejected
    }
  }
}

/// The body of a `contribution.review` event: a curator accepts or rejects one pending
/// contribution of the event's Datanet.
public struct ContributionReview: Codable, Sendable, Equatable {
  /// The id of the `contribution.submit` event.
  public var contribution: Digest
  public var decision: ReviewDecision
  /// Why; required for a rejection, may be empty for an acceptance.
  public var reason: String

  public init(contribution: Digest, decision: ReviewDecision, reason: String) {
    self.contribution = contribution
    self.decision = decision
    self.reason = reason
  }
}

/// The body of a `contribution.withdraw` event: a contributor takes back their own pending
/// contribution. Its records leave the Datanet; the events keep the history.
public struct ContributionWithdraw: Codable, Sendable, Equatable {
  public var contribution: Digest
  /// Why, when the contributor said.
  public var reason: String?

  public init(contribution: Digest, reason: String? = nil) {
    self.contribution = contribution
    self.reason = reason.flatMap { $0.isEmpty ? nil : $0 }
  }
}

/// The body of a `record.takedown` event: a curator removes records from the Datanet, either
/// the listed ones or every record a contribution is credited with. Exactly one of `records` and
/// `contribution` is present.
public struct RecordTakedown: Codable, Sendable, Equatable {
  /// Record ids, sorted, without repeats.
  public var records: [Digest]?
  /// A contribution whose credited records all go.
  public var contribution: Digest?
  /// Why (a licence problem, personal data, spam…); required.
  public var reason: String

  public init(records: [Digest], reason: String) {
    self.records = Array(Set(records)).sorted()
    self.contribution = nil
    self.reason = reason
  }

  public init(contribution: Digest, reason: String) {
    self.records = nil
    self.contribution = contribution
    self.reason = reason
  }
}
