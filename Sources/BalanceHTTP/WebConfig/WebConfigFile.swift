import BalanceSupport
import Glibc
import Synchronization

/// `--web.config.file`: the web configuration and the files it names
/// (certificate, key, client CA), loaded and kept current. Passwords and
/// certificates rotate without a restart: whenever a request or handshake
/// asks, the files' modification times (and sizes and inodes, so a
/// Kubernetes secret's swapped symlink counts) are compared with those of
/// the last read, and on any change everything is read again; a version that
/// cannot be read or is invalid is logged once and the last good one stays.
/// (exporter-toolkit re-reads the file per request and per handshake:
/// https://github.com/prometheus/exporter-toolkit/blob/master/web/tls_config.go)
///
/// Whether the port speaks TLS is decided at start-up: a new version that
/// turns TLS on or off is refused until a restart.
package final class WebConfigFile: Sendable {
    /// One good version: the configuration and its TLS context.
    package struct Loaded: Sendable {
        package let config: WebConfig
        package let tls: ServerTLSContext?
    }

    /// What is wrong with the file, or one it names; never a secret.
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        package var description: String
    }

    package let path: String
    package let verifier: BasicAuthVerifier
    private let logger: Logger
    private struct State {
        var loaded: Loaded
        /// The files' stamps at the last read, good or not.
        var stamps: [FileStamp?]
    }
    private let state: Mutex<State>
    private let reading = Mutex(())

    /// Reads the file; a problem is the caller's to report (at start-up: exit 1).
    package init(path: String, logger: Logger) throws(Problem) {
        self.path = path
        self.logger = logger
        let (loaded, stamps) = try Self.read(path)
        verifier = BasicAuthVerifier(users: loaded.config.users)
        state = Mutex(State(loaded: loaded, stamps: stamps))
        for warning in loaded.config.warnings { logger.warn("web configuration", ["file": .string(path), "warning": .string(warning)]) }
    }

    /// The current version, re-read first when a file changed.
    package func current() -> Loaded {
        let (loaded, stamps) = state.withLock { ($0.loaded, $0.stamps) }
        let now = ([path] + loaded.config.files).map(FileStamp.init)
        guard now != stamps else { return loaded }
        // One reader at a time; the others go on with the version they have.
        return reading.withLockIfAvailable { _ in reread(previous: loaded, seen: now) } ?? loaded
    }

    /// Whether the port speaks TLS (fixed at start-up).
    package var tlsEnabled: Bool { state.withLock { $0.loaded.tls != nil } }

    /// The TLS context for the next handshake (for `HTTPServer`'s `tls`).
    package func tlsContext() -> ServerTLSContext? { current().tls }

    /// A failure is logged once per change: `seen` becomes the stamps to compare with.
    private func reread(previous: Loaded, seen: [FileStamp?]) -> Loaded {
        do throws(Problem) {
            let (loaded, stamps) = try Self.read(path)
            guard (loaded.tls != nil) == (previous.tls != nil) else {
                throw Problem(description: "TLS cannot be turned \(loaded.tls == nil ? "off" : "on") without a restart")
            }
            verifier.update(users: loaded.config.users)
            state.withLock { $0 = State(loaded: loaded, stamps: stamps) }
            for warning in loaded.config.warnings { logger.warn("web configuration", ["file": .string(path), "warning": .string(warning)]) }
            logger.info("web configuration reloaded", ["file": .string(path)])
            return loaded
        } catch {
            state.withLock { $0.stamps = seen }
            logger.error("web configuration reload failed; keeping the previous one", ["file": .string(path), "err": .string(error.description)])
            return previous
        }
    }

    /// The configuration and the files it names, with their stamps taken
    /// before reading (a change while reading is seen on the next request).
    private static func read(_ path: String) throws(Problem) -> (Loaded, [FileStamp?]) {
        let configStamp = FileStamp(path)
        let config: WebConfig
        do {
            config = try WebConfig.parse(try SecretFile.read(path), directory: WebConfig.directory(of: path))
        } catch let error as SecretFile.ReadError {
            throw Problem(description: error.description)
        } catch {
            throw Problem(description: "web configuration \"\(path)\": \(error)")
        }
        let stamps = [configStamp] + config.files.map(FileStamp.init)
        guard let tls = config.tls else { return (Loaded(config: config, tls: nil), stamps) }
        func pem(_ source: TLSServerConfig.PEM) throws(Problem) -> [UInt8] {
            switch source {
            case .inline(let text): return Array(text.utf8)
            case .file(let file):
                do throws(SecretFile.ReadError) {
                    return try SecretFile.read(file)
                } catch {
                    throw Problem(description: "web configuration \"\(path)\": \(error.description)")
                }
            }
        }
        let certificate = try pem(tls.certificate)
        let key = try pem(tls.key)
        let clientCA = try tls.clientCA.map { (ca) throws(Problem) in try pem(ca) }
        do throws(ServerTLSContext.Problem) {
            let context = try ServerTLSContext(tls, certificate: certificate, key: key, clientCA: clientCA)
            return (Loaded(config: config, tls: context), stamps)
        } catch {
            throw Problem(description: "web configuration \"\(path)\": \(error.description)")
        }
    }
}

/// What tells one version of a file from the next: modification time, size, inode.
struct FileStamp: Equatable, Sendable {
    let seconds: Int
    let nanoseconds: Int
    let size: Int
    let inode: UInt

    /// Nil when the file cannot be looked at (a missing file is a state too).
    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        seconds = info.st_mtim.tv_sec
        nanoseconds = info.st_mtim.tv_nsec
        size = Int(info.st_size)
        inode = UInt(info.st_ino)
    }
}

/// Applies a web configuration to every request, in front of `inner`:
/// `basic_auth_users` (401 with `WWW-Authenticate: Basic` when credentials
/// are missing or wrong, 503 with `Retry-After` when too many checks run)
/// and `http_server_config.headers` on every answer, as exporter-toolkit's
/// handler (https://github.com/prometheus/exporter-toolkit/blob/master/web/handler.go).
package struct WebConfigHandler: HTTPHandler {
    let file: WebConfigFile
    let inner: any HTTPHandler

    package init(_ file: WebConfigFile, inner: any HTTPHandler) {
        self.file = file
        self.inner = inner
    }

    package func handle(_ request: HTTPRequest) -> HTTPResponse {
        let loaded = file.current()
        var response: HTTPResponse
        if loaded.config.users.isEmpty {
            response = inner.handle(request)
        } else {
            switch file.verifier.verify(authorization: request.headers["authorization"]) {
            case .allowed: response = inner.handle(request)
            case .denied: response = .text(401, "Unauthorized\n", headers: [("WWW-Authenticate", "Basic")])
            case .busy: response = .text(503, "Too many authentication checks at once; retry.\n", headers: [("Retry-After", "1")])
            }
        }
        for header in loaded.config.headers { response.headers.replace(header.name, with: header.value) }
        return response
    }
}
