# The simulator replay benchmark (issue 11's speed target); the lead includes this file from
# bench/CMakeLists.txt.
add_executable(nbsched_bench_simulate bench_simulate.cc)
target_include_directories(nbsched_bench_simulate PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(nbsched_bench_simulate PRIVATE
  benchmark::benchmark nbsched::simulate nbsched::config nbsched::framework)
target_compile_definitions(nbsched_bench_simulate PRIVATE
  NBSCHED_TRACE_DIR="${PROJECT_SOURCE_DIR}/../shared/traces/alibaba-gpu-v2023")
nbsched_set_warnings(nbsched_bench_simulate)
add_test(NAME bench_simulate_smoke
  COMMAND nbsched_bench_simulate --benchmark_filter=BM_ReplaySample --benchmark_min_time=0.01)
set_tests_properties(bench_simulate_smoke PROPERTIES LABELS bench)
