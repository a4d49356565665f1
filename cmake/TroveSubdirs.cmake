# trove_add_subdirs(): adds every direct subfolder that has a CMakeLists.txt,
# in sorted order. Each area (server/memory, tests/e2e, ...) owns its own
# CMakeLists, so adding an area never edits a shared file. Target names are
# resolved at generate time, so the order does not matter.
function(trove_add_subdirs)
  file(GLOB children LIST_DIRECTORIES true RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}/*")
  list(SORT children)
  foreach(child IN LISTS children)
    if(IS_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${child}" AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt")
      add_subdirectory("${child}")
    endif()
  endforeach()
endfunction()
