# scheduler/server operations: Prometheus metrics and the policy hot-reload watcher.
# Included from scheduler/server/CMakeLists.txt (after its own targets).

add_library(nbsched_metrics ${CMAKE_CURRENT_LIST_DIR}/metrics.cc)
add_library(nbsched::metrics ALIAS nbsched_metrics)
target_include_directories(nbsched_metrics PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(nbsched_metrics
  PUBLIC nbsched::framework prometheus-cpp::core)
nbsched_set_warnings(nbsched_metrics)

# server::Log lives in log.cc; use a dedicated nbsched::log target when there is one.
if(TARGET nbsched::log)
  set(NBSCHED_OPS_LOG_TARGET nbsched::log)
else()
  set(NBSCHED_OPS_LOG_TARGET nbsched::extender_service)
endif()

add_library(nbsched_policy_watcher ${CMAKE_CURRENT_LIST_DIR}/policy_watcher.cc)
add_library(nbsched::policy_watcher ALIAS nbsched_policy_watcher)
target_include_directories(nbsched_policy_watcher PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(nbsched_policy_watcher
  PUBLIC nbsched::framework absl::status Threads::Threads
  PRIVATE nbsched::config ${NBSCHED_OPS_LOG_TARGET})
nbsched_set_warnings(nbsched_policy_watcher)
