/// A rule that relates several keys, e.g. "`redis.sentinelMaster` is required with
/// `redis.sentinels`". Its findings name the key the operator should change.
struct ConfigRelation: Sendable {
    let check: @Sendable (ServiceConfig) -> [(path: String, finding: ConfigFinding)]
}

extension ConfigRelation {
    /// Every rule between keys, run after each key's own rules.
    static let all: [ConfigRelation] = [
        // Upstream 7.0 reads its (realtime) cookie from jwtCookieName; here that key is the
        // streams cookie, which `realtime` never reads: say so for a carried-over 7.0 value.
        ConfigRelation { config in
            guard config.serviceProtocol == .realtime, config.jwtCookieName != ServiceConfig().jwtCookieName,
                  config.jwtCookieName != config.realtimeJwtCookieName else { return [] }
            return [("jwtCookieName", .warning(
                "is the streams cookie, unused with protocol realtime; upstream 7.0's jwtCookieName (JWT_COOKIE_NAME) "
                    + "is realtimeJwtCookieName (REALTIME_JWT_COOKIE_NAME) here, now \(config.realtimeJwtCookieName)"))]
        },
        // One way to reach Redis.
        ConfigRelation { config in
            let redis = config.redis
            var findings: [(String, ConfigFinding)] = []
            if !redis.sentinels.isEmpty, redis.sentinelMaster.isEmpty {
                findings.append(("redis.sentinelMaster", .error("is required with redis.sentinels: the name the Sentinels monitor the master under")))
            }
            if !redis.sentinels.isEmpty, !redis.path.isEmpty {
                findings.append(("redis.path", .error("cannot be used with redis.sentinels: set one way to reach Redis")))
            }
            if !redis.path.isEmpty, redis.ssl {
                findings.append(("redis.ssl", .error("Redis offers no TLS on a unix socket (redis.path): set redis.ssl to false")))
            }
            if redis.sentinels.isEmpty {
                for (path, value) in [("redis.sentinelMaster", redis.sentinelMaster), ("redis.sentinelUsername", redis.sentinelUsername),
                                      ("redis.sentinelPassword", redis.sentinelPassword)] where !value.isEmpty {
                    findings.append((path, .warning("is ignored: redis.sentinels is empty")))
                }
            }
            return findings
        },
        // TLS settings belong together.
        ConfigRelation { config in
            let redis = config.redis
            var findings: [(String, ConfigFinding)] = []
            if !redis.tlsKeyFile.isEmpty, redis.tlsCertFile.isEmpty {
                findings.append(("redis.tlsCertFile", .error("is required with redis.tlsKeyFile (mutual TLS needs both)")))
            }
            if !redis.tlsCertFile.isEmpty, redis.tlsKeyFile.isEmpty {
                findings.append(("redis.tlsKeyFile", .error("is required with redis.tlsCertFile (mutual TLS needs both)")))
            }
            if !redis.ssl {
                for (path, value) in [("redis.tlsCaFile", redis.tlsCaFile), ("redis.tlsCertFile", redis.tlsCertFile),
                                      ("redis.tlsKeyFile", redis.tlsKeyFile), ("redis.tlsServerName", redis.tlsServerName)] where !value.isEmpty {
                    findings.append((path, .warning("is set but redis.ssl is false: the connection to Redis is not encrypted")))
                }
            }
            return findings
        },
    ]
}
