target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/pipeline.cpp)
target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/run_manifest.cpp)
target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/prediction_json.cpp)
target_sources(rubrika_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/decision_options.cpp)
