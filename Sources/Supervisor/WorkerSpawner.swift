import Glibc
import IPC

/// Starts worker processes with `posix_spawn` (never `fork` without `exec`: the Swift
/// runtime is multi-threaded).
///
/// Each worker gets a fresh `socketpair`; the child's end becomes fd 3
/// (``IPCProtocol/workerLinkFD``) and a listener, when the supervisor provides one,
/// fd 4 (``IPCProtocol/inheritedListenerFD``). Every other descriptor of the supervisor
/// is close-on-exec.
struct WorkerSpawner {
    var executablePath: String
    var arguments: [String]

    struct Spawned {
        let pid: pid_t
        /// The supervisor's end of the link, non-blocking, close-on-exec.
        let linkFD: Int32
    }

    /// - Parameter listenerFD: a listening socket for the worker (≥ 10, close-on-exec).
    func spawn(listenerFD: Int32?) throws(SupervisorExit) -> Spawned {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .failure("socketpair failed: errno \(errno)")
        }
        let parentEnd = pair[0]
        // Keep the child's end clear of 3 and 4, the dup2 targets, so neither dup2 can
        // clobber the other's source.
        let childEnd = fcntl(pair[1], F_DUPFD_CLOEXEC, 10)
        close(pair[1])
        guard childEnd >= 0 else {
            close(parentEnd)
            throw .failure("cannot move the worker's link: errno \(errno)")
        }
        defer { close(childEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the target.
        posix_spawn_file_actions_adddup2(&actions, childEnd, IPCProtocol.workerLinkFD)
        var argv = [executablePath] + arguments
        // Same for the listener: a socket that happens to be fd 3 would be clobbered by
        // the first dup2. A temporary high copy sidesteps it.
        var temporaryListener: Int32 = -1
        defer { if temporaryListener >= 0 { close(temporaryListener) } }
        if var listenerFD {
            if listenerFD < 10 {
                temporaryListener = fcntl(listenerFD, F_DUPFD_CLOEXEC, 10)
                guard temporaryListener >= 0 else {
                    close(parentEnd)
                    throw .failure("cannot move the listener for a worker: errno \(errno)")
                }
                listenerFD = temporaryListener
            }
            posix_spawn_file_actions_adddup2(&actions, listenerFD, IPCProtocol.inheritedListenerFD)
            argv += ["--listen-fd", String(IPCProtocol.inheritedListenerFD)]
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no blocked signals and default dispositions for the
        // ones the supervisor handles or ignores (SIG_IGN survives exec otherwise).
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in SignalPipe.handledSignals + [SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let environment = ChildEnvironment.make(supervisorPID: getpid())
        var pid: pid_t = 0
        let result = withCStringArray(argv) { argvPointer in
            withCStringArray(environment) { envPointer in
                posix_spawn(&pid, executablePath, &actions, &attributes, argvPointer, envPointer)
            }
        }
        guard result == 0 else {
            close(parentEnd)
            throw .failure("cannot start worker \(executablePath): \(String(cString: strerror(result)))")
        }
        let flags = fcntl(parentEnd, F_GETFL)
        _ = fcntl(parentEnd, F_SETFL, flags | O_NONBLOCK)
        return Spawned(pid: pid, linkFD: parentEnd)
    }
}

/// A NULL-terminated `char *[]` for the duration of `body`.
private func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
