# I/O area of rubrika_core: safetensors, torch checkpoints, atomic files and folders,
# SHA-256 checksums.
target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/atomic_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/safetensors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sha256.cpp)
