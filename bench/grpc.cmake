# Explain throughput over gRPC vs HTTP (1,000-node snapshot); included from bench/CMakeLists.txt
# or the root CMakeLists.txt after the gRPC service targets exist.
add_executable(nbsched_bench_grpc_vs_http ${CMAKE_CURRENT_LIST_DIR}/bench_grpc_vs_http.cc)
target_include_directories(nbsched_bench_grpc_vs_http PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(nbsched_bench_grpc_vs_http PRIVATE
  benchmark::benchmark nbsched::grpc_service nbsched::extender_service nbsched::config
  nlohmann_json::nlohmann_json Boost::system Threads::Threads)
nbsched_set_warnings(nbsched_bench_grpc_vs_http)
add_test(NAME bench_grpc_vs_http_smoke
  COMMAND nbsched_bench_grpc_vs_http --benchmark_min_time=0.01)
set_tests_properties(bench_grpc_vs_http_smoke PROPERTIES LABELS bench)
