#include <rubrika/text/vocab_index.hpp>

#include <cstring>

namespace rubrika::text {

uint32_t VocabIndex::hash_of(std::string_view s) {
  // FNV-1a, then a final mix so the low bits (the slot) depend on every byte.
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  return h;
}

VocabIndex::VocabIndex(const std::vector<std::string>& tokens) {
  size_t capacity = 16;
  while (capacity < tokens.size() * 2) capacity *= 2;
  tags_.assign(capacity, 0);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (size_t id = 0; id < tokens.size(); ++id) {
    const std::string& token = tokens[id];
    const uint32_t h = hash_of(token);
    const uint8_t tag = tag_of(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (tags_[i] == 0) {
        tags_[i] = tag;
        slot = {static_cast<uint32_t>(pool_.size()), static_cast<uint32_t>(token.size()), static_cast<int64_t>(id)};
        pool_ += token;
        break;
      }
      if (tags_[i] == tag && std::string_view(pool_.data() + slot.offset, slot.length) == token) {
        slot.id = static_cast<int64_t>(id);  // repeated token: the last line wins
        break;
      }
    }
  }
}

int64_t VocabIndex::find(std::string_view token) const {
  if (tags_.empty()) return -1;
  const uint32_t h = hash_of(token);
  const uint8_t tag = tag_of(h);
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    const uint8_t t = tags_[i];
    if (t == 0) return -1;
    if (t != tag) continue;
    const Slot& slot = slots_[i];
    if (slot.length == token.size() && std::memcmp(pool_.data() + slot.offset, token.data(), token.size()) == 0)
      return slot.id;
  }
}

}  // namespace rubrika::text
