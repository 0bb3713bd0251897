#if canImport(Glibc)
import Glibc

/// The few `prctl(2)` operations the link needs.
///
/// `prctl` is variadic in C, so Swift does not import it, and this module has no C shim
/// of its own: it is looked up with `dlsym` and called with the fixed five-argument form
/// the kernel interface takes (on the Linux ABIs Swift supports, a variadic callee reads
/// those arguments from the same registers).
enum Prctl {
    private typealias Function = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    private static let setParentDeathSignalOption: Int32 = 1  // PR_SET_PDEATHSIG
    private static let getParentDeathSignalOption: Int32 = 2  // PR_GET_PDEATHSIG
    private static let setNameOption: Int32 = 15  // PR_SET_NAME

    private static var function: Function? {
        guard let symbol = dlsym(nil, "prctl") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }

    /// `PR_SET_PDEATHSIG`: the kernel sends `signal` to this process when the thread that
    /// spawned it dies. The backstop for a supervisor killed with `SIGKILL`; the primary
    /// signal is EOF on the link. Returns false when unavailable or failed.
    static func setParentDeathSignal(_ signal: Int32) -> Bool {
        guard let function else { return false }
        return function(setParentDeathSignalOption, UInt(signal), 0, 0, 0) == 0
    }

    /// `PR_GET_PDEATHSIG`: the armed signal, 0 when none.
    static func parentDeathSignal() -> Int32 {
        guard let function else { return 0 }
        var value: Int32 = 0
        let result = withUnsafeMutablePointer(to: &value) { pointer in
            function(getParentDeathSignalOption, UInt(bitPattern: pointer), 0, 0, 0)
        }
        return result == 0 ? value : 0
    }

    /// `PR_SET_NAME`: names the calling thread (at most 15 bytes are kept).
    static func setThreadName(_ name: String) {
        guard let function else { return }
        name.withCString { pointer in
            _ = function(setNameOption, UInt(bitPattern: pointer), 0, 0, 0)
        }
    }
}
#endif
