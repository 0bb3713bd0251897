import CLibFuzzer
import Foundation

/// The input handler of the running target (a C callback cannot capture it).
nonisolated(unsafe) private var currentBody: ((UnsafeRawBufferPointer) -> Void)?

/// Runs a fuzz target.
///
/// Built with `-DFUZZING`, ASan, libFuzzer's coverage and its no-main runtime
/// (scripts/fuzz.sh), it hands the process to libFuzzer's driver, which reads
/// libFuzzer's own flags and corpus folders from the command line. (SwiftPM names an
/// executable's entry point `<Module>_main` and links `main` to it, so the `main` that
/// `-sanitize=fuzzer` would link clashes: the target's `main.swift` calls this instead.)
///
/// Built without those flags, it is a replayer: each argument is a file, or a folder
/// whose files are all run, once each; a crash shows as a crash.
public func fuzzMain(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
    currentBody = body
    #if FUZZING
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        currentBody!(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
    exit(status)
    #else
    var files: [String] = []
    for argument in CommandLine.arguments.dropFirst() where !argument.hasPrefix("-") {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            FileHandle.standardError.write(Data("no such file: \(argument)\n".utf8))
            exit(2)
        }
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
            files += names.sorted().map { argument + "/" + $0 }
        } else {
            files.append(argument)
        }
    }
    for file in files {
        let data = FileManager.default.contents(atPath: file) ?? Data()
        data.withUnsafeBytes { body($0) }
    }
    print("replayed \(files.count) inputs")
    exit(0)
    #endif
}

/// Splits fuzz input into pieces at a separator byte sequence (for targets that take
/// several values: header lines, fields, chunks).
public func split(_ bytes: UnsafeRawBufferPointer, separator: UInt8) -> [ArraySlice<UInt8>] {
    Array(bytes).split(separator: separator, omittingEmptySubsequences: false)
}
