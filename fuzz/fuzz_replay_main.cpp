// Runs a libFuzzer target without libFuzzer (GCC builds, ctest): every file of the seed
// corpus, then N deterministic mutations of them (byte flips, inserts, truncations), seeded
// so a failure reproduces. Usage: <target> CORPUS_DIR [--mutations N] [--seed S]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [--mutations N] [--seed S]\n", argv[0]);
    return 2;
  }
  long mutations = 0;
  std::uint64_t seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mutations") == 0) mutations = std::strtol(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--seed") == 0) seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  std::vector<std::string> corpus;
  if (std::filesystem::is_directory(argv[1])) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(argv[1]))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());  // deterministic order
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) corpus.emplace_back();
  for (const auto& input : corpus)
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());

  std::uint64_t state = seed;
  for (long m = 0; m < mutations; ++m) {
    std::string input = corpus[splitmix64(state) % corpus.size()];
    const int edits = 1 + static_cast<int>(splitmix64(state) % 4);
    for (int e = 0; e < edits; ++e) {
      const std::uint64_t r = splitmix64(state);
      const std::size_t pos = input.empty() ? 0 : (r >> 8) % (input.size() + 1);
      switch (r % 4) {
        case 0: if (pos < input.size()) input[pos] = static_cast<char>(splitmix64(state)); break;
        case 1: input.insert(pos, 1, static_cast<char>(splitmix64(state))); break;
        case 2: if (pos < input.size()) input.erase(pos, 1 + (r >> 40) % 8); break;
        case 3: input.resize(pos); break;
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::printf("%zu corpus inputs and %ld mutations ran clean (seed %llu)\n", corpus.size(), mutations,
              static_cast<unsigned long long>(seed));
  return 0;
}
