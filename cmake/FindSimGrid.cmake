# SimGrid 3.32 on Debian ships only simgrid.pc. Upstream's FindSimGrid.cmake forces C++17, so we wrap
# pkg-config ourselves and expose the imported target SimGrid::SimGrid.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SIMGRID_PC REQUIRED IMPORTED_TARGET simgrid>=${SimGrid_FIND_VERSION})
set(SimGrid_VERSION ${SIMGRID_PC_VERSION})
if(NOT TARGET SimGrid::SimGrid)
  add_library(SimGrid::SimGrid INTERFACE IMPORTED)
  target_link_libraries(SimGrid::SimGrid INTERFACE PkgConfig::SIMGRID_PC)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SimGrid REQUIRED_VARS SIMGRID_PC_FOUND VERSION_VAR SimGrid_VERSION)
