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
