import BalanceCore

/// Consecutive authentication failures (`auth`, `clock`) per access key,
/// shared by every account signing with that key. Huawei locks a key for five
/// minutes after five consecutive failures, correct requests included
/// (https://support.huaweicloud.com/intl/en-us/ocr_faq/ocr_01_0063.html): after
/// `pauseAfter` failures in a row the key is not used for `pauseSeconds`, so
/// one account's wrong secret key (or a skewed clock) never locks the key of
/// the accounts that use it correctly. Any success resets the count, as it
/// resets Huawei's. Concurrent refreshes in flight when the pause starts may
/// still fail: at most the provider's concurrency more, below Huawei's five.
package actor HuaweiKeyFailures {
    static let pauseAfter = 2
    static let pauseSeconds = HuaweiCloud.lockoutSeconds
    /// A key not seen failing for this long is forgotten (temporary keys rotate hourly).
    static let forgetAfter = 86_400.0

    private struct Record {
        var consecutive = 0
        var lastFailure = 0.0
        var pausedUntil: Double?
    }
    private var records: [String: Record] = [:]

    package init() {}

    /// Until when (Unix seconds) `accessKey` must not be used; nil: it may be.
    func pausedUntil(_ accessKey: String, now: Double) -> Double? {
        records[accessKey]?.pausedUntil.flatMap { $0 > now ? $0 : nil }
    }

    /// The outcome of one signed call with `accessKey`.
    func record(_ accessKey: String, failed: Bool, now: Double) {
        guard failed else {
            records[accessKey] = nil
            return
        }
        records = records.filter { $0.value.lastFailure > now - Self.forgetAfter }
        var record = records[accessKey] ?? Record()
        record.consecutive += 1
        record.lastFailure = now
        if record.consecutive >= Self.pauseAfter { record.pausedUntil = now + Self.pauseSeconds }
        records[accessKey] = record
    }

    /// The failure reasons that count: Huawei's `APIGW.0301` in all its forms.
    static func counts(_ error: ProviderError) -> Bool {
        error.reason == .auth || error.reason == .clock
    }
}
