#include "priorities/resource_allocation.h"
