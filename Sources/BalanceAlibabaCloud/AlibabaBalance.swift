import BalanceCore
import BalanceHTTP
import BalanceSupport

/// What `QueryAccountBalance` reported, exactly: each amount as the decimal
/// number it spells, the currency, the request ID. Parsed by a pure function
/// of the answer.
///
/// Fields per https://www.alibabacloud.com/help/en/user-center/developer-reference/api-bssopenapi-2017-12-14-queryaccountbalance
/// and the SDK's model, where every one is an optional string: amounts are
/// decimal strings in major units (`"10000.00"`, `"-11.19"`, and from some
/// consumers' experience `"1,234.56"`), read through `DecimalAmount`.
package struct AlibabaBalance: Sendable, Equatable {
    /// `Data.AvailableAmount`: the balance (`balance_available`).
    package var available: JSONNumber
    /// By `Data` key (`AvailableAmount` too); an absent or null field is absent here.
    package var amounts: [String: JSONNumber]
    /// `Data.Currency` (`CNY`, `USD`, `JPY`), when sent.
    package var currency: String?
    package var requestID: String?

    /// No currency code is longer; a longer one is not a currency.
    static let maxCurrencyLength = 16

    /// The answer's fields, or the classified failure (bounded, with the
    /// retry delay the answer asked for). A present field that is not a
    /// decimal amount is a `bad_response`, never a guess; so is a success
    /// without `AvailableAmount`, the balance itself.
    package static func parse(_ response: HTTPResponse, now: Double,
                              removing secrets: [String]) throws(ProviderError) -> AlibabaBalance {
        let what = AlibabaAPI.queryAccountBalance.action
        let json = try AlibabaResponse.object(response, what: what, now: now, removing: secrets)
        do {
            return try balance(json, what: what)
        } catch {
            throw AlibabaResponse.finished(error, response: response, now: now, removing: secrets)
        }
    }

    private static func balance(_ json: [String: JSONValue], what: String) throws(ProviderError) -> AlibabaBalance {
        let requestID = json["RequestId"].flatMap(AlibabaResponse.text)
        guard let data = json["Data"]?.object else {
            throw ProviderError(.bad_response, message: "\(what): the answer has no \"Data\" object", requestID: requestID)
        }
        var amounts: [String: JSONNumber] = [:]
        for (key, _) in AlibabaMetrics.fields {
            switch data[key] {
            case nil, .null?:
                continue
            case .string(let text)?:
                guard let amount = DecimalAmount.parse(text) else {
                    throw ProviderError(.bad_response, message: "\(what): Data.\(key) is not a decimal amount: \"\(text)\"",
                                        requestID: requestID)
                }
                amounts[key] = amount
            case .number(let number)?:
                amounts[key] = number
            case let other?:
                throw ProviderError(.bad_response, message: "\(what): Data.\(key) is \(other.typeName), not a decimal amount",
                                    requestID: requestID)
            }
        }
        guard let available = amounts["AvailableAmount"] else {
            throw ProviderError(.bad_response, message: "\(what): the answer has no AvailableAmount", requestID: requestID)
        }
        var currency: String?
        if let text = data["Currency"]?.string.map({ UpstreamText.quote($0.trimmingWhitespace()) }),
           !text.isEmpty, text.count <= maxCurrencyLength {
            currency = text
        }
        return AlibabaBalance(available: available, amounts: amounts, currency: currency, requestID: requestID)
    }
}
