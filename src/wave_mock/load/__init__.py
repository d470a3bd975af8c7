"""``wave-mock load``: a fixture delivered at scale through Locust, then the target's numbers checked.

    FIXTURE.jsonl ──plan.py──> parts (one per worker) ──> lanes (one per sender, whole streams, in order)
          │                         │  wm_plan / wm_lines / wm_go (Locust custom messages)
          │                         v
          │        master.py (Locust MasterRunner)  <── wm_ack per batch ──  worker.py (WorkerRunner,
          │          ledger.py: what each lane delivered                       EventSender users -> target)
          v
    converge.py: poll the target's stream metrics until they equal the engine's over the fixture
    report.py:   sent / accepted / rejected / 429s / errors, events/s, latency per operation, split, differences

Needs the ``[load]`` extra (Locust). Only ``cli.py`` is imported by ``wave-mock``; it imports
Locust, whose gevent patches the standard library, when a run starts.
"""
