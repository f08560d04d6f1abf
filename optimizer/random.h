// rnnopt/optimizer/random.h: kept for programs that include it; rnnopt::Rng lives in core/rng.h.
#pragma once

#include "core/rng.h"
