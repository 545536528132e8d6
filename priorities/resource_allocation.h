#pragma once

// STUB: shared scoring math for the resource priorities (to be written).

namespace nbsched::priorities {}
