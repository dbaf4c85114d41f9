import BalanceCore
import BalanceHTTP
import BalanceSupport

/// The temporary keys of an ECS instance's cloud service agency, from the
/// metadata service (https://support.huaweicloud.com/intl/en-us/usermanual-ecs/ecs_03_0166.html):
/// optionally a session token first (`PUT /meta-data/latest/api/token`), then
/// `GET /openstack/latest/securitykey` → `{"credential": {"access", "secret",
/// "securitytoken", "expires_at"}}`. The keys live an hour and are rotated ten
/// minutes before they expire, old and new valid meanwhile. Pure.
package enum HuaweiMetadataCredentials {
    /// What the service answers an instance without an agency.
    static let noAgency = "Please configure Cloud Service Agency first"
    /// Longer than any session token: a longer answer is not one.
    static let maxSessionTokenLength = 4096

    /// The session token of a `PUT /meta-data/latest/api/token` answer; nil
    /// when there is none (the SDK then asks for the keys without one).
    package static func sessionToken(_ response: HTTPResponse) -> String? {
        guard (200..<300).contains(response.status), response.body.count <= maxSessionTokenLength else { return nil }
        let token = String(decoding: response.body, as: UTF8.self).trimmingWhitespace()
        guard !token.isEmpty, token.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else { return nil }
        return token
    }

    /// A 401 that is not "no agency": the session token was refused, and the
    /// SDK asks again with a fresh one.
    package static func isSessionTokenRejected(_ response: HTTPResponse) -> Bool {
        response.status == 401 && !String(decoding: response.body, as: UTF8.self).contains(noAgency)
    }

    /// The keys, or why there are none (`auth`: no agency, or refused; HTTP 429 is throttling).
    package static func parse(_ response: HTTPResponse, _ exchange: HuaweiResponse.Exchange) throws(ProviderError) -> HuaweiCredentials {
        guard (200..<300).contains(response.status) else {
            let status = response.status
            let error: ProviderError
            if status != 429, String(decoding: response.body, as: UTF8.self).contains(noAgency) {
                error = ProviderError(.auth, message: "the ECS instance has no cloud service agency (\(noAgency))")
            } else {
                error = ProviderError([401, 403].contains(status) ? .auth : .forHTTPStatus(status),
                                      message: "the metadata service answered HTTP \(status)")
            }
            throw HuaweiResponse.finish(error, response, exchange)
        }
        guard let credential = JSONValue.parse(response.body)?["credential"]?.object,
              let access = credential["access"]?.string, !access.isEmpty,
              let secret = credential["secret"]?.string, !secret.isEmpty,
              let token = credential["securitytoken"]?.string, !token.isEmpty,
              let expiresAt = credential["expires_at"]?.string.flatMap(parseExpiry) else {
            throw HuaweiResponse.finish(ProviderError(.bad_response, message: "the metadata answer lacks credential.access, secret, securitytoken or expires_at"),
                                        response, exchange)
        }
        return HuaweiCredentials(accessKey: access, secretKey: secret, securityToken: token, expiresAt: expiresAt,
                                 source: "ECS metadata")
    }

    /// Unix seconds of `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (UTC, the fraction dropped); nil otherwise.
    static func parseExpiry(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count,
                  bytes[range].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"),
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 21, number(20..<(bytes.count - 1)) != nil else { return nil }
        }
        let days = CivilTime.daysFromCivil(year, month, day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }
}
