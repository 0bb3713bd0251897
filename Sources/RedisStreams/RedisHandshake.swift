/// The commands sent right after the transport connects, per upstream's rules.
enum RedisHandshake {
    /// `AUTH username password` when there is a password (`AUTH password` when the
    /// username is empty), then `SELECT db` when `db` is not 0.
    static func commands(for endpoint: RedisEndpoint) -> [[String]] {
        var commands: [[String]] = []
        if !endpoint.password.isEmpty {
            if endpoint.username.isEmpty {
                commands.append(["AUTH", endpoint.password])
            } else {
                commands.append(["AUTH", endpoint.username, endpoint.password])
            }
        }
        if endpoint.db != 0 {
            commands.append(["SELECT", String(endpoint.db)])
        }
        return commands
    }

    /// Explains a failed handshake step without ever echoing the password.
    static func describeFailure(of command: [String], reply: String, endpoint: RedisEndpoint, server: String) -> String {
        let message: String
        switch command.first {
        case "AUTH":
            let user = endpoint.username.isEmpty ? "the default user" : "user '\(endpoint.username)'"
            message = "AUTH as \(user) on \(server) failed: \(reply)"
        case "SELECT":
            message = "SELECT \(endpoint.db) on \(server) failed: \(reply)"
        default:
            message = reply
        }
        return redact(message, secret: endpoint.password)
    }

    /// Replaces every occurrence of `secret` (should a server ever echo it) with `***`.
    static func redact(_ text: String, secret: String) -> String {
        guard !secret.isEmpty else { return text }
        return text.replacing(secret, with: "***")
    }
}
