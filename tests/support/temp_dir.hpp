// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <string>

namespace sensorhub::testing {

// A fresh directory under the system temp dir (mkdtemp), removed with all its
// contents by the destructor unless keep() was called. Not thread-safe.
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "sensorhub-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  // path() / name, as a string (handy for database paths).
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Leaves the directory in place (e.g. for a post-mortem).
  void keep() noexcept { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace sensorhub::testing
