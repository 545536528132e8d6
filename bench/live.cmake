# Live-cluster sync benchmark (include()d from bench/CMakeLists.txt): first full sync of
# nodes + pods from the fake API server, memory per node and per pod in the cache.
find_program(NBSCHED_PYTHON3 python3 REQUIRED)
add_executable(nbsched_bench_live_sync ${CMAKE_CURRENT_LIST_DIR}/bench_live_sync.cc)
target_include_directories(nbsched_bench_live_sync PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(nbsched_bench_live_sync PRIVATE nbsched::state nbsched::codec Boost::system
  Threads::Threads)
target_compile_definitions(nbsched_bench_live_sync PRIVATE
  NBSCHED_PYTHON3="${NBSCHED_PYTHON3}"
  NBSCHED_FAKE_APISERVER="${PROJECT_SOURCE_DIR}/tests/testing/fake_apiserver.py"
  NBSCHED_Z2JH_POD_FIXTURE="${CMAKE_CURRENT_LIST_DIR}/fixtures/z2jh-pod-cpu.json")
nbsched_set_warnings(nbsched_bench_live_sync)
add_test(NAME bench_live_sync_smoke
  COMMAND nbsched_bench_live_sync --nodes 50 --pods 500 --page-size 100)
add_test(NAME bench_live_sync_generic_smoke
  COMMAND nbsched_bench_live_sync --nodes 50 --pods 500 --page-size 100 --pod-mix generic)
set_tests_properties(bench_live_sync_smoke bench_live_sync_generic_smoke PROPERTIES LABELS bench)
