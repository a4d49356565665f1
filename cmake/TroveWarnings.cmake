# Warnings are errors (STYLE.md). trove_set_warnings(<target>) applies them to
# the project's own targets only; third-party headers come in as SYSTEM.
function(trove_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  if(TROVE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
