// Durable storage of a raftlab node: the entry header of server/storage.
//
//   NodeWal       (node_wal.h)       the node's Raft log, shared by its groups: hard states,
//                                    entries and snapshot markers; one write and fdatasync
//                                    per batch of concurrent appends; fail-stop on I/O
//                                    errors; torn tails truncated on open.
//   SnapshotWriter / SnapshotReader  (snapshot_file.h) atomic, CRC-checked snapshot files,
//                                    chunked for streaming to peers.
//   StateMachine  (state_machine.h)  the KV state machine on RocksDB, one column family per
//                                    group, data and applied index in one WriteBatch.
//   KvCommand     (kv_command.h)     the command encoding carried in Entry.data.
//   SyncMode      (sync_mode.h)      --fsm-sync-mode / RAFTLAB_FSM_SYNC_MODE.
//
// Restart of a group, as the engine drives it: open the NodeWal (recovering hard state, the
// latest snapshot marker and the entries after it); if the state machine's applied index
// is below the snapshot marker, install the newest snapshot file; then Apply the
// recovered committed entries, which skips those at or below the applied index.
#ifndef RAFTLAB_SERVER_STORAGE_STORAGE_H_
#define RAFTLAB_SERVER_STORAGE_STORAGE_H_

#include "server/storage/kv_command.h"
#include "server/storage/snapshot_file.h"
#include "server/storage/state_machine.h"
#include "server/storage/sync_mode.h"
#include "server/storage/node_wal.h"

#endif  // RAFTLAB_SERVER_STORAGE_STORAGE_H_
