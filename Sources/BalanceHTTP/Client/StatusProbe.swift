import BalanceSockets
import BalanceSupport

/// One blocking `GET` to a loopback address, for `--health-check`: the
/// status of the answer, whatever it is (a `401` proves the server alive as
/// well as a `200`). With `tls`, TLS without certificate verification: the
/// probe checks that our own server answers, not who it is.
package enum StatusProbe {
    package static func status(host: String, port: UInt16, path: String, tls: Bool, timeout: Double) -> Int? {
        let deadline = Deadline(secondsFromNow: timeout)
        guard let address = SocketAddress(numericHost: host, port: port),
              let url = HTTPURL(string: "http://\(address)\(path)") else { return nil }
        do throws(TransportError) {
            let wire = try HTTPRequestWriter.encode(HTTPRequest(method: "GET", url: url, headers: [("Connection", "close")]), to: url)
            let socket = try UpstreamSocket.open(for: address) { _ in true }
            defer { socket.socket.close() }
            try socket.connect(to: address, until: deadline)
            var reader = HTTPResponseReader(maxBodyBytes: 1 << 20, bodyExpected: true)
            guard tls else { return try SocketTransport.converse(over: socket, sending: wire, into: &reader, until: deadline).status }
            let connection = try TLSConnection(over: socket, context: try TLSContext(caFile: nil, verifyPeer: false),
                                               host: host, until: deadline)
            return try SocketTransport.converse(over: connection, sending: wire, into: &reader, until: deadline).status
        } catch {
            return nil
        }
    }
}
