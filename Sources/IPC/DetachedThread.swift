#if canImport(Glibc)
import Glibc

/// Starts a detached POSIX thread. The link's reader blocks in `read()`, so it gets a
/// thread of its own rather than a slot in anybody's event loop or the cooperative pool.
enum DetachedThread {
    private final class Body: Sendable {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }

    static func start(name: String, _ run: @escaping @Sendable () -> Void) throws(IPCError) {
        let context = Unmanaged.passRetained(Body(name: name, run: run)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            Prctl.setThreadName(body.name)
            body.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw .system(call: "pthread_create", errno: result)
        }
        pthread_detach(thread)
    }
}
#endif
