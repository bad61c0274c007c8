#include "harness/netns/programs.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "harness/process.h"

namespace raftlab::harness {
namespace {

constexpr std::chrono::milliseconds kCommandTimeout{20000};

}  // namespace

absl::StatusOr<std::string> FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) == 0) return name;
    return absl::NotFoundError(name + " is not an executable file");
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  // Tools such as ip live in sbin, which a non-login PATH may lack.
  dirs += ":/usr/local/sbin:/usr/sbin:/sbin";
  std::stringstream ss(dirs);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(name + ": not found on PATH");
}

absl::StatusOr<std::string> RunProgram(const std::string& name, const std::vector<std::string>& args) {
  auto program = FindProgram(name);
  if (!program.ok()) return program.status();
  std::string command = name;
  for (const auto& a : args) command += " " + a;
  char tmpl[] = "/tmp/raftlab-cmd-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return absl::InternalError("cannot create a temporary file for " + command);
  close(fd);
  ProcessSpec spec;
  spec.program = *program;
  spec.args = args;
  spec.log_path = tmpl;
  auto child = ChildProcess::Start(spec);
  if (!child.ok()) {
    unlink(tmpl);
    return child.status();
  }
  std::optional<ExitInfo> exit = child->WaitFor(kCommandTimeout);
  std::stringstream out;
  out << std::ifstream(tmpl).rdbuf();
  unlink(tmpl);
  if (!exit) return absl::DeadlineExceededError(command + ": did not finish in 20 s");
  if (!exit->exited || exit->exit_code != 0) {
    std::string text = out.str();
    if (text.size() > 300) text.resize(300);
    return absl::InternalError(command + ": " + exit->ToString() + (text.empty() ? "" : ": " + text));
  }
  return out.str();
}

}  // namespace raftlab::harness
