import Config
import NIOCore

extension ChannelHub {
    struct Settings {
        var maxTotalConnections = 0
        var maxConnectionsPerChannel = 0
        var eventYieldBatchSize = 100
        /// A turn of `dispatch` also ends once it made this many socket writes:
        /// `eventYieldBatchSize` counts events, and one event of a large channel goes to
        /// thousands of sockets, which would hold the loop (pings, handshakes, the
        /// heartbeat) for the whole fan-out.
        var writeYieldBudget = 10_000
        var pingInterval: TimeAmount = .seconds(20)
        var responseTimeout: TimeAmount = .seconds(60)
        var gcInterval: TimeAmount = .seconds(120)
        /// How long a closing socket may take to answer our close frame.
        var closeGrace: TimeAmount = .seconds(2)
        var historyMaxEvents = 20_000
        var historyMaxBytes = 16 << 20
        var maxSocketBufferBytes = ServiceConfig.defaultMaxSocketBufferBytes
    }
}
