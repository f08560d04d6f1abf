// The one Catch2 main of every rnnopt test executable.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
