import Config
import NIOCore
import RedisStreams

/// Everything a gateway worker needs, derived from the service configuration in one place.
public struct GatewayOptions: Sendable {
    public var host: String
    public var port: Int
    /// An inherited listening socket (systemd socket activation) to serve instead of binding.
    public var listenFD: Int32?
    public var handshakeTimeout: TimeAmount
    public var shutdownTimeout: TimeAmount
    public var redis: RedisEndpoint
    public var streamPrefix: String
    public var readCount: Int
    public var readBlockMs: Int
    public var jwtSecret: String
    public var jwtAlgorithms: [String]
    public var jwtCookieName: String
    public var jwtChannelIdKey: String
    public var allowedOrigins: [String]
    public var maxSocketBufferBytes: Int
    /// Which protocol generations to serve (issue 13).
    public var serviceProtocol: ServiceProtocol
    public var previousJwtSecret: String
    public var realtimeCookieName: String
    /// The Pub/Sub channel: `<realtimeChannelPrefix>realtime`.
    public var realtimeChannel: String
    public var realtimeBufferMaxMessages: Int
    public var realtimeBufferMaxBytes: Int
    var hub: ChannelHub.Settings

    public init(config: ServiceConfig, listenFD: Int32? = nil) {
        host = config.host
        port = config.port
        self.listenFD = listenFD
        handshakeTimeout = .milliseconds(Int64(config.handshakeTimeoutMs))
        shutdownTimeout = .milliseconds(Int64(config.shutdownTimeoutMs))
        redis = RedisEndpoint(config: config.redis)
        streamPrefix = config.redisStreamPrefix
        readCount = config.redisStreamReadCount
        readBlockMs = config.redisStreamReadBlockMs
        jwtSecret = config.jwtSecret
        jwtAlgorithms = config.jwtAlgorithms
        jwtCookieName = config.jwtCookieName
        jwtChannelIdKey = config.jwtChannelIdKey
        allowedOrigins = config.allowedOrigins
        maxSocketBufferBytes = config.maxSocketBufferBytes
        serviceProtocol = config.serviceProtocol
        previousJwtSecret = config.previousJwtSecret
        realtimeCookieName = config.realtimeJwtCookieName
        realtimeChannel = config.realtimeChannelPrefix + "realtime"
        realtimeBufferMaxMessages = config.realtimeBufferMaxMessages
        realtimeBufferMaxBytes = config.realtimeBufferMaxBytes
        hub = ChannelHub.Settings()
        hub.maxTotalConnections = config.maxTotalConnections
        hub.maxConnectionsPerChannel = config.maxConnectionsPerChannel
        hub.eventYieldBatchSize = config.eventYieldBatchSize
        hub.pingInterval = .milliseconds(Int64(config.pingSocketsIntervalMs))
        hub.responseTimeout = .milliseconds(Int64(config.socketResponseTimeoutMs))
        hub.gcInterval = .milliseconds(Int64(config.gcChannelsIntervalMs))
        hub.maxSocketBufferBytes = config.maxSocketBufferBytes
    }
}
