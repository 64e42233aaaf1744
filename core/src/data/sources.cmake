# Data area of rubrika_core: CSV/JSONL readers, the data stage, the synthetic ads generator.
target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ads_synth.cpp
  ${CMAKE_CURRENT_LIST_DIR}/csv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/file_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jsonl.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records.cpp
  ${CMAKE_CURRENT_LIST_DIR}/synth_catalogue.cpp
  ${CMAKE_CURRENT_LIST_DIR}/synth_template.cpp
  ${CMAKE_CURRENT_LIST_DIR}/toml_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/utf8.cpp)
target_sources(rubrika_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/class_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dataset_options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/split.cpp)
