# Sanitizer builds leave jemalloc out: ASan/TSan must own malloc, and the
# epoch arena then takes its chunks from aligned_alloc (docs/design.md, Memory).
set(TROVE_WITH_JEMALLOC ON)
if(TROVE_SANITIZE)
  set(TROVE_WITH_JEMALLOC OFF)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(TROVE_ASAN=1)
endif()
if(TROVE_TSAN)
  set(TROVE_WITH_JEMALLOC OFF)
  # -Wno-tsan: GCC 12 warns (an error under -Werror) that TSan does not model
  # std::atomic_thread_fence, which Boost.Asio's handler completion uses; a
  # report that involves only a fence is then a false-positive candidate.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
  add_compile_definitions(TROVE_TSAN=1)
endif()
if(TROVE_SANITIZE AND TROVE_TSAN)
  message(FATAL_ERROR "TROVE_SANITIZE and TROVE_TSAN are exclusive")
endif()
# libFuzzer build (clang only): every object gets the fuzzer's coverage
# instrumentation plus ASan+UBSan, so a target finds bugs in the library code
# it calls, not only in its own file; only tests/fuzz links -fsanitize=fuzzer
# (libFuzzer's main). RapidJSON scans without SIMD, as in the asan preset.
if(TROVE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TROVE_FUZZ needs clang (the fuzz preset sets it)")
  endif()
  set(TROVE_WITH_JEMALLOC OFF)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined
    -fsanitize-ignorelist=${CMAKE_CURRENT_LIST_DIR}/ubsan-ignorelist.txt)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(TROVE_ASAN=1 TROVE_FUZZ=1)
endif()
# Source-based coverage (clang only): `make coverage` runs the tests of this
# build and reports with llvm-profdata/llvm-cov (hack/coverage.sh).
if(TROVE_COVERAGE)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TROVE_COVERAGE needs clang (the coverage preset sets it)")
  endif()
  add_compile_options(-fprofile-instr-generate -fcoverage-mapping)
  add_link_options(-fprofile-instr-generate)
endif()
if((TROVE_SANITIZE OR TROVE_TSAN) AND (TROVE_FUZZ OR TROVE_COVERAGE))
  message(FATAL_ERROR "TROVE_FUZZ and TROVE_COVERAGE exclude TROVE_SANITIZE and TROVE_TSAN")
endif()
