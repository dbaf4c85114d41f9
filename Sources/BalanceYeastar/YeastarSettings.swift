import BalanceCore
import BalanceHTTP
import BalanceSupport

/// One Yeastar account's settings, validated from its `AccountConfig`: pure.
struct YeastarSettings: Sendable {
    var clientID: String
    var clientSecret: String
    /// Yeastar requires a `User-Agent` on every request; the default is the context's.
    var userAgent: String
    var requestTimeout: Double
    var tokenURL: HTTPURL
    var balanceURL: HTTPURL

    init(account: AccountConfig, defaultUserAgent: String, defaultTimeout: Double) throws(ConfigProblems) {
        var settings = AccountSettings(account)
        let clientID = settings.required("client_id")
        let clientSecret = settings.required("client_secret")
        userAgent = settings.headerText("user_agent", default: defaultUserAgent)
        requestTimeout = settings.requestTimeout(default: defaultTimeout)
        // The API paths are appended to the endpoint, which may carry a path prefix.
        var base = account.endpoint
        while base.hasSuffix("/") { base.removeLast() }
        let tokenURL = HTTPURL(string: base + YeastarAPI.tokenPath), balanceURL = HTTPURL(string: base + YeastarAPI.balancePath)
        if tokenURL == nil || balanceURL == nil {
            settings.problem("endpoint", "not an http:// or https:// URL with a host: \(account.endpoint)")
        }
        try settings.finish()
        guard let clientID, let clientSecret, let tokenURL, let balanceURL else { throw ConfigProblems(settings.problems) }
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenURL = tokenURL
        self.balanceURL = balanceURL
    }
}
