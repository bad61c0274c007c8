#include "faults/points.h"

#ifdef FIU_ENABLE
#include <fiu.h>
#endif

namespace raftlab::faults {

std::span<const FaultPoint> AllFaultPoints() { return kAllFaultPoints; }

bool ShouldFailSlow(const char* name) {
#ifdef FIU_ENABLE
  // libfiu's tables exist only after fiu_init; a function-local static makes that once.
  static const bool initialised = fiu_init(0) == 0;
  return initialised && fiu_fail(name) != 0;
#else
  (void)name;
  return false;
#endif
}

bool ShouldFailWithInfoSlow(const char* name, long* failinfo) {
  *failinfo = 0;
#ifdef FIU_ENABLE
  if (!ShouldFailSlow(name)) return false;
  *failinfo = reinterpret_cast<long>(fiu_failinfo());
  return true;
#else
  (void)name;
  return false;
#endif
}

}  // namespace raftlab::faults
