import BalanceTestSupport
import Foundation
import XCTest
@testable import BalanceCore
@testable import BalanceHTTP
@testable import BalanceSupport
@testable import BalanceYeastar

/// The pure cores: form encoding, base64url, JWT claims, token and balance
/// responses.
final class YeastarParsingTests: XCTestCase {
    func testFormEncodingRoundTripsAwkwardValues() {
        let fields = [("client_id", "id 1"), ("client_secret", "a+b/c=d&e%f~g.h-i_j é")]
        let body = FormCoding.encode(fields)
        XCTAssertEqual(body, "client_id=id%201&client_secret=a%2Bb%2Fc%3Dd%26e%25f~g.h-i_j%20%C3%A9")
        XCTAssertEqual(FormCoding.decode(Array(body.utf8)), ["client_id": "id 1", "client_secret": "a+b/c=d&e%f~g.h-i_j é"])
        XCTAssertEqual(FormCoding.decode(Array("a=1+2&b=%zz&c".utf8)), ["a": "1 2", "b": "%zz", "c": ""])
    }

    func testBase64URLRoundTripsEveryLength() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 97 + 251) }
            let text = Base64URL.encode(bytes)
            XCTAssertFalse(text.contains("=") || text.contains("+") || text.contains("/"))
            XCTAssertEqual(Base64URL.decode(Substring(text)), bytes)
        }
        XCTAssertEqual(Base64URL.encode(Array("{\"a\":1}".utf8)), "eyJhIjoxfQ")
        XCTAssertNil(Base64URL.decode("a*b="))
        XCTAssertNil(Base64URL.decode("abcde"))
    }

    func testJWTClaimsReadExpAndTheUserIdInsideTheXMSUserString() {
        let user = "{\"userId\":42,\"username\":\"p\"}"
        let token = jwt(["exp": .number(.int(1_800_000_600)), "X-MS-USER": .string(user)])
        XCTAssertEqual(YeastarJWTClaims.parse(token), YeastarJWTClaims(expiresAt: 1_800_000_600, userID: "42"))

        let bigID = jwt(["X-MS-USER": .string("{\"userId\":9007199254740993}")])
        XCTAssertEqual(YeastarJWTClaims.parse(bigID)?.userID, "9007199254740993", "beyond 2^53: every digit")

        let stringID = jwt(["X-MS-USER": .string("{\"userId\":\"u-7\"}")])
        XCTAssertEqual(YeastarJWTClaims.parse(stringID), YeastarJWTClaims(expiresAt: nil, userID: "u-7"))

        let brokenClaim = jwt(["exp": .string("1800000600"), "X-MS-USER": .string("not json")])
        XCTAssertEqual(YeastarJWTClaims.parse(brokenClaim), YeastarJWTClaims(expiresAt: 1_800_000_600, userID: nil))

        XCTAssertNil(YeastarJWTClaims.parse("opaque-token"))
        XCTAssertNil(YeastarJWTClaims.parse("a.!!!.c"))
    }

    func testAuthorizationHeaderFromTokenHead() {
        var token = YeastarToken(token: "T", tokenHead: "Bearer ", refreshToken: nil, obtainedAt: 0, expiresAt: 1, refreshAt: 1, userID: nil)
        XCTAssertEqual(token.authorization, "Bearer T")
        token.tokenHead = "Bearer"
        XCTAssertEqual(token.authorization, "Bearer T")
        token.tokenHead = nil
        XCTAssertEqual(token.authorization, "Bearer T")
        token.tokenHead = "  "
        XCTAssertEqual(token.authorization, "Bearer T")
        token.tokenHead = "JWT "
        XCTAssertEqual(token.authorization, "JWT T")
    }

    func testTokenLifetimeFromExpiresInElseJWTExpElseFiveMinutes() throws {
        let now = 1_800_000_000.0
        let jwtToken = jwt(["exp": .number(.int(1_800_000_100))])
        let cases: [(String, Double)] = [
            ("\"expiresIn\":\"1800\",", 1800),
            ("\"expiresIn\":1200,", 1200),
            ("\"expiresIn\":\"soon\",", 100),
            ("\"expiresIn\":0,", 100),
            ("", 100),
        ]
        for (field, lifetime) in cases {
            let body = "{\"code\":\"success\",\"result\":{\(field)\"token\":\"\(jwtToken)\",\"refreshToken\":\"R2\"}}"
            let token = try YeastarTokenResponse.interpret(response(200, body), now: now, previousRefreshToken: "R1", what: "t")
            XCTAssertEqual(token.expiresAt, now + lifetime, field)
            XCTAssertEqual(token.refreshAt, now + lifetime * 0.8, field)
            XCTAssertEqual(token.refreshToken, "R2")
        }
        let opaque = "{\"code\":\"success\",\"result\":{\"token\":\"opaque\"}}"
        let token = try YeastarTokenResponse.interpret(response(200, opaque), now: now, previousRefreshToken: "R1", what: "t")
        XCTAssertEqual(token.expiresAt, now + 300)
        XCTAssertEqual(token.refreshToken, "R1", "a response without a refresh token keeps the newest one held")
    }

    func testTokenResponseWithoutATokenIsABadResponse() {
        let result = Result { () throws(ProviderError) in
            try YeastarTokenResponse.interpret(response(200, "{\"code\":\"success\",\"result\":{}}"), now: 0,
                                               previousRefreshToken: nil, what: "token grant")
        }
        XCTAssertEqual(result, .failure(ProviderError(.bad_response, message: "token grant failed: the success response has no result.token")))
    }

    func testBalanceAcceptsNumbersAndNumericStrings() {
        XCTAssertEqual(balance(response(200, envelope("{\"accountBalance\":675.24}"))), .success(675.24))
        XCTAssertEqual(balance(response(200, envelope("{\"accountBalance\":\"675.24\"}"))), .success(675.24))
        XCTAssertEqual(balance(response(200, envelope("{\"accountBalance\":-3}"))), .success(-3))
        for bad in ["{\"accountBalance\":true}", "{\"accountBalance\":\"n/a\"}", "{\"accountBalance\":null}", "{}", "[]", "null",
                    "{\"accountBalance\":\"0x10\"}", "{\"accountBalance\":\"inf\"}", "{\"accountBalance\":\"[1]\"}"] {
            guard case .failure(.failed(let error)) = balance(response(200, envelope(bad))) else {
                return XCTFail(bad)
            }
            XCTAssertEqual(error.reason, .bad_response, bad)
        }
    }

    func testBalanceRecognisesARefusedToken() {
        let refused = [
            response(401, ""),
            response(403, "<html>forbidden</html>"),
            response(200, "{\"code\":\"unauthorized\",\"status\":401}"),
            response(200, "{\"code\":\"access_token_expired\",\"status\":200}"),
        ]
        for r in refused {
            guard case .failure(.tokenRejected) = balance(r) else {
                return XCTFail(String(decoding: r.body, as: UTF8.self))
            }
        }
    }

    // MARK: Helpers

    private func balance(_ response: HTTPResponse) -> Result<Double, YeastarBalanceFailure> {
        Result { () throws(YeastarBalanceFailure) in try YeastarBalanceResponse.interpret(response) }
    }

    private func response(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, body: Array(body.utf8))
    }

    private func envelope(_ result: String) -> String {
        "{\"code\":\"success\",\"detailMessage\":\"\",\"requestId\":\"r1\",\"result\":\(result),\"status\":200}"
    }

    private func jwt(_ claims: [String: JSONValue]) -> String {
        let payload = JSONValue.object(claims).text
        return "eyJhbGciOiJIUzI1NiJ9.\(Base64URL.encode(Array(payload.utf8))).c2ln"
    }
}
