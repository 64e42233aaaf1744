// SHA-256 (FIPS 180-4) of bytes and of files, for the artifact checksums pipeline.toml records.
// Our own small implementation: no dependency for one hash.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace rubrika {

// Incremental hashing: update() any number of times, then hex_digest() once.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // The 64 lowercase hex digits of the digest. Ends the hash: call it once.
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);  // one 64-byte block

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// 64 lowercase hex digits of the SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

// 64 lowercase hex digits of the SHA-256 of `file`'s content, read in 1 MiB chunks (never
// held whole). Throws rubrika::IoError naming the file when it cannot be opened or read.
std::string sha256_file_hex(const std::filesystem::path& file);

}  // namespace rubrika
