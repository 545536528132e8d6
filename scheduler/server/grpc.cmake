# scheduler/server: the gRPC service (included from scheduler/server/CMakeLists.txt; needs
# add_subdirectory(proto) before scheduler/server in the root CMakeLists.txt).

# The scheduling shared by HTTP and gRPC.
add_library(nbsched_scheduling_core ${CMAKE_CURRENT_LIST_DIR}/scheduling_core.cc)
add_library(nbsched::scheduling_core ALIAS nbsched_scheduling_core)
target_include_directories(nbsched_scheduling_core PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(nbsched_scheduling_core
  PUBLIC nbsched::framework
  PRIVATE nbsched::codec)
nbsched_set_warnings(nbsched_scheduling_core)

add_library(nbsched_grpc_service ${CMAKE_CURRENT_LIST_DIR}/grpc_service.cc)
add_library(nbsched::grpc_service ALIAS nbsched_grpc_service)
target_link_libraries(nbsched_grpc_service
  PUBLIC nbsched::proto nbsched::scheduling_core nbsched::state absl::statusor
  PRIVATE nbsched::codec nbsched::grpcpp_reflection nbsched_extender_service)
nbsched_set_warnings(nbsched_grpc_service)

# extender_service.cc runs its requests through scheduling_core too.
target_link_libraries(nbsched_extender_service PUBLIC nbsched::scheduling_core)
