// raftlab-powerfs mounted for real: what survives a power loss, a torn write, and a
// SIGKILL of the filesystem process.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "faults/powerfs/control.h"

namespace raftlab::faults::powerfs {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

bool Mounted(const std::string& mountpoint) {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.find(" " + mountpoint + " ") != std::string::npos) return true;
  }
  return false;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes without fsync; sync_file/sync_dir fsync the file and its directory afterwards.
void WriteFile(const std::string& path, const std::string& data, bool sync_file, int flags = O_TRUNC) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | flags, 0644);
  ASSERT_GE(fd, 0) << path << ": " << std::strerror(errno);
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  if (sync_file) {
    ASSERT_EQ(::fsync(fd), 0);
  }
  ::close(fd);
}

void SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fsync(fd), 0);
  ::close(fd);
}

// One mounted raftlab-powerfs over a fresh backing folder, unmounted by the destructor.
class PowerFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/powerfs-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    backing_ = root_ + "/backing";
    mnt_ = root_ + "/mnt";
    fs::create_directories(backing_);
    fs::create_directories(mnt_);
    control_ = "@raftlab-powerfs-test-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name();
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::setpgid(0, 0);
      const std::string log = root_ + "/powerfs.log";
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execl(RAFTLAB_POWERFS_BIN, RAFTLAB_POWERFS_BIN, "mount", "--backing", backing_.c_str(), "--mountpoint",
              mnt_.c_str(), "--control", control_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Bounded generously: the full suite runs two tests at a time beside server clusters.
    for (int i = 0; i < 1200; ++i) {
      if (SendCommand(control_, "ping").ok() && Mounted(mnt_)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL() << "raftlab-powerfs did not come up: " << ReadAll(root_ + "/powerfs.log");
  }

  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (Mounted(mnt_)) ::umount2(mnt_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  json Command(const std::string& c) {
    auto a = SendCommand(control_, c);
    EXPECT_TRUE(a.ok()) << a.status();
    json j = json::parse(a.ok() ? *a : "{}");
    EXPECT_TRUE(j.value("ok", false)) << j.dump();
    return j;
  }

  std::string root_, backing_, mnt_, control_;
  pid_t pid_ = -1;
};

TEST_F(PowerFsTest, WriteWithoutFsyncIsGoneAfterPowerLoss) {
  const std::string f = mnt_ + "/data";
  WriteFile(f, "", true);
  SyncDir(mnt_);
  WriteFile(f, "not synced", false, O_APPEND);
  EXPECT_EQ(ReadAll(f), "not synced");
  json report = Command("report");
  EXPECT_EQ(report["unsynced_bytes"], 10);
  EXPECT_EQ(report["files"][0]["path"], "data");
  json loss = Command("lose-unsynced");
  EXPECT_EQ(loss["dropped_bytes"], 10);
  EXPECT_EQ(ReadAll(f), "");
  EXPECT_EQ(ReadAll(backing_ + "/data"), "");
}

TEST_F(PowerFsTest, FsyncedWriteIsKept) {
  const std::string f = mnt_ + "/data";
  WriteFile(f, "synced", true);
  SyncDir(mnt_);
  WriteFile(f, "+lost", false, O_APPEND);
  Command("lose-unsynced");
  EXPECT_EQ(ReadAll(f), "synced");
}

TEST_F(PowerFsTest, OverwriteIsUndoneToTheSyncedBytes) {
  const std::string f = mnt_ + "/data";
  WriteFile(f, "0123456789", true);
  SyncDir(mnt_);
  const int fd = ::open(f.c_str(), O_WRONLY);
  ASSERT_EQ(::pwrite(fd, "abc", 3, 4), 3);
  ASSERT_EQ(::ftruncate(fd, 6), 0);
  ::close(fd);
  EXPECT_EQ(ReadAll(f), "0123ab");
  Command("lose-unsynced");
  EXPECT_EQ(ReadAll(f), "0123456789");
}

TEST_F(PowerFsTest, CreateWithoutDirectoryFsyncIsGone) {
  WriteFile(mnt_ + "/new", "synced data, unsynced name", true);
  Command("lose-unsynced");
  EXPECT_FALSE(fs::exists(mnt_ + "/new"));
}

TEST_F(PowerFsTest, RenameWithoutDirectoryFsyncIsGone) {
  WriteFile(mnt_ + "/a.tmp", "old", true);
  SyncDir(mnt_);
  WriteFile(mnt_ + "/b.tmp", "new", true);
  ::rename((mnt_ + "/b.tmp").c_str(), (mnt_ + "/a.tmp").c_str());
  EXPECT_EQ(ReadAll(mnt_ + "/a.tmp"), "new");
  Command("lose-unsynced");
  EXPECT_EQ(ReadAll(mnt_ + "/a.tmp"), "old");
  EXPECT_FALSE(fs::exists(mnt_ + "/b.tmp"));
  EXPECT_FALSE(fs::exists(mnt_ + "/.powerfs-graveyard"));
}

TEST_F(PowerFsTest, RenameWithDirectoryFsyncIsKept) {
  WriteFile(mnt_ + "/seg.tmp", "header", true);
  ::rename((mnt_ + "/seg.tmp").c_str(), (mnt_ + "/seg").c_str());
  SyncDir(mnt_);
  Command("lose-unsynced");
  EXPECT_EQ(ReadAll(mnt_ + "/seg"), "header");
  EXPECT_FALSE(fs::exists(mnt_ + "/seg.tmp"));
}

TEST_F(PowerFsTest, UnlinkWithoutDirectoryFsyncComesBack) {
  fs::create_directories(mnt_ + "/dir");
  WriteFile(mnt_ + "/dir/f", "kept", true);
  SyncDir(mnt_ + "/dir");
  SyncDir(mnt_);
  fs::remove(mnt_ + "/dir/f");
  EXPECT_FALSE(fs::exists(mnt_ + "/dir/f"));
  Command("lose-unsynced");
  EXPECT_EQ(ReadAll(mnt_ + "/dir/f"), "kept");
  std::vector<std::string> listed;
  for (const auto& e : fs::directory_iterator(mnt_ + "/dir")) listed.push_back(e.path().filename().string());
  EXPECT_THAT(listed, ::testing::ElementsAre("f"));
}

TEST_F(PowerFsTest, TornWriteKeepsOnlyAPrefix) {
  const std::string f = mnt_ + "/wal";
  WriteFile(f, "", true);
  SyncDir(mnt_);
  const int fd = ::open(f.c_str(), O_WRONLY | O_APPEND);
  for (char c : {'a', 'b', 'c'}) {
    const std::string block(4096, c);
    ASSERT_EQ(::write(fd, block.data(), block.size()), 4096);
  }
  ::close(fd);
  json torn = Command("torn wal prefix 5000");
  EXPECT_EQ(torn["kept_bytes"], 5000);
  EXPECT_EQ(torn["dropped_bytes"], 3 * 4096 - 5000);
  EXPECT_EQ(ReadAll(f), std::string(4096, 'a') + std::string(5000 - 4096, 'b'));
}

TEST_F(PowerFsTest, TornBlocksKeepsSomeWholeBlocks) {
  const std::string f = mnt_ + "/sst";
  WriteFile(f, "", true);
  SyncDir(mnt_);
  std::string data;
  for (char c = 'a'; c < 'a' + 16; ++c) data += std::string(4096, c);
  WriteFile(f, data, false);
  Command("torn sst blocks 7");
  const std::string after = ReadAll(f);
  int kept = 0, zero = 0;
  for (size_t b = 0; b * 4096 < after.size(); ++b) {
    const std::string block = after.substr(b * 4096, 4096);
    if (block == data.substr(b * 4096, 4096)) ++kept;
    if (block == std::string(block.size(), '\0')) ++zero;
  }
  EXPECT_EQ(kept + zero, static_cast<int>((after.size() + 4095) / 4096)) << "each block is all new or all lost";
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 16);
}

TEST_F(PowerFsTest, CheckpointMakesEverythingDurable) {
  WriteFile(mnt_ + "/f", "checkpointed", false);
  json c = Command("checkpoint");
  EXPECT_EQ(c["kept_bytes"], 12);
  Command("lose-unsynced");
  EXPECT_EQ(ReadAll(mnt_ + "/f"), "checkpointed");
}

TEST_F(PowerFsTest, BadCommandIsNamed) {
  auto a = SendCommand(control_, "torn wal sideways 3");
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(*a, HasSubstr("unknown mode \\\"sideways\\\""));
  a = SendCommand(control_, "format-disk");
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(*a, HasSubstr("unknown command"));
}

TEST_F(PowerFsTest, KillNineOfTheFilesystemLeavesNoMount) {
  ASSERT_TRUE(Mounted(mnt_));
  ASSERT_EQ(::kill(-pid_, SIGKILL), 0);  // its whole process group, as the harness kills
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  bool gone = false;
  for (int i = 0; i < 600 && !gone; ++i) {
    gone = !Mounted(mnt_);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone) << "fusermount3's auto_unmount did not remove " << mnt_;
}

TEST(PowerFsCommandLine, MissingFusermountIsAClearError) {
  const std::string cmd = std::string("env PATH=/nonexistent ") + RAFTLAB_POWERFS_BIN +
                          " mount --backing /tmp --mountpoint /tmp --control @x 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[512] = {};
  std::string out;
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_THAT(out, HasSubstr("FUSE is not available: fusermount3 is not on PATH"));
}

}  // namespace
}  // namespace raftlab::faults::powerfs
