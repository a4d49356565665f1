# Finds every library trove uses, all from Debian 12 packages (hack/deps.sh).
# Each becomes an imported target; header-only ones get an INTERFACE target
# marked SYSTEM so their warnings never fail our -Werror build.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Boost 1.81: Asio and Beast are header-only; we need no compiled Boost lib.
# In 1.81 Beast's string_view is always boost::core::string_view (it converts
# to and from std::string_view): BOOST_BEAST_USE_STD_STRING_VIEW selects
# nothing and prints a deprecation note in every translation unit, so it
# stays undefined.
find_package(Boost 1.81 EXACT REQUIRED)
add_library(trove_boost INTERFACE)
target_include_directories(trove_boost SYSTEM INTERFACE ${Boost_INCLUDE_DIRS})
target_compile_definitions(trove_boost INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE)
target_link_libraries(trove_boost INTERFACE Threads::Threads)

find_package(simdjson REQUIRED)
find_package(RapidJSON REQUIRED)
add_library(trove_rapidjson INTERFACE)
target_include_directories(trove_rapidjson SYSTEM INTERFACE ${RapidJSON_INCLUDE_DIRS} ${RAPIDJSON_INCLUDE_DIRS})
# std::string support. SIMD scanning uses SSE2 (baseline x86-64, so no -m
# flag): SSE4.2 needed -msse4.2 on every user. Sanitizer builds scan without
# SIMD, because the 16-byte loads read past the end of unpadded strings.
target_compile_definitions(trove_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
if(NOT TROVE_SANITIZE AND NOT TROVE_TSAN AND NOT TROVE_FUZZ AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_definitions(trove_rapidjson INTERFACE RAPIDJSON_SSE2=1)
endif()

find_package(prometheus-cpp CONFIG REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(spdlog REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)

add_library(trove_jemalloc INTERFACE)
if(TROVE_WITH_JEMALLOC)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
  target_link_libraries(trove_jemalloc INTERFACE PkgConfig::JEMALLOC)
  target_compile_definitions(trove_jemalloc INTERFACE TROVE_HAVE_JEMALLOC=1)
else()
  target_compile_definitions(trove_jemalloc INTERFACE TROVE_HAVE_JEMALLOC=0)
endif()

if(TROVE_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(TROVE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
