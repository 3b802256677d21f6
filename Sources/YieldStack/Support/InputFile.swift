import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an input file (a scenario or a data file it names) was not read.
public struct InputFileError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case noSuchFile
        case permissionDenied
        case isDirectory
        /// A device, FIFO or socket: reading it could block forever or
        /// never end, and it is never a scenario or a data set.
        case notRegularFile
        case symlinkLoop
        /// Larger than the caller's limit; `size` is nil when the file grew
        /// past the limit while being read.
        case tooLarge(size: Int?, limit: Int)
        case other
    }

    public var kind: Kind
    /// What the message says after `cannot read FILE:` (`no such file`).
    public var reason: String
}

/// Reads the files a scenario run depends on, refusing anything that is not
/// a regular file before opening it, so that a `file` of `/dev/zero`, a FIFO
/// or a socket can neither hang the run nor fill its memory.
public enum InputFile {
    /// The whole content of the regular file at `path`, at most `limit` bytes.
    ///
    /// The path is checked with `stat` (following symlinks) first; the file
    /// is then opened non-blocking (a FIFO swapped in after the check still
    /// cannot block the open) and checked again with `fstat` on the open
    /// descriptor. The content is read to its end rather than trusting
    /// `st_size`, which is 0 for `/proc` files.
    public static func read(_ path: String, limit: Int) -> Result<[UInt8], InputFileError> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(failure(errno)) }
        if let refused = refuse(info) { return .failure(refused) }
        if Int(info.st_size) > limit {
            return .failure(InputFileError(kind: .tooLarge(size: Int(info.st_size), limit: limit), reason: "larger than \(limit) bytes"))
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(failure(errno)) }
        defer { close(fd) }
        guard fstat(fd, &info) == 0 else { return .failure(failure(errno)) }
        if let refused = refuse(info) { return .failure(refused) }

        var out: [UInt8] = []
        out.reserveCapacity(min(max(Int(info.st_size), 0), limit) + 1)
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { buffer in
                #if canImport(Glibc)
                Glibc.read(fd, buffer.baseAddress, buffer.count)
                #else
                Darwin.read(fd, buffer.baseAddress, buffer.count)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(failure(errno))
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit {
                return .failure(InputFileError(kind: .tooLarge(size: nil, limit: limit), reason: "larger than \(limit) bytes"))
            }
        }
        return .success(out)
    }

    /// `bytes` as text, if they are UTF-8: a leading byte-order mark is
    /// dropped. UTF-16 (by its byte-order mark), any NUL byte (binary data,
    /// BOM-less UTF-16, `/proc/self/environ`) and invalid UTF-8 are refused
    /// with a short reason for the message (`it starts with a UTF-16
    /// byte-order mark`), which never quotes the content.
    public static func utf8Text(_ bytes: [UInt8]) -> Result<String, NotText> {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            return .failure(NotText(reason: "it starts with a UTF-16 byte-order mark; save it as UTF-8"))
        }
        if bytes.contains(0) {
            return .failure(NotText(reason: "it contains NUL bytes, so it is binary or UTF-16"))
        }
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        guard let text = String(validating: body, as: UTF8.self) else {
            return .failure(NotText(reason: "it has bytes that are not valid UTF-8"))
        }
        return .success(text)
    }

    public struct NotText: Error, Sendable, Equatable {
        public var reason: String
    }

    private static func refuse(_ info: stat) -> InputFileError? {
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return InputFileError(kind: .isDirectory, reason: "is a directory")
        default: return InputFileError(kind: .notRegularFile, reason: "not a regular file (a device, FIFO or socket)")
        }
    }

    /// The error for an `errno` from `stat` or `open`.
    static func failure(_ code: Int32) -> InputFileError {
        switch code {
        case ENOENT: return InputFileError(kind: .noSuchFile, reason: "no such file")
        case ENOTDIR: return InputFileError(kind: .noSuchFile, reason: "no such file (a part of the path is not a directory)")
        case EACCES, EPERM: return InputFileError(kind: .permissionDenied, reason: "permission denied")
        case ELOOP: return InputFileError(kind: .symlinkLoop, reason: "too many levels of symbolic links")
        case EISDIR: return InputFileError(kind: .isDirectory, reason: "is a directory")
        default: return InputFileError(kind: .other, reason: String(cString: strerror(code)))
        }
    }
}
