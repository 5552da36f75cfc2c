// SPDX-License-Identifier: MIT
// The replay driver: a main() that feeds files to a harness's
// LLVMFuzzerTestOneInput, so the seed corpus and every regression input run
// in the ordinary (GCC, ASan, TSan) builds under ctest, without libFuzzer.
// Arguments are files or directories (read recursively, sorted, names
// starting with '.' skipped; a missing directory is skipped). A broken
// invariant aborts and a sanitizer report fails the process; with no input
// at all it fails too, so a misplaced path cannot pass silently.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

void collect(const fs::path& p, std::vector<fs::path>& out) {
  if (fs::is_regular_file(p)) {
    out.push_back(p);
    return;
  }
  if (!fs::is_directory(p)) return;
  for (const auto& e : fs::recursive_directory_iterator(p)) {
    if (e.is_regular_file() && e.path().filename().string().rfind('.', 0) != 0)
      out.push_back(e.path());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) collect(argv[i], files);
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "replay: no input files\n");
    return 1;
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "replay: %zu inputs, no failure\n", files.size());
  return 0;
}
