// Helpers for storage tests: a fresh temp directory removed on destruction, and raw file
// access for damaging files on purpose.
#ifndef RAFTLAB_SERVER_STORAGE_TEST_UTIL_H_
#define RAFTLAB_SERVER_STORAGE_TEST_UTIL_H_

#include <string>
#include <vector>

namespace raftlab::storage::testing {

// A directory from mkdtemp under $TMPDIR (or /tmp), deleted with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& data);
// Regular files in dir whose names end with suffix, sorted by name.
std::vector<std::string> FilesWithSuffix(const std::string& dir, const std::string& suffix);
void CopyDirOrDie(const std::string& from, const std::string& to);

}  // namespace raftlab::storage::testing

#endif  // RAFTLAB_SERVER_STORAGE_TEST_UTIL_H_
