import BalanceCore
import BalanceHTTP
import BalanceSupport

/// IAM `GET /v3/auth/domains` (KeystoneListAuthDomains): the account (domain)
/// the key belongs to, `{"domains": [{"id", "name", "enabled", ...}], "links": {...}}`.
/// The official SDK asks it, and takes the first domain's `id`, when no
/// domain id is configured (https://github.com/huaweicloud/huaweicloud-sdk-python-v3,
/// `core/auth/credentials.py` `GlobalCredentials`, `iam/v3/model/domains.py`). Pure.
package struct HuaweiIdentityResponse: Sendable, Equatable {
    /// 32 hex digits in practice: `X-Domain-Id` and the `uin` label.
    package var domainId: String
    /// The account name, for messages.
    package var domainName: String?

    /// Domain ids are identifiers: at most this long, of letters, digits, `-` and `_`.
    static let maxDomainIdLength = 64

    package static func parse(_ response: HTTPResponse, _ exchange: HuaweiResponse.Exchange) throws(ProviderError) -> HuaweiIdentityResponse {
        try HuaweiResponse.read(response, exchange) { object throws(ProviderError) in
            guard case .array(let domains)? = object["domains"] else {
                throw ProviderError(.bad_response, message: "the answer has no domains list")
            }
            guard let first = domains.first?.object else {
                throw ProviderError(.bad_response, message: "IAM lists no domain for this key: set domain_id")
            }
            guard let id = first["id"]?.string, isDomainId(id) else {
                throw ProviderError(.bad_response, message: "the first domain has no valid id")
            }
            return HuaweiIdentityResponse(domainId: id, domainName: first["name"]?.string)
        }
    }

    package static func isDomainId(_ text: String) -> Bool {
        (1...maxDomainIdLength).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}
