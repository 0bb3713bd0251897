import Glibc

enum ExecutablePath {
    /// The path `/proc/self/exe` points to, without the " (deleted)" suffix the kernel
    /// adds once the file was replaced on disk (a package upgrade).
    static func resolveSelf() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let bytes = buffer[..<length].map { UInt8(bitPattern: $0) }
        var path = String(decoding: bytes, as: UTF8.self)
        let deleted = " (deleted)"
        if path.hasSuffix(deleted) { path.removeLast(deleted.count) }
        return path
    }

    /// Why `path` cannot be spawned, if it cannot.
    static func problem(with path: String) -> String? {
        access(path, X_OK) == 0 ? nil : "worker executable \(path) is not executable (errno \(errno))"
    }
}
