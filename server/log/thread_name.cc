#include "server/log/thread_name.h"

#include <pthread.h>

namespace raftlab::log {

void NameThisThread(const std::string& name) {
  // pthread_setname_np refuses names longer than 15 bytes instead of cutting them.
  (void)pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace raftlab::log
