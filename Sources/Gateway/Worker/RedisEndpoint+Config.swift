import Config
import RedisStreams

extension RedisEndpoint {
    /// The endpoint the `redis.*` keys describe, the one mapping from configuration to a
    /// Redis target for every connection of the service (firehose, bootstrap, replay,
    /// `publish`): the Sentinels when `redis.sentinels` is set, else the unix socket
    /// `redis.path` when set, else `redis.host`:`redis.port`; TLS over TCP with `redis.ssl`.
    public init(config redis: ServiceConfig.RedisConfig) {
        let target: RedisTarget
        if !redis.sentinels.isEmpty {
            target = .sentinel(RedisSentinelSettings(
                sentinels: redis.sentinelAddresses.map { RedisHostAndPort(host: $0.host, port: $0.port) },
                masterName: redis.sentinelMaster, username: redis.sentinelUsername, password: redis.sentinelPassword))
        } else if !redis.path.isEmpty {
            target = .unix(path: redis.path)
        } else {
            target = .tcp(host: redis.host, port: redis.port)
        }
        func setting(_ value: String) -> String? { value.isEmpty ? nil : value }
        let tls: RedisTLSSettings? = redis.ssl && redis.path.isEmpty
            ? RedisTLSSettings(
                caFile: setting(redis.tlsCaFile), certFile: setting(redis.tlsCertFile), keyFile: setting(redis.tlsKeyFile),
                serverName: setting(redis.tlsServerName), validateHostname: redis.validateHostname)
            : nil
        self.init(target: target, tls: tls, username: redis.username, password: redis.password, db: redis.db)
    }
}
