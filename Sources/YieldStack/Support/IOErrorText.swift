import Foundation

/// Turns a file-system failure into the phrase a user acts on
/// (`no space left on device`, `permission denied`), instead of Foundation's
/// `The operation could not be completed. (NSCocoaErrorDomain error 512.)`.
/// One function, so that the store, the report writer and the CLI say the
/// same thing about the same fault.
public enum IOErrorText {
    /// A lower-case phrase without a final period, fit to follow `PATH: cannot write: `.
    public static func describe(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return phrase(errno: posix.code.rawValue) }
        let ns = error as NSError
        // Foundation wraps the system error; the POSIX code is the precise one.
        // (On Linux it may be stored as a Swift `POSIXError`, which does not cast to NSError.)
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] {
            if let posix = underlying as? POSIXError { return phrase(errno: posix.code.rawValue) }
            if let u = underlying as? NSError, u.domain == NSPOSIXErrorDomain { return phrase(errno: Int32(u.code)) }
        }
        if ns.domain == NSPOSIXErrorDomain { return phrase(errno: Int32(ns.code)) }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or directory"
            case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
            case NSFileWriteOutOfSpaceError: return "no space left on device"
            case NSFileWriteVolumeReadOnlyError: return "read-only file system"
            case NSFileWriteFileExistsError: return "a file of that name already exists"
            case NSFileWriteInvalidFileNameError, NSFileReadInvalidFileNameError: return "invalid file name"
            case NSFileReadCorruptFileError: return "the file is corrupt"
            case NSFileReadTooLargeError: return "the file is too large"
            case NSFileWriteInapplicableStringEncodingError, NSFileReadInapplicableStringEncodingError: return "the text cannot be encoded"
            default: break
            }
        }
        if let text = ns.userInfo[NSLocalizedFailureReasonErrorKey] as? String, !text.isEmpty { return text }
        return "input/output error"
    }

    /// The phrase for a POSIX `errno`.
    public static func phrase(errno code: Int32) -> String {
        switch code {
        case ENOSPC: return "no space left on device"
        case EDQUOT: return "disk quota exceeded"
        case EACCES, EPERM: return "permission denied"
        case EROFS: return "read-only file system"
        case EISDIR: return "is a directory"
        case ENOTDIR: return "a component of the path is not a directory"
        case ENOENT: return "no such file or directory"
        case EEXIST: return "a file of that name already exists"
        case ENAMETOOLONG: return "file name too long"
        case EMFILE, ENFILE: return "too many open files"
        case EIO: return "input/output error"
        case EFBIG: return "file too large"
        case ELOOP: return "too many symbolic links"
        default: return String(cString: strerror(code)).lowercased()
        }
    }

    /// Why `directory` cannot take new files, or nil when it can: creates
    /// the folder (and its parents) if missing, then creates and removes a
    /// probe file. Permission bits do not bind root, so only a real write
    /// tells; checking before a long simulation spares the user a lost run.
    public static func unwritableReason(directory: String) -> String? {
        let dir = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return "it is a file, not a folder" }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                // Another process may have created it meanwhile.
                if !(FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) && isDirectory.boolValue) {
                    return "cannot create the folder: \(describe(error))"
                }
            }
        }
        let probe = (dir as NSString).appendingPathComponent(".yieldstack-probe-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd < 0 { return phrase(errno: errno) }
        close(fd)
        unlink(probe)
        return nil
    }
}
