# rnnopt-bench: the quality benchmark across horizons (included by bench/CMakeLists.txt).
# rnnopt_bench_lib holds the testable logic (specs, registry, statistics, trace I/O, runner,
# summary, report, plots, the command line); rnnopt-bench is a thin main() around it.
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)

file(GLOB rnnopt_bench_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/quality/*.cpp)
list(REMOVE_ITEM rnnopt_bench_sources ${CMAKE_CURRENT_SOURCE_DIR}/quality/main.cpp)
add_library(rnnopt_bench_lib STATIC ${rnnopt_bench_sources})
target_include_directories(rnnopt_bench_lib PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(rnnopt_bench_lib
  PUBLIC rnnopt::optimizer rnnopt::functions rnnopt::baselines Eigen3::Eigen
         nlohmann_json::nlohmann_json Boost::headers
  PRIVATE rnnopt::tool Threads::Threads rnnopt_warnings)
# The source tree's models/ is where the presets look when the current folder has none.
target_compile_definitions(rnnopt_bench_lib PRIVATE RNNOPT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

add_executable(rnnopt-bench ${CMAKE_CURRENT_SOURCE_DIR}/quality/main.cpp)
target_link_libraries(rnnopt-bench PRIVATE rnnopt_bench_lib rnnopt_warnings)

# rnnopt-dlib-check: dlib's find_min_global against dlib-lipo on the bench's functions
# (baselines/README.md states what it showed and which one the bench keeps).
find_package(dlib CONFIG REQUIRED)
add_executable(rnnopt-dlib-check ${CMAKE_CURRENT_SOURCE_DIR}/peers/dlib_check_main.cpp)
target_link_libraries(rnnopt-dlib-check PRIVATE rnnopt_bench_lib dlib::dlib rnnopt::tool
                      rnnopt_warnings)
