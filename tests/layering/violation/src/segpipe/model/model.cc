#include "segpipe/high/high.h"

int ModelAnswer() { return HighAnswer(); }
