extension ServiceConfig {
    /// The `statsd` object of the configuration.
    public struct StatsdConfig: Equatable, Sendable {
        public var host = "127.0.0.1"
        public var port = 8125
        /// DogStatsD tags added to every metric.
        public var globalTags: [String] = []
        /// How often the supervisor sends the workers' summed metrics.
        public var flushIntervalMs = 1000
        /// Prepended to every metric name (e.g. `superset.`); empty by default.
        public var prefix = ""

        public init() {}
    }
}
