# Tests for scheduler/server/ops.cmake (metrics, policy watcher). Included from
# tests/server/CMakeLists.txt.
nbsched_add_test(nbsched_ops_tests
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/policy_watcher_test.cc
  LIBS nbsched::metrics nbsched::policy_watcher nbsched::config
  LABELS server)
