// VocabIndex: token → id lookup for WordPiece, without allocating per lookup.
// Open addressing (at most half full) with a one-byte tag per slot in its own small array
// and the token bytes in one pool: a miss — the common case in greedy longest-match —
// usually reads only the tag array (256 KB for mBERT, cache-resident), and lookups take a
// string_view (no std::string built).
// Copyable: slots refer to the pool by offset, not by pointer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rubrika::text {

class VocabIndex {
 public:
  VocabIndex() = default;
  // Tokens in id order; a repeated token maps to its last id (Hugging Face's load_vocab).
  explicit VocabIndex(const std::vector<std::string>& tokens);

  // The id of `token`, or -1 when absent.
  int64_t find(std::string_view token) const;

 private:
  struct Slot {
    uint32_t offset = 0;  // into pool_
    uint32_t length = 0;
    int64_t id = -1;      // -1: empty
  };
  static uint32_t hash_of(std::string_view s);
  static uint8_t tag_of(uint32_t hash) { return static_cast<uint8_t>((hash >> 24) | 1); }  // 0: empty

  std::string pool_;
  std::vector<uint8_t> tags_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace rubrika::text
