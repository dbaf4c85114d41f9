import Glibc

/// The process's open-file limit (RLIMIT_NOFILE): every connection is a
/// descriptor, so `--web.max-connections` must fit in it.
package enum FileLimit {
    /// Descriptors kept beside the connections: stdin, stdout, stderr, the
    /// listeners and the wake pipe, one upstream socket per refresh in
    /// flight (each provider's `max_concurrency`), configuration and secret
    /// files, `/proc` reads, and connections on their way out after being
    /// closed to make room.
    package static let reserve = 128

    /// Raises the soft limit to the hard one, as Go programs do at start
    /// since Go 1.19 (https://go.dev/issue/46279): the soft default (1024
    /// on many systems) is a relic of `select`, which the server does not
    /// use. Returns the soft limit in force afterwards; nil if unknown.
    @discardableResult
    package static func raiseToHardLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// Why `maxConnections` cannot be served within `limit` descriptors, or
    /// nil when it fits beside the reserve.
    package static func problem(maxConnections: Int, limit: Int) -> String? {
        guard maxConnections > limit - reserve else { return nil }
        return "--web.max-connections=\(maxConnections) does not fit the open-file limit of \(limit) (ulimit -n): "
            + "each connection is a file descriptor and \(reserve) more are kept for listeners, upstream sockets and files; "
            + "give at most \(max(0, limit - reserve)) or raise the limit"
    }

    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
}
