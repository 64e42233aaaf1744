target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/pipeline.cpp)
target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/run_manifest.cpp)
