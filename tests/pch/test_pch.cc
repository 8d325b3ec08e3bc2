// Owner of the tests' precompiled header (see segpipe_test_pch in the top-level CMakeLists.txt):
// the test executables reuse the header it compiles. It holds no test of its own.
#include <gtest/gtest.h>
