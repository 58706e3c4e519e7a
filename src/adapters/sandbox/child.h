#pragma once
// The child side of `airlock run` (sandbox.h): what runs between fork() and execve(). Internal
// to src/adapters/sandbox.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace airlock::sandbox::detail {

// Everything the child needs, computed by the supervisor before fork() (the child allocates
// as little as it can and asks the supervisor nothing).
struct ChildPlan {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string workspace;
  std::vector<std::string> readTrees;     // Landlock: read, list, execute
  std::vector<std::string> writeTrees;    // Landlock: every write right
  std::vector<std::string> runtime;       // read, list, execute
  std::vector<std::string> keepUnderTmp;  // trees below /tmp bound back into the private /tmp
  std::vector<std::string> hidden;        // covered by an empty read-only mount
  std::string caBundlePem;
  std::string caBundlePath;               // where the child finds caBundlePem
  std::uint16_t proxyPort = 3128;
  int landlockAbi = 0;
  std::vector<std::string> argv;
  std::vector<std::string> envp;
};

// Control messages from the child tree to the supervisor over a SOCK_SEQPACKET pair: one type
// byte, then text; 'L' and 'N' carry a file descriptor.
inline constexpr char kMsgListener = 'L';  // the proxy's listening socket (in the sandbox's netns)
inline constexpr char kMsgInit = 'P';      // text: the init's pid as the supervisor sees it
inline constexpr char kMsgNotify = 'N';    // the seccomp listener; the command execs next
inline constexpr char kMsgError = 'E';     // text: what failed; the child exits

// Runs in the forked child: never returns (exits 127 after reporting an error on `ctl`).
[[noreturn]] void childMain(const ChildPlan& plan, int ctl);

// Closes every descriptor above 2, restores default signal handling and an empty mask, and
// execs `argv` (PATH searched) with `envp`; on failure says why and exits 127 (not found) or 126.
[[noreturn]] void execCommand(const std::vector<std::string>& argv, const std::vector<std::string>& envp);

// SCM_RIGHTS helpers (fd < 0: none). recvMessage returns the bytes received (0 at EOF, -1 on
// error) and the descriptor in *fd (or -1).
bool sendMessage(int sock, char type, const std::string& text, int fd);
ssize_t recvMessage(int sock, std::string& out, int* fd);

}  // namespace airlock::sandbox::detail
