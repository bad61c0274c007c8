#include "harness/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace raftlab::harness {
namespace {

using std::chrono::milliseconds;

// The one-letter state of a process from /proc (R, S, T, Z...), or '?' when it is gone.
char ProcState(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return '?';
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
}

ProcessSpec Sleep() { return {"/bin/sleep", {"600"}, {}, "", ""}; }

TEST(ChildProcess, KillEndsTheChildWithSigkill) {
  auto child = ChildProcess::Start(Sleep());
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE(child->Running());
  const ExitInfo info = child->Kill();
  EXPECT_TRUE(info.signaled);
  EXPECT_EQ(info.signal, SIGKILL);
  EXPECT_FALSE(child->Running());
  EXPECT_EQ(ProcState(child->pid()), '?');
}

TEST(ChildProcess, PauseStopsAndResumeContinues) {
  auto child = ChildProcess::Start(Sleep());
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_TRUE(child->Pause().ok());
  char state = '?';
  for (int i = 0; i < 200 && (state = ProcState(child->pid())) != 'T'; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(state, 'T');
  ASSERT_TRUE(child->Resume().ok());
  for (int i = 0; i < 200 && (state = ProcState(child->pid())) == 'T'; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_NE(state, 'T');
  EXPECT_TRUE(child->Running());
}

TEST(ChildProcess, StopSendsSigtermFirst) {
  auto child = ChildProcess::Start(Sleep());
  ASSERT_TRUE(child.ok()) << child.status();
  const ExitInfo info = child->Stop(milliseconds(5000));
  EXPECT_TRUE(info.signaled);
  EXPECT_EQ(info.signal, SIGTERM);
}

TEST(ChildProcess, StopKillsAChildThatIgnoresSigterm) {
  auto child = ChildProcess::Start({"/bin/sh", {"-c", "trap '' TERM; sleep 600 & wait"}, {}, "", ""});
  ASSERT_TRUE(child.ok()) << child.status();
  std::this_thread::sleep_for(milliseconds(100));  // let the shell install its trap
  const ExitInfo info = child->Stop(milliseconds(200));
  EXPECT_TRUE(info.signaled);
  EXPECT_EQ(info.signal, SIGKILL);
  // The shell's background sleep went with it: the process group is empty.
  bool group_gone = false;
  for (int i = 0; i < 400 && !(group_gone = kill(-child->pid(), 0) != 0); ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(group_gone) << "a process of group " << child->pid() << " survived";
}

TEST(ChildProcess, ExitCodeAndLogAreCaptured) {
  char dir_template[] = "/tmp/raftlab-process-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string log = std::string(dir_template) + "/out.log";
  auto child = ChildProcess::Start(
      {"/bin/sh", {"-c", "echo hello-$GREETING; echo oops >&2; exit 3"}, {"GREETING=world"}, log, ""});
  ASSERT_TRUE(child.ok()) << child.status();
  auto info = child->WaitFor(milliseconds(10000));
  ASSERT_TRUE(info.has_value());
  EXPECT_TRUE(info->exited);
  EXPECT_EQ(info->exit_code, 3);
  std::ifstream f(log);
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_EQ(text.str(), "hello-world\noops\n");
  std::remove(log.c_str());
  rmdir(dir_template);
}

TEST(ChildProcess, MissingProgramIsAClearError) {
  auto child = ChildProcess::Start({"/nonexistent/raftlab-server", {}, {}, "", ""});
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find("/nonexistent/raftlab-server"), std::string::npos);
}

TEST(ChildProcess, DestructorKillsTheChild) {
  pid_t pid;
  {
    auto child = ChildProcess::Start(Sleep());
    ASSERT_TRUE(child.ok()) << child.status();
    pid = child->pid();
  }
  EXPECT_EQ(ProcState(pid), '?');
}

TEST(ChildProcess, ChildrenDieWhenTheHarnessIsKilled) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t harness = fork();
  ASSERT_GE(harness, 0);
  if (harness == 0) {
    // Stands in for a harness: starts a server, reports its pid, then waits to be killed.
    close(fds[0]);
    auto child = ChildProcess::Start(Sleep());
    const pid_t pid = child.ok() ? child->pid() : -1;
    if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid)) _exit(1);
    pause();
    _exit(0);
  }
  close(fds[1]);
  pid_t server = -1;
  ASSERT_EQ(read(fds[0], &server, sizeof(server)), static_cast<ssize_t>(sizeof(server)));
  close(fds[0]);
  ASSERT_GT(server, 0);
  EXPECT_NE(ProcState(server), '?');
  kill(harness, SIGKILL);
  waitpid(harness, nullptr, 0);
  char state = 'S';
  for (int i = 0; i < 400 && (state = ProcState(server)) != '?' && state != 'Z'; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_TRUE(state == '?' || state == 'Z') << "server " << server << " outlived the harness";
  if (state != '?' && state != 'Z') kill(server, SIGKILL);
}

TEST(PickFreePort, ReturnsABindablePort) {
  auto port = PickFreePort();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  EXPECT_LT(*port, 65536);
}

}  // namespace
}  // namespace raftlab::harness
