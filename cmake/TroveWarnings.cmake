# Warnings are errors (docs/contributing.md). trove_set_warnings(<target>) applies them to
# the project's own targets only; third-party headers come in as SYSTEM.
# No -Wnull-dereference: GCC 12 at -O2 reports false positives inside Asio,
# shared_ptr and CLI11 code inlined into our translation units.
function(trove_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  if(TROVE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
