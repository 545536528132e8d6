# Warning and sanitizer flags, applied per target with nbsched_set_warnings(<target>) so that
# generated protobuf code is not held to -Werror.
function(nbsched_set_warnings target)
  # -Wextra's missing-field-initializers flags C++20 designated initializers that rely on
  # default member initializers (GCC 12), an idiom this code base uses for option structs.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  if(NBSCHED_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # GCC 12 reports false -Wrestrict errors inside std::string's operator+ at -O2/-O3
  # (GCC bug 105651, fixed in GCC 13).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()

if(NBSCHED_SANITIZE)
  add_compile_options(-fsanitize=${NBSCHED_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${NBSCHED_SANITIZE})
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
