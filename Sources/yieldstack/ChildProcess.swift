import Foundation
import YieldStack
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One child process run to completion and measured, for `bench --compare`.
/// It is started with `posix_spawn` and reaped with `wait4`, because
/// `wait4` hands back that one child's own CPU time and peak memory;
/// Foundation's `Process` gives neither.
struct ChildProcess {
    /// How a measured child ended and what it used.
    struct Outcome: Equatable {
        /// How the process ended: an exit status or the signal that killed it.
        enum Termination: Equatable {
            case exited(Int32)
            case signalled(Int32)
        }

        var termination: Termination
        /// Wall-clock seconds from just before the spawn to the reap.
        var wallSeconds: Double
        /// User plus system CPU seconds of the child (and any children it waited for).
        var cpuSeconds: Double
        /// The child's peak resident set size in bytes (`ru_maxrss`). Linux
        /// counts the parent's resident size at the spawn towards it (the
        /// child starts in the parent's memory until it execs), so the
        /// parent should stay small: `bench --compare` does no simulating itself.
        var peakResidentBytes: Int
        /// Everything the child wrote to standard error.
        var standardError: String

        /// True for exit status 0.
        var succeeded: Bool { termination == .exited(0) }
    }

    /// A spawn that did not start (missing or non-executable file, no memory).
    struct SpawnError: Error, CustomStringConvertible {
        var executable: String
        var code: Int32
        var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
    }

    /// Runs `executable` with `arguments`, in this process's folder and
    /// environment, with standard input and output on /dev/null and standard
    /// error into `standardErrorFile` (read back into the outcome), and waits
    /// for it. Blocks the calling thread.
    static func run(_ executable: String, _ arguments: [String], standardErrorFile: String) throws -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, standardErrorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }

        let start = DispatchTime.now().uptimeNanoseconds
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard code == 0 else { throw SpawnError(executable: executable, code: code) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 {
            guard errno == EINTR else { throw SpawnError(executable: executable, code: errno) }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        let stderrText = (try? String(contentsOfFile: standardErrorFile, encoding: .utf8)) ?? ""
        return Outcome(termination: termination(status),
                       wallSeconds: wall,
                       cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                       peakResidentBytes: ProcessMemory.bytes(maxRSS: Int(usage.ru_maxrss)),
                       standardError: stderrText)
    }

    /// Decodes a `wait` status (the WIFEXITED/WEXITSTATUS/WTERMSIG macros,
    /// which Swift does not import). A stopped child cannot be reported:
    /// `wait4` is called without WUNTRACED.
    static func termination(_ status: Int32) -> Outcome.Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// A `timeval` in seconds.
    static func seconds(_ t: timeval) -> Double {
        Double(t.tv_sec) + Double(t.tv_usec) / 1e6
    }
}
