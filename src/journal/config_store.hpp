// ConfigStore: the configuration texts a data directory's journal was written with, stored by
// digest in DIR/config/<digest hex><extension>. The journal itself carries only the digest (the
// venue's first command); the text beside it lets `strike replay`, `audit` and a restart rebuild
// the same configuration without being told which file it came from. Content-addressed, so a
// text is written once and never changes; writing is atomic (temporary file, fsync, rename,
// directory fsync). Control plane.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/sha256.hpp"

namespace strike::journal {

class ConfigStore {
 public:
  explicit ConfigStore(const std::filesystem::path& data_dir, bool sync = true);

  // Stores `text` (its extension, ".toml" or ".json", says how to read it) under `digest`.
  Status<Error> write(const Hash256& digest, std::string_view extension, std::string_view text) const;
  // The stored file for `digest`, if any.
  std::optional<std::filesystem::path> find(const Hash256& digest) const;

 private:
  std::filesystem::path dir_;
  bool sync_;
};

}  // namespace strike::journal
