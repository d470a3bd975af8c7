"""``--data-file``: the durable copy of the store, in SQLite.

    request ─> Ingestor.store_events(batch)
                 └─> DataFile.commit(batch, apply=store.append_batch)   database.py
                       queue ─> one leader per group: BEGIN; INSERT a row per batch;
                                evict past --max-events; COMMIT (fsync, synchronous=FULL)
                       ok   ─> apply each batch to memory, in commit order ─> 2xx
                       fail ─> ROLLBACK, nothing applied ─> 503 + Retry-After
    start-up ─> DataLock (lock.py: flock on FILE.lock, one server per file)
             ─> an old JSON Lines journal is imported (jsonl.py), kept as FILE.jsonl-imported
             ─> rows checked (records.py); bad ones skipped with a warning, moved aside

Memory only ever holds what the file holds, in the same order, so eviction and resets
replay exactly after a restart.
"""
