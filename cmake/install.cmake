# `cmake --install BUILD --prefix PREFIX` installs the library a program builds against:
#   PREFIX/include/segpipe/segpipe.h (+ the headers it includes), PREFIX/lib/libsegpipe_*.a and
#   PREFIX/lib/cmake/segpipe/ (find_package(segpipe CONFIG) gives segpipe::segpipe).
# Each layer is its own static archive, so every layer the API links is exported with it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SEGPIPE_INSTALL_TARGETS
  segpipe_api segpipe_pipeline segpipe_partition segpipe_device_runtime segpipe_device segpipe_synth
  segpipe_exec
  segpipe_kernels segpipe_tflite segpipe_model segpipe_core segpipe_dnnl)
if(SEGPIPE_BUILD_REMOTE)
  list(APPEND SEGPIPE_INSTALL_TARGETS segpipe_remote)
endif()
install(TARGETS ${SEGPIPE_INSTALL_TARGETS} EXPORT segpipeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The public headers: the facade and the few segpipe types it uses (no third-party types).
install(FILES src/segpipe/segpipe.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/segpipe)
install(FILES src/segpipe/api/model.h src/segpipe/api/plan.h src/segpipe/api/runner.h
              src/segpipe/api/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/segpipe/api)
install(FILES src/segpipe/core/status.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/segpipe/core)
install(FILES src/segpipe/model/model.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/segpipe/model)
install(FILES src/segpipe/device/device.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/segpipe/device)

set(SEGPIPE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/segpipe)
install(EXPORT segpipeTargets NAMESPACE segpipe:: DESTINATION ${SEGPIPE_CMAKE_DIR})
configure_package_config_file(cmake/segpipeConfig.cmake.in
  ${CMAKE_BINARY_DIR}/segpipeConfig.cmake INSTALL_DESTINATION ${SEGPIPE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/segpipeConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/segpipeConfig.cmake ${CMAKE_BINARY_DIR}/segpipeConfigVersion.cmake
        DESTINATION ${SEGPIPE_CMAKE_DIR})
