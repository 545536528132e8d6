# bench/soak_client (issue 9): optional CMake target for the soak client; bench/soak.sh builds
# it with a bare g++ when this fragment is not included. include(soak.cmake) from
# bench/CMakeLists.txt.
add_executable(soak_client ${CMAKE_CURRENT_LIST_DIR}/soak_client.cc)
target_link_libraries(soak_client PRIVATE Threads::Threads)
nbsched_set_warnings(soak_client)
set_target_properties(soak_client PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
