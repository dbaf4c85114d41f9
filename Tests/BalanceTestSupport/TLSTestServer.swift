import Foundation
import Synchronization
import XCTest

/// Throwaway certificates for TLS tests, made with the `openssl` command
/// line at test time (nothing secret is committed): a CA, a server
/// certificate for `localhost` and 127.0.0.1 signed by it, one for
/// another host name signed by the same CA, a client certificate signed by
/// it, and a stranger's: `localhost` again, from a CA nobody trusts. Valid for two days.
package struct TLSTestCertificates: Sendable {
    package let directory: URL
    package var caFile: String { directory.appendingPathComponent("ca.pem").path }
    /// (certificate, key) for DNS:localhost and IP:127.0.0.1.
    package var localhost: (String, String) { pair("localhost") }
    /// (certificate, key) for DNS:wrong.example only.
    package var otherHost: (String, String) { pair("wrong") }
    /// (certificate, key) for clients (extendedKeyUsage clientAuth), DNS:scraper.example.
    package var client: (String, String) { pair("client") }
    /// (certificate, key) for DNS:localhost and IP:127.0.0.1 from another CA.
    package var stranger: (String, String) { pair("stranger") }

    private func pair(_ name: String) -> (String, String) {
        (directory.appendingPathComponent("\(name).pem").path, directory.appendingPathComponent("\(name).key").path)
    }

    package static func generate() throws -> TLSTestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd "$1"
            key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
            openssl req -x509 $key -keyout ca.key -out ca.pem -days 2 -subj "/CN=balance_exporter test CA" \
              -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
            openssl req -x509 $key -keyout other-ca.key -out other-ca.pem -days 2 -subj "/CN=a stranger's CA" \
              -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
            issue() {
              openssl req $key -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
              printf 'subjectAltName=%s\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=%s\\n' "$3" "${4:-serverAuth}" > "$1.ext"
              openssl x509 -req -in "$1.csr" -CA "${5:-ca}.pem" -CAkey "${5:-ca}.key" -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext"
            }
            issue localhost localhost "DNS:localhost,IP:127.0.0.1"
            issue wrong wrong.example "DNS:wrong.example"
            issue client scraper "DNS:scraper.example" clientAuth
            issue stranger localhost "DNS:localhost,IP:127.0.0.1" serverAuth other-ca
            """
        let result = try runScript(["sh", "-c", script, "sh", directory.path], timeout: 60)
        guard result.status == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw TLSTestError("openssl failed: \(result.output)")
        }
        return TLSTestCertificates(directory: directory)
    }

    package func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// One set of `TLSTestCertificates` for a whole test class: made on first
/// use (openssl takes a while), the same failure reported to every test if
/// making them failed, removed by the class's `tearDown`.
package final class SharedTLSTestCertificates: Sendable {
    private let made = Mutex<Result<TLSTestCertificates, TLSTestError>?>(nil)

    package init() {}

    package func get() throws -> TLSTestCertificates {
        try made.withLock { made -> Result<TLSTestCertificates, TLSTestError> in
            if let made { return made }
            let fresh = Result { try TLSTestCertificates.generate() }.mapError { TLSTestError("\($0)") }
            made = fresh
            return fresh
        }.get()
    }

    package func remove() {
        if case .success(let certificates)? = made.withLock({ $0 }) { certificates.remove() }
    }
}

package struct TLSTestError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Python's `http.server` wrapped in `ssl`, on 127.0.0.1 with an ephemeral
/// port, serving with the given certificate:
/// - `/big`: 200 KiB with a Content-Length (many TLS records);
/// - `/close`: a body with no length, ended by closing the connection
///   without a TLS close_notify (as many servers do);
/// - anything else: `hello over tls <path>`.
/// Every answer names the SNI the client sent (`X-SNI`, `none` if absent).
package final class TLSTestServer: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test thread.
    package let port: Int
    private let process: Process

    package static let script = #"""
        import http.server, ssl, sys

        seen = {"sni": "none"}

        def remember_sni(sock, name, context):
            seen["sni"] = name or "none"

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                if self.path == "/close":
                    self.close_connection = True
                    self.send_response(200)
                    self.send_header("X-SNI", seen["sni"])
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(b"until the close")
                    return
                body = b"x" * (200 * 1024) if self.path == "/big" else ("hello over tls " + self.path).encode()
                self.send_response(200)
                self.send_header("X-SNI", seen["sni"])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
        context.sni_callback = remember_sni
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    package init(certificate: (String, String)) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, certificate.0, certificate.1]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the port; EOF first means the script failed.
        var line = Data()
        while !line.contains(0x0A) {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            line.append(data)
        }
        guard let text = String(data: line, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TLSTestError("the python TLS server did not start")
        }
        self.port = port
        self.process = process
    }

    /// SIGKILL: the child inherits the test process's blocked signal mask,
    /// so Python never sees the SIGTERM of `terminate()`.
    package func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
