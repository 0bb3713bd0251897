import Logging

/// Asks the Sentinels which server is the master of a name, per the Sentinel client
/// protocol: each Sentinel in turn, the one that answered last first.
///
/// Owned by one `RedisConnection` (so used by one thread at a time). It keeps its
/// connection to the Sentinel that answered last, for the periodic checks, and drops a
/// Sentinel's connection on any error.
final class SentinelResolver {
    let settings: RedisSentinelSettings
    private let tls: RedisTLSSettings?
    private let connectTimeoutMs: Int
    private let responseTimeoutMs: Int
    private let interrupter: RedisInterrupter?
    private let logger: Logger
    /// Indices into `settings.sentinels`, the one that answered last first.
    private var order: [Int]
    private var current: (index: Int, connection: RedisConnection)?

    init(
        settings: RedisSentinelSettings, tls: RedisTLSSettings?, connectTimeoutMs: Int, responseTimeoutMs: Int,
        interrupter: RedisInterrupter?, logger: Logger
    ) {
        self.settings = settings
        self.tls = tls
        self.connectTimeoutMs = connectTimeoutMs
        self.responseTimeoutMs = responseTimeoutMs
        self.interrupter = interrupter
        self.logger = logger
        self.order = Array(settings.sentinels.indices)
    }

    deinit {
        current?.connection.close()
    }

    func close() {
        current?.connection.close()
        current = nil
    }

    /// `SENTINEL get-master-addr-by-name`, from the first Sentinel that answers.
    func masterAddress() throws(RedisError) -> RedisServerAddress {
        guard !order.isEmpty else { throw .connection("no Sentinels configured for master '\(settings.masterName)'") }
        var failures: [String] = []
        for (position, index) in order.enumerated() {
            do {
                let address = try ask(index, timeoutMs: nil)
                if position != 0 {
                    order.remove(at: position)
                    order.insert(index, at: 0)
                }
                return address
            } catch {
                if current?.index == index { close() }
                if interrupter?.isInterrupted == true { throw .connection("asking the Sentinels interrupted") }
                failures.append("Sentinel \(settings.sentinels[index]): \(error.reason)")
            }
        }
        throw .connection("no Sentinel named a master for '\(settings.masterName)': \(failures.joined(separator: "; "))")
    }

    /// What the Sentinel that answered last says now, within about `quickTimeoutMs`:
    /// for the periodic check, which must never hold up its connection for long. When
    /// it does not answer, the next check asks the next Sentinel.
    func currentMasterAddress() throws(RedisError) -> RedisServerAddress {
        guard let index = order.first else { throw .connection("no Sentinels configured") }
        do {
            return try ask(index, timeoutMs: Self.quickTimeoutMs)
        } catch {
            if current?.index == index { close() }
            order.append(order.removeFirst())
            throw error
        }
    }

    /// The bound on each step (connect, reply) of a periodic check.
    static let quickTimeoutMs = 1_000

    private func ask(_ index: Int, timeoutMs: Int?) throws(RedisError) -> RedisServerAddress {
        let connection = try connection(to: index, connectTimeoutMs: timeoutMs.map { min($0, connectTimeoutMs) } ?? connectTimeoutMs)
        let arguments = ["SENTINEL", "get-master-addr-by-name", settings.masterName].map { Array($0.utf8) }
        let reply = try connection.command(arguments, timeoutMs: timeoutMs.map { min($0, responseTimeoutMs) } ?? responseTimeoutMs)
        switch reply {
        case .array(let fields) where fields.count == 2:
            guard let host = fields[0].string, let portText = fields[1].string, let port = Int(portText),
                  (1...65535).contains(port)
            else {
                throw .protocol("SENTINEL get-master-addr-by-name answered \(reply.shapeName) without an address")
            }
            return .tcp(host: host, port: port)
        case .null, .array([]):
            throw .server("does not monitor a master named '\(settings.masterName)' (redis.sentinelMaster)")
        default:
            throw .protocol("SENTINEL get-master-addr-by-name answered \(reply.shapeName)")
        }
    }

    private func connection(to index: Int, connectTimeoutMs: Int) throws(RedisError) -> RedisConnection {
        if let current, current.index == index, current.connection.isConnected { return current.connection }
        close()
        let node = settings.sentinels[index]
        let endpoint = RedisEndpoint(
            target: .tcp(host: node.host, port: node.port), tls: tls, username: settings.username,
            password: settings.password, db: 0, connectTimeoutMs: connectTimeoutMs)
        let connection = RedisConnection(
            endpoint: endpoint, responseTimeoutMs: responseTimeoutMs, interrupter: interrupter, logger: logger)
        try connection.connect()
        current = (index, connection)
        return connection
    }
}
