# Install and export rules of rnnopt::optimizer (included by optimizer/CMakeLists.txt).
#
#   cmake --install build --prefix /opt/rnnopt
#
# installs the library and rnnopt_core (which it links), the engine's headers under
# <prefix>/include/rnnopt/optimizer/ and core's under <prefix>/include/rnnopt/core/ (the include
# root is <prefix>/include/rnnopt, so programs write #include "optimizer/rnn_optimizer.h" as inside
# the repository), MODEL_FORMAT.md, and a CMake package: an outside project writes
#
#   find_package(rnnopt 0.1 CONFIG REQUIRED)      # CMAKE_PREFIX_PATH=/opt/rnnopt
#   target_link_libraries(app PRIVATE rnnopt::optimizer)
#
# and needs only Eigen 3.4 and threads (no LibTorch, no nlohmann-json: the model-file reader uses
# it privately and header-only). optimizer/examples/ is such a project; check_install.sh builds it.
include(CMakePackageConfigHelpers)

set(RNNOPT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/rnnopt)

# A static rnnopt_optimizer names its PRIVATE link items in its link interface ($<LINK_ONLY:...>),
# so the warnings target is exported with it; it carries no usage requirements to consumers.
set_target_properties(rnnopt_warnings PROPERTIES EXPORT_NAME warnings)
install(TARGETS rnnopt_optimizer rnnopt_core rnnopt_warnings EXPORT rnnoptTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The engine's headers; internal/ too, because public headers may name internal types.
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/rnnopt/optimizer
        FILES_MATCHING PATTERN "*.h"
        PATTERN "examples" EXCLUDE
        PATTERN "fuzz" EXCLUDE
        PATTERN "tools" EXCLUDE)
# core/ (Rng, Box, ...), which the engine's headers include.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/rnnopt/core
        FILES_MATCHING PATTERN "*.h")
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/MODEL_FORMAT.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

install(EXPORT rnnoptTargets NAMESPACE rnnopt:: DESTINATION ${RNNOPT_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rnnoptConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/rnnoptConfig.cmake
                              INSTALL_DESTINATION ${RNNOPT_INSTALL_CMAKEDIR})
# 0.x: minor versions may break the interface.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rnnoptConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rnnoptConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/rnnoptConfigVersion.cmake
        DESTINATION ${RNNOPT_INSTALL_CMAKEDIR})
